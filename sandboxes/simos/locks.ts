/**
 * File locks: flock(2) locks, POSIX record locks and open file description (OFD) locks, with the
 * rules that decide who owns a lock, when it goes away, who waits for whom, and when waiting
 * would deadlock. The lock tables of a file hang on its inode (`inode.ext.locks`); the per-kernel
 * `Locks` object (`kernel.ext.locks`) does the waiting and the deadlock check and knows every
 * locked file, for visualisers.
 *
 * Owners, as in Linux (fcntl(2) "Advisory record locking" and "Open file description locks";
 * flock(2)):
 *   - flock lock: the open file description (OpenFile). dup/fork share it; a second open() does not.
 *   - POSIX record lock: the process — in Linux, literally its table of descriptors
 *     (`current->files`), which is what simos uses too (FdTable: shared by threads, copied by
 *     fork, kept by execve). Closing *any* of its fds for the file drops all of them.
 *   - OFD lock: the open file description; dropped on its last close.
 * flock locks live in their own table and never meet fcntl locks on a local filesystem. On an
 * NFS-kind device flock is emulated as a whole-file fcntl lock owned by the description
 * (flock(2) NOTES, Linux >= 2.6.12), so it goes into the byte-range table and conflicts with
 * fcntl locks.
 *
 * An attempt that blocks leaves no trace, with one deliberate exception: a flock conversion
 * drops the old lock and then yields (a zero-length wait), so a waiting process may take the
 * lock before the retry requests the new mode.
 */
import { BLOCKED, type Call } from './call.ts';
import { FdTable } from './fdtable.ts';
import type { OpenFile } from './file.ts';
import { FlockTable, type FlockMode } from './flock.ts';
import { inodeOf, registerFileLockHooks, type Inode } from './inode.ts';
import type { Kernel } from './kernel.ts';
import { RangeLockTable, type RangeLock, type RangeType } from './record-lock.ts';

/** Who owns a byte-range lock: a process's descriptor table (POSIX) or a description (OFD, NFS flock). */
export type RangeOwner = FdTable | OpenFile;

/** Both lock tables of one file, at `inode.ext.locks`. */
interface FileLocks {
  manager: Locks;
  /** The path of the first description that locked it, for reports. */
  label: string;
  flock: FlockTable<OpenFile>;
  ranges: RangeLockTable<RangeOwner>;
  /** The pid that placed each POSIX owner's locks: F_GETLK's l_pid and the wait-for graph. */
  posixPids: Map<FdTable, number>;
}

/** What a blocked F_SETLKW waits for, kept in `call.state` so the deadlock check can follow it. */
interface RangeWait {
  inode: Inode;
  owner: RangeOwner;
  type: RangeType;
  start: number;
  end: number;
}

const WAIT_KEY = 'locks.rangeWait';
const LOOKED_UP_KEY = 'locks.openLookedUp';

export function isPosixOwner(o: RangeOwner): o is FdTable {
  return o instanceof FdTable;
}

function fileLocksOf(inode: Inode): FileLocks | undefined {
  return inode.ext.locks as FileLocks | undefined;
}

export class Locks {
  /** Inodes that hold any lock right now. */
  readonly #locked = new Set<Inode>();

  constructor(private readonly kernel: Kernel) {
    // Exit closes every fd, which drops POSIX locks through the fd-close hook; this catches a
    // process whose fds were closed by a path that did not report it.
    kernel.hooks.afterExit.push((p) => {
      for (const inode of [...this.#locked]) this.#releaseOwner(inode, p.fds, `pid ${p.pid} exited`);
    });
  }

  /** The machine's lock state, created on first use. */
  static of(kernel: Kernel): Locks {
    return ((kernel.ext.locks as Locks | undefined) ??= new Locks(kernel));
  }

  /** The inode behind `file`; EINVAL for pipes, the console and other non-files. */
  inodeFor(call: Call, file: OpenFile): Inode {
    const inode = inodeOf(file);
    if (!inode) call.fail('EINVAL', `${file.describe()} is not a file: simos implements locks on files only`);
    return inode;
  }

  #locksOf(inode: Inode, label: string): FileLocks {
    let l = fileLocksOf(inode);
    if (!l) {
      l = { manager: this, label, flock: new FlockTable(), ranges: new RangeLockTable(), posixPids: new Map() };
      inode.ext.locks = l;
    }
    this.#locked.add(inode);
    return l;
  }

  /** Forget the tables of a file nobody locks any more. */
  #tidy(inode: Inode): void {
    const l = fileLocksOf(inode);
    if (l && l.flock.empty && l.ranges.empty) {
      delete inode.ext.locks;
      this.#locked.delete(inode);
    }
  }

