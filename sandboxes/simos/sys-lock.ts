/**
 * Lock system calls: flock(2), the fcntl(2) lock commands (F_GETLK, F_SETLK, F_SETLKW and the
 * OFD variants) and lockf(3). This file checks arguments and applies each man page's rules about
 * access modes and l_pid; the lock tables, ownership and waiting live in locks.ts.
 *
 * The fcntl commands are registered as `fcntl:<cmd>` entries, which sys-fd.ts's fcntl looks up
 * for commands it does not know; they receive the open file description, not the fd.
 */
import { argInt, describeValue } from './args.ts';
import type { Call } from './call.ts';
import type { OpenFile } from './file.ts';
import type { SyscallTable } from './kernel.ts';
import type { Inode } from './inode.ts';
import { Locks, type RangeOwner } from './locks.ts';
import { byteRange, type RangeType } from './record-lock.ts';
import { fdFile } from './sys-fd.ts';
import { SEEK_CUR, SEEK_END, SEEK_SET } from './sys-file.ts';

/** flock(2) operations (Linux values). */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** fcntl(2) lock commands (Linux x86-64 values; F_OFD_* since Linux 3.15). */
export const F_GETLK = 5;
export const F_SETLK = 6;
export const F_SETLKW = 7;
export const F_OFD_GETLK = 36;
export const F_OFD_SETLK = 37;
export const F_OFD_SETLKW = 38;

/** l_type values. */
export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

/** lockf(3) commands. */
export const F_ULOCK = 0;
export const F_LOCK = 1;
export const F_TLOCK = 2;
export const F_TEST = 3;

/**
 * `struct flock` (fcntl(2)): which bytes to lock and how. Omitted fields default to 0, so
 * `{ type: F_WRLCK }` means the whole file, from byte 0 to end of file and beyond.
 */
export interface Flock {
  /** F_RDLCK, F_WRLCK or F_UNLCK. */
  type: number;
  /** How `start` is measured: SEEK_SET (from byte 0), SEEK_CUR (from the offset), SEEK_END (from the size). */
  whence?: number;
  /** First byte, relative to `whence`. */
  start?: number;
  /** Bytes to lock; 0 = to end of file, however far it grows; negative = the bytes before `start`. */
  len?: number;
  /** F_GETLK: the pid holding the conflicting lock (-1 for an OFD lock). Must be 0 for the F_OFD_* commands. */
  pid?: number;
}

/** What F_GETLK and F_OFD_GETLK return: every field filled in. */
export type FlockResult = Required<Flock>;

interface ParsedLock {
  type: number;
  whence: number;
  start: number;
  len: number;
  pid: number;
  range: { start: number; end: number };
}

function parseFlock(c: Call, file: OpenFile, inode: Inode, arg: unknown): ParsedLock {
  if (typeof arg !== 'object' || arg === null) c.fail('EINVAL', `the lock argument must be a struct flock object like { type: F_WRLCK, whence: SEEK_SET, start: 0, len: 0 }, got ${describeValue(arg)}`);
  const a = arg as Record<string, unknown>;
  const type = argInt(c, a.type, 'l_type (lock.type)');
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) c.fail('EINVAL', `l_type ${type} is not F_RDLCK (0), F_WRLCK (1) or F_UNLCK (2)`);
  const whence = argInt(c, a.whence ?? SEEK_SET, 'l_whence (lock.whence)');
  const start = argInt(c, a.start ?? 0, 'l_start (lock.start)');
  const len = argInt(c, a.len ?? 0, 'l_len (lock.len)');
  const pid = argInt(c, a.pid ?? 0, 'l_pid (lock.pid)');
  let base: number;
  if (whence === SEEK_SET) base = 0;
  else if (whence === SEEK_CUR) base = file.offset;
  else if (whence === SEEK_END) base = inode.size;
  else c.fail('EINVAL', `l_whence ${whence} is not SEEK_SET (0), SEEK_CUR (1) or SEEK_END (2)`);
  const range = byteRange(base + start, len);
  if (typeof range === 'string') c.fail('EINVAL', range);
  return { type, whence, start, len, pid, range };
}

function rangeType(type: number): RangeType | 'unlock' {
  return type === F_RDLCK ? 'read' : type === F_WRLCK ? 'write' : 'unlock';
}

function typeName(type: number): string {
  return type === F_RDLCK ? 'F_RDLCK' : type === F_WRLCK ? 'F_WRLCK' : 'F_UNLCK';
}

function spanText(r: { start: number; end: number }): string {
  return r.end === Infinity ? `${r.start}..EOF` : `${r.start}..${r.end - 1}`;
}