  // ------------------------------------------------------------------ flock(2)

  /**
   * flock(2) on `file`. Returns 0 when done, `call.block(...)` to wait (the handler is re-run),
   * or throws EWOULDBLOCK (EAGAIN) under LOCK_NB.
   */
  flock(call: Call, file: OpenFile, mode: FlockMode | 'unlock', nonblock: boolean): 0 | typeof BLOCKED {
    const inode = this.inodeFor(call, file);
    const label = file.describe();
    if (inode.device.kind === 'nfs') return this.#flockAsRecordLock(call, file, inode, mode, nonblock);
    const locks = this.#locksOf(inode, label);
    if (mode === 'unlock') {
      if (locks.flock.release(file)) this.#note(`flock LOCK_UN on ${label}: released`);
      this.#tidy(inode);
      return 0;
    }
    const held = locks.flock.modeOf(file);
    if (held === mode) return 0;
    if (held) {
      // flock(2): "Converting a lock (shared to exclusive, or vice versa) is not guaranteed to be
      // atomic: the existing lock is first removed, and then a new lock is established." The
      // removal wakes the waiters, and the new request is a separate attempt at a later
      // scheduling point, so a waiter may get the lock first (and LOCK_NB then fails, lockless).
      locks.flock.release(file);
      this.#note(`flock ${flockName(mode)} on ${label}: dropped the ${held} lock to convert it`);
      this.#tidy(inode);
      this.kernel.scheduler.changed();
      // A scheduling point, not a wait: nothing to interrupt, so no EINTR here.
      return call.block({ reason: `flock(${label}, ${flockName(mode)}): converting, the old lock is already gone`, untilMs: call.nowMs, interruptible: false });
    }
    return this.#flockAcquire(call, file, locks, label, mode, nonblock);
  }

  /**
   * O_EXLOCK / O_SHLOCK: take a flock-semantics lock for a description open(2) is creating (not
   * in any fd table yet). open re-runs and calls this again with the same `file` after a block.
   */
  lockOnOpen(call: Call, file: OpenFile, exclusive: boolean, nonblock: boolean): 0 | typeof BLOCKED {
    const inode = this.inodeFor(call, file);
    const mode: FlockMode = exclusive ? 'exclusive' : 'shared';
    if (!call.state[LOOKED_UP_KEY]) {
      // The lookup and the lock are separate steps inside open (XNU's open1: vn_open_auth
      // resolves the path, then VNOP_ADVLOCK locks the vnode), so other processes run in
      // between: the file found may be unlinked and replaced before it is locked (SYLLABUS L2.4).
      call.state[LOOKED_UP_KEY] = true;
      return call.block({ reason: `open(${file.describe()}, ${exclusive ? 'O_EXLOCK' : 'O_SHLOCK'}): path looked up, lock not taken yet`, untilMs: call.nowMs, interruptible: false });
    }
    if (inode.device.kind === 'nfs') return this.#flockAsRecordLock(call, file, inode, mode, nonblock);
    const label = file.describe();
    return this.#flockAcquire(call, file, this.#locksOf(inode, label), label, mode, nonblock);
  }

  #flockAcquire(call: Call, file: OpenFile, locks: FileLocks, label: string, mode: FlockMode, nonblock: boolean): 0 | typeof BLOCKED {
    const conflicts = locks.flock.conflicts(file, mode);
    if (conflicts.length === 0) {
      locks.flock.grant(file, mode);
      this.#note(`flock ${flockName(mode)} on ${label}: granted`);
      return 0;
    }
    const pids = this.#pidsOf(locks, conflicts);
    if (nonblock) {
      const theirs = flockName(locks.flock.modeOf(conflicts[0]!)!);
      call.fail('EAGAIN', `EWOULDBLOCK: ${label} is locked (${theirs}) through another open file description${heldByText(pids, call.proc.pid)}`);
    }
    return call.block({ reason: `flock(${label}, ${flockName(mode)})`, heldBy: pids });
  }

  /** NFS: flock becomes a whole-file byte-range lock owned by the description. */
  #flockAsRecordLock(call: Call, file: OpenFile, inode: Inode, mode: FlockMode | 'unlock', nonblock: boolean): 0 | typeof BLOCKED {
    const label = file.describe();
    // The NFS client checks the access mode as for fcntl (nfs4_proc_lock): an exclusive flock
    // needs an fd open for writing (flock(2) NOTES), a shared one an fd open for reading.
    if (mode === 'exclusive' && !file.writable) {
      call.fail('EBADF', `on NFS, flock(LOCK_EX) is emulated with a whole-file fcntl write lock, which needs an fd open for writing (${label} is open read-only)`);
    }
    if (mode === 'shared' && !file.readable) {
      call.fail('EBADF', `on NFS, flock(LOCK_SH) is emulated with a whole-file fcntl read lock, which needs an fd open for reading (${label} is open write-only)`);
    }
    const type = mode === 'unlock' ? 'unlock' : mode === 'exclusive' ? 'write' : 'read';
    const what = `flock(${label}, ${mode === 'unlock' ? 'LOCK_UN' : flockName(mode)}) [NFS: a whole-file fcntl lock]`;
    return this.setRange(call, inode, label, file, type, 0, Infinity, nonblock ? 'nonblock' : 'wait', what);
  }

  // ------------------------------------------------------------------ byte-range locks

  /**
   * Set `owner`'s lock on [start, end) of `inode` to `type`. `how`: 'nonblock' fails with EAGAIN
   * on a conflict (F_SETLK), 'wait' blocks (F_SETLKW), first checking for a deadlock when the
   * owner is a process. `what` names the request in the trace and the wait-for graph.
   */
  setRange(call: Call, inode: Inode, label: string, owner: RangeOwner, type: RangeType | 'unlock', start: number, end: number, how: 'nonblock' | 'wait', what: string): 0 | typeof BLOCKED {
    const locks = this.#locksOf(inode, label);
    if (type === 'unlock') {
      locks.ranges.set(owner, 'unlock', start, end);
      if (isPosixOwner(owner) && locks.ranges.ownedBy(owner).length === 0) locks.posixPids.delete(owner);
      this.#tidy(inode);
      return 0;
    }
    const conflicts = locks.ranges.conflicts(owner, type, start, end);
    if (conflicts.length === 0) {
      locks.ranges.set(owner, type, start, end);
      if (isPosixOwner(owner)) locks.posixPids.set(owner, call.proc.pid);
      delete call.state[WAIT_KEY];
      this.#note(`${what}: granted`);
      return 0;
    }
    const pids = this.#pidsOf(locks, conflicts.map((c) => c.owner));
    delete call.state[WAIT_KEY];
    this.#tidy(inode);
    if (how === 'nonblock') {
      // fcntl(2): a conflicting F_SETLK "returns -1 and sets errno to EACCES or EAGAIN"; Linux uses EAGAIN.
      call.fail('EAGAIN', `${describeRange(conflicts[0]!)} of ${label} is already locked${heldByText(pids, call.proc.pid)}`);
    }
    if (isPosixOwner(owner)) {
      const cycle = this.#deadlockCycle(owner, locks, conflicts);
      if (cycle) call.fail('EDEADLK', `waiting would deadlock: ${[call.proc.pid, ...cycle].map((p) => `pid ${p}`).join(' waits for ')}`);
    }
    const wait: RangeWait = { inode, owner, type, start, end };
    call.state[WAIT_KEY] = wait;
    return call.block({ reason: what, heldBy: pids });
  }

  /** The first lock that would stop `owner` from taking `type` on [start, end) (F_GETLK), with its pid (-1 for description-owned). */
  firstConflict(inode: Inode, owner: RangeOwner, type: RangeType, start: number, end: number): (RangeLock<RangeOwner> & { pid: number }) | undefined {
    const l = fileLocksOf(inode);
    const found = l?.ranges.conflicts(owner, type, start, end)[0];
    if (!l || !found) return undefined;
    return { ...found, pid: isPosixOwner(found.owner) ? (l.posixPids.get(found.owner) ?? 0) : -1 };
  }

  /**
   * fcntl(2) EDEADLK: would `requester` waiting for `conflicts` close a cycle of POSIX lock
   * owners, each blocked in F_SETLKW (or lockf F_LOCK) on a lock the next one holds? Returns the
   * pids along the cycle. Like Linux, only process-owned locks take part (OFD and flock waits are
   * not followed); unlike Linux, every blocker is followed, not only the first, with no depth limit.
   */
  #deadlockCycle(requester: FdTable, locks: FileLocks, conflicts: RangeLock<RangeOwner>[]): number[] | null {
    const seen = new Set<FdTable>();
    const walk = (owner: FdTable, path: number[]): number[] | null => {
      if (owner === requester) return path;
      if (seen.has(owner)) return null;
      seen.add(owner);
      for (const w of this.#rangeWaitsOf(owner)) {
        const l = fileLocksOf(w.inode);
        for (const b of l?.ranges.conflicts(w.owner, w.type, w.start, w.end) ?? []) {
          if (!isPosixOwner(b.owner)) continue;
          const found = walk(b.owner, [...path, l!.posixPids.get(b.owner) ?? 0]);
          if (found) return found;
        }
      }
      return null;
    };
    for (const c of conflicts) {
      if (!isPosixOwner(c.owner)) continue;
      const found = walk(c.owner, [locks.posixPids.get(c.owner) ?? 0]);
      if (found) return found;
    }
    return null;
  }

  /** The F_SETLKW waits on behalf of POSIX owner `table` that are blocked right now. */
  #rangeWaitsOf(table: FdTable): RangeWait[] {
    const out: RangeWait[] = [];
    for (const p of this.kernel.procs.values()) {
      if (p.fds !== table) continue;
      for (const th of p.threads.values()) {
        const w = th.state === 'blocked' ? (th.pending?.state[WAIT_KEY] as RangeWait | undefined) : undefined;
        if (w && w.owner === table) out.push(w);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ release paths

  /**
   * Descriptor table `table` closed one of its fds for `inode` (the description may live on
   * elsewhere): all of that process's POSIX locks on the file are gone. fcntl(2): "If a process
   * closes any file descriptor referring to a file, then all of the process's locks on that
   * file are released, regardless of the file descriptor(s) on which the locks were obtained."
   */
  fdClosed(table: FdTable, inode: Inode): void {
    const l = fileLocksOf(inode);
    if (!l) return;
    const pid = l.posixPids.get(table);
    this.#releaseOwner(inode, table, `pid ${pid ?? '?'} closed an fd for the file`);
  }

  /** The last fd of `file` closed: its flock lock and OFD locks go (flock(2), fcntl(2)). */
  fileReleased(file: OpenFile, inode: Inode): void {
    const l = fileLocksOf(inode);
    if (!l) return;
    const hadFlock = l.flock.release(file);
    const hadRange = l.ranges.releaseOwner(file);
    if (hadFlock || hadRange) {
      const kinds = [hadFlock ? 'flock lock' : '', hadRange ? 'OFD locks' : ''].filter(Boolean).join(' and ');
      this.#note(`${kinds} on ${l.label} released: the last fd of its open file description closed`);
      this.kernel.scheduler.changed();
    }
    this.#tidy(inode);
  }

  #releaseOwner(inode: Inode, table: FdTable, why: string): void {
    const l = fileLocksOf(inode);
    if (!l) return;
    if (l.ranges.releaseOwner(table)) {
      this.#note(`POSIX locks on ${l.label} released: ${why}`);
      this.kernel.scheduler.changed();
    }
    l.posixPids.delete(table);
    this.#tidy(inode);
  }

  // ------------------------------------------------------------------ inspection (visualisers, tests)

  /** Every lock held right now, for a lock timeline or a test. */
  snapshot(): LockInfo[] {
    const out: LockInfo[] = [];
    for (const inode of this.#locked) {
      const l = fileLocksOf(inode);
      if (!l) continue;
      const id = { file: l.label, dev: inode.dev, ino: inode.ino };
      for (const [owner, mode] of l.flock.holders()) {
        out.push({ ...id, kind: 'flock', mode, start: 0, end: Infinity, pids: this.#pidsOf(l, [owner]), description: owner.id });
      }
      for (const r of l.ranges.all()) {
        const mode = r.type === 'write' ? 'exclusive' : 'shared';
        if (isPosixOwner(r.owner)) out.push({ ...id, kind: 'posix', mode, start: r.start, end: r.end, pids: this.#pidsOf(l, [r.owner]) });
        else out.push({ ...id, kind: 'ofd', mode, start: r.start, end: r.end, pids: this.#pidsOf(l, [r.owner]), description: r.owner.id });
      }
    }
    return out;
  }

  /** pids behind owners: the process that placed a POSIX lock, or every live process with an fd for a description. */
  #pidsOf(l: FileLocks, owners: readonly RangeOwner[]): number[] {
    const pids = new Set<number>();
    for (const o of owners) {
      if (isPosixOwner(o)) {
        const pid = l.posixPids.get(o);
        if (pid !== undefined) pids.add(pid);
        continue;
      }
      for (const p of this.kernel.procs.values()) {
        if (p.alive && p.fds.entries().some(([, e]) => e.file === o)) pids.add(p.pid);
      }
    }
    return [...pids].sort((a, b) => a - b);
  }

  /** A line on the trace timeline, attributed to the thread whose call caused it. */
  #note(text: string): void {
    const pid = this.kernel.scheduler.current?.proc.pid ?? 0;
    this.kernel.trace.event(this.kernel.clock.nowMs, pid, 'note', { text });
  }
}

/** Every lock held right now in the machine `kernel` (for visualisers and tests: `heldLocks(sim.kernel)`). */
export function heldLocks(kernel: Kernel): LockInfo[] {
  return (kernel.ext.locks as Locks | undefined)?.snapshot() ?? [];
}

/** One held lock, as `heldLocks` reports it. */
export interface LockInfo {
  /** The path the file was first locked through. */
  file: string;
  dev: number;
  ino: number;
  /** flock; POSIX record lock (owned by a process); OFD lock or NFS-emulated flock (owned by a description). */
  kind: 'flock' | 'posix' | 'ofd';
  mode: 'shared' | 'exclusive';
  start: number;
  /** Exclusive end; Infinity for "to end of file". */
  end: number;
  /** Processes holding it (the owner, or every process with an fd for the owning description). */
  pids: number[];
  /** The owning open file description's id, for description-owned locks. */
  description?: number;
}

function flockName(mode: FlockMode): string {
  return mode === 'exclusive' ? 'LOCK_EX' : 'LOCK_SH';
}

function heldByText(pids: number[], caller: number): string {
  if (pids.length === 0) return '';
  return `, held by ${pids.map((p) => (p === caller ? `pid ${p} (the caller itself, through another open())` : `pid ${p}`)).join(', ')}`;
}

function describeRange(l: RangeLock<RangeOwner>): string {
  const span = l.end === Infinity ? `bytes ${l.start}..EOF` : `bytes ${l.start}..${l.end - 1}`;
  return `${span} (${l.type === 'write' ? 'F_WRLCK' : 'F_RDLCK'})`;
}

// The file layer calls these on open(O_EXLOCK), the last close of a description, and every fd close.
registerFileLockHooks({
  lockOnOpen(call, file, exclusive, nonblock) {
    return Locks.of(call.kernel).lockOnOpen(call, file, exclusive, nonblock) === 0 ? undefined : BLOCKED;
  },
  released(file, inode) {
    fileLocksOf(inode)?.manager.fileReleased(file, inode);
  },
  closed(_file, inode, owner) {
    fileLocksOf(inode)?.manager.fdClosed(owner, inode);
  },
});