/** F_SETLK, F_SETLKW and their OFD twins. */
function setLock(c: Call, file: OpenFile, arg: unknown, ofd: boolean, wait: boolean): 0 | symbol {
  const locks = Locks.of(c.kernel);
  const inode = locks.inodeFor(c, file);
  const label = file.describe();
  const l = parseFlock(c, file, inode, arg);
  // fcntl(2) ERRORS, EBADF: "cmd is F_SETLK or F_SETLKW and the file descriptor open mode doesn't
  // match with the type of lock requested".
  if (l.type === F_RDLCK && !file.readable) c.fail('EBADF', `an F_RDLCK read lock needs an fd open for reading (${label} is open write-only)`);
  if (l.type === F_WRLCK && !file.writable) c.fail('EBADF', `an F_WRLCK write lock needs an fd open for writing (${label} is open read-only)`);
  if (ofd && l.pid !== 0) c.fail('EINVAL', `l_pid must be 0 for OFD locks, got ${l.pid}`);
  const owner: RangeOwner = ofd ? file : c.proc.fds;
  const cmd = ofd ? (wait ? 'F_OFD_SETLKW' : 'F_OFD_SETLK') : wait ? 'F_SETLKW' : 'F_SETLK';
  const what = `fcntl(${label}, ${cmd}, ${typeName(l.type)} ${spanText(l.range)})`;
  return locks.setRange(c, inode, label, owner, rangeType(l.type), l.range.start, l.range.end, wait ? 'wait' : 'nonblock', what);
}

/** F_GETLK and F_OFD_GETLK: the first lock that would conflict, or the request with type F_UNLCK. */
function getLock(c: Call, file: OpenFile, arg: unknown, ofd: boolean): FlockResult {
  const locks = Locks.of(c.kernel);
  const inode = locks.inodeFor(c, file);
  const l = parseFlock(c, file, inode, arg);
  if (l.type === F_UNLCK) c.fail('EINVAL', 'F_GETLK asks whether a lock could be placed: l_type must be F_RDLCK or F_WRLCK, not F_UNLCK');
  if (ofd && l.pid !== 0) c.fail('EINVAL', `l_pid must be 0 for F_OFD_GETLK, got ${l.pid}`);
  const owner: RangeOwner = ofd ? file : c.proc.fds;
  const found = locks.firstConflict(inode, owner, rangeType(l.type) as RangeType, l.range.start, l.range.end);
  const result: FlockResult = found
    ? {
        type: found.type === 'write' ? F_WRLCK : F_RDLCK,
        whence: SEEK_SET,
        start: found.start,
        len: found.end === Infinity ? 0 : found.end - found.start,
        // fcntl(2): l_pid is -1 when the conflicting lock is an OFD lock.
        pid: found.pid,
      }
    : { type: F_UNLCK, whence: l.whence, start: l.start, len: l.len, pid: l.pid };
  // Unlike C, the caller's object is left alone: JS code reuses lock descriptions like
  // `const WHOLE = { type: F_WRLCK }`, and filling it in would silently turn it into F_UNLCK.
  return result;
}

export const lockSyscalls: SyscallTable = {
  flock(c, fd: unknown, operation: unknown) {
    const file = fdFile(c, fd);
    const op = argInt(c, operation, 'operation');
    const nonblock = (op & LOCK_NB) !== 0;
    const base = op & ~LOCK_NB;
    if (base !== LOCK_SH && base !== LOCK_EX && base !== LOCK_UN) {
      c.fail('EINVAL', `operation ${op} must be exactly one of LOCK_SH (1), LOCK_EX (2), LOCK_UN (8), optionally | LOCK_NB (4)`);
    }
    const mode = base === LOCK_SH ? 'shared' : base === LOCK_EX ? 'exclusive' : 'unlock';
    return Locks.of(c.kernel).flock(c, file, mode, nonblock);
  },

  /**
   * lockf(3), which glibc builds on fcntl: POSIX write locks on `len` bytes from the current
   * offset (0 = to end of file; negative = the bytes before it).
   */
  lockf(c, fd: unknown, cmdArg: unknown, lenArg: unknown) {
    const file = fdFile(c, fd);
    const cmd = argInt(c, cmdArg, 'cmd');
    const len = argInt(c, lenArg ?? 0, 'len');
    const lock: Flock = { whence: SEEK_CUR, start: 0, len, type: F_WRLCK };
    switch (cmd) {
      case F_ULOCK:
        return setLock(c, file, { ...lock, type: F_UNLCK }, false, false);
      case F_LOCK:
        return setLock(c, file, lock, false, true);
      case F_TLOCK:
        return setLock(c, file, lock, false, false);
      case F_TEST: {
        // glibc: test with a read lock; fine if unlocked or locked by the caller, else EACCES.
        const r = getLock(c, file, { ...lock, type: F_RDLCK }, false);
        if (r.type === F_UNLCK || r.pid === c.proc.pid) return 0;
        return c.fail('EACCES', `another process (pid ${r.pid}) holds a lock on that section`);
      }
      default:
        return c.fail('EINVAL', `lockf cmd ${cmd} is not F_ULOCK (0), F_LOCK (1), F_TLOCK (2) or F_TEST (3)`);
    }
  },

  [`fcntl:${F_GETLK}`]: (c, file: OpenFile, arg: unknown) => getLock(c, file, arg, false),
  [`fcntl:${F_SETLK}`]: (c, file: OpenFile, arg: unknown) => setLock(c, file, arg, false, false),
  [`fcntl:${F_SETLKW}`]: (c, file: OpenFile, arg: unknown) => setLock(c, file, arg, false, true),
  [`fcntl:${F_OFD_GETLK}`]: (c, file: OpenFile, arg: unknown) => getLock(c, file, arg, true),
  [`fcntl:${F_OFD_SETLK}`]: (c, file: OpenFile, arg: unknown) => setLock(c, file, arg, true, false),
  [`fcntl:${F_OFD_SETLKW}`]: (c, file: OpenFile, arg: unknown) => setLock(c, file, arg, true, true),
};
