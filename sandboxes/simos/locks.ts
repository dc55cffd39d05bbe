/**
 * File locks of the whole machine (`kernel.ext.locks`): flock(2) locks, POSIX record locks and
 * open file description (OFD) locks, per file, with the rules that decide who owns a lock, when
 * it goes away, who waits for whom, and when waiting would deadlock.
 *
 * Owners, as in Linux (fcntl(2) "Advisory record locking" and "Open file description locks",
 * flock(2)):
 *   - flock lock: the open file description (OpenFile). dup/fork share it; a second open() does not.
 *   - POSIX record lock: the process. Closing *any* of its fds for the file drops all of them;
 *     fork does not inherit them; execve keeps them.
 *   - OFD lock: the open file description; dropped on its last close.
 * flock locks live in their own table and never meet fcntl locks on a local filesystem. On an
 * NFS-kind filesystem flock is emulated as a whole-file fcntl lock owned by the description
 * (flock(2) NOTES, Linux >= 2.6.12), so it goes into the byte-range table and conflicts with
 * fcntl locks.
 *
 * An attempt that blocks leaves no trace, with one deliberate exception: a flock conversion
 * drops the old lock and then yields (a zero-length wait), so a waiting process may take the
 * lock before the retry requests the new mode.
 */
import type { Call } from './call.ts';
import type { OpenFile } from './file.ts';
import { FlockTable, type FlockMode } from './flock.ts';
import type { Kernel } from './kernel.ts';
import { Process } from './proc.ts';
import { RangeLockTable, type RangeLock, type RangeType } from './record-lock.ts';

/** What the lock code needs to know about the object behind an open file description. */
export interface LockTarget {
  /** The file's identity (the inode): locks of every description of one file meet here. */
  key: object;
  /** For reports: the path it was opened by, or a label like `pipe:[3]`. */
  label: string;
  /** flock is emulated with whole-file fcntl locks (an NFS mount without `local_lock`). */
  flockIsRecordLock: boolean;
  /** The filesystem has no locking at all: O_EXLOCK/O_SHLOCK fail with EOPNOTSUPP. */
  noLocking: boolean;
  /** Current size in bytes, for l_whence = SEEK_END. */
  size(): number;
}

/** Who owns a byte-range lock: a process (POSIX) or an open file description (OFD, NFS flock). */
export type RangeOwner = Process | OpenFile;

/** Both lock tables of one file. */
interface FileLocks {
  label: string;
  flock: FlockTable<OpenFile>;
  ranges: RangeLockTable<RangeOwner>;
}

/** What a blocked F_SETLKW waits for, kept in `call.state` so the deadlock check can follow it. */
interface RangeWait {
  key: object;
  owner: RangeOwner;
  type: RangeType;
  start: number;
  end: number;
}

const WAIT_KEY = 'locks.rangeWait';

/** How another module (the VFS) says what is behind a description; set once the VFS exists. */
export type LockTargetResolver = (file: OpenFile) => LockTarget | null;

export class Locks {
  readonly #files = new Map<object, FileLocks>();
  /** Resolvers tried in order; the fallback treats any description as a local, zero-size file. */
  static readonly resolvers: LockTargetResolver[] = [];

  constructor(private readonly kernel: Kernel) {
    // A process that dies closes its fds, which releases its POSIX locks through fdClosed; this
    // is the backstop for a process whose fds were closed by something that did not tell us.
    kernel.hooks.afterExit.push((p) => this.processGone(p));
  }

  /** The machine's lock state, created on first use. */
  static of(kernel: Kernel): Locks {
    return ((kernel.ext.locks as Locks | undefined) ??= new Locks(kernel));
  }

  /** The lock state if anything ever locked (close paths use this so they cost nothing otherwise). */
  static ifUsed(kernel: Kernel): Locks | undefined {
    return kernel.ext.locks as Locks | undefined;
  }

  target(file: OpenFile): LockTarget {
    for (const r of Locks.resolvers) {
      const t = r(file);
      if (t) return t;
    }
    return {
      key: (file.target as object | null) ?? file.ops,
      label: file.describe(),
      flockIsRecordLock: false,
      noLocking: false,
      size: () => 0,
    };
  }

  #locksOf(t: LockTarget): FileLocks {
    let l = this.#files.get(t.key);
    if (!l) this.#files.set(t.key, (l = { label: t.label, flock: new FlockTable(), ranges: new RangeLockTable() }));
    return l;
  }

  #tidy(key: object): void {
    const l = this.#files.get(key);
    if (l && l.flock.empty && l.ranges.empty) this.#files.delete(key);
  }

  // ------------------------------------------------------------------ flock(2)

  /**
   * flock(2) on `file`. Returns 0 when done, `call.block(...)` to wait (the handler is re-run),
   * or throws EWOULDBLOCK (EAGAIN) under LOCK_NB.
   */
  flock(call: Call, file: OpenFile, mode: FlockMode | 'unlock', nonblock: boolean): 0 | symbol {
    const t = this.target(file);
    if (t.flockIsRecordLock) return this.#flockAsRecordLock(call, file, t, mode, nonblock);
    const locks = this.#locksOf(t);
    if (mode === 'unlock') {
      if (locks.flock.release(file)) this.#note(call, `flock LOCK_UN on ${t.label}: released`);
      this.#tidy(t.key);
      return 0;
    }
    const held = locks.flock.modeOf(file);
    if (held === mode) return 0;
    if (held) {
      // flock(2): "Converting a lock ... is not guaranteed to be atomic: the existing lock is
      // first removed, and then a new lock is established." The removal wakes the waiters, and
      // the new request is a separate attempt at a later scheduling point, so a waiter may win.
      locks.flock.release(file);
      this.#note(call, `flock ${flockName(mode)} on ${t.label}: dropped the ${held} lock to convert it`);
      this.kernel.scheduler.changed();
      return call.block({ reason: `flock(${t.label}, ${flockName(mode)}): converting, the old lock is already gone`, untilMs: call.nowMs });
    }
    return this.#flockAcquire(call, file, t, locks, mode, nonblock);
  }

  /**
   * O_EXLOCK / O_SHLOCK: take a flock-semantics lock for a description that open(2) is creating.
   * The caller (open) already resolved the path; it must keep `file` in its call.state and call
   * this again on every retry, installing the fd only once this returns 0.
   */
  lockOnOpen(call: Call, file: OpenFile, exclusive: boolean, nonblock: boolean): 0 | symbol {
    const t = this.target(file);
    if (t.noLocking) call.fail('EOPNOTSUPP', `${t.label} is on a filesystem without locking support (O_EXLOCK/O_SHLOCK)`);
    const mode: FlockMode = exclusive ? 'exclusive' : 'shared';
    if (t.flockIsRecordLock) return this.#flockAsRecordLock(call, file, t, mode, nonblock);
    return this.#flockAcquire(call, file, t, this.#locksOf(t), mode, nonblock);
  }

  #flockAcquire(call: Call, file: OpenFile, t: LockTarget, locks: FileLocks, mode: FlockMode, nonblock: boolean): 0 | symbol {
    const conflicts = locks.flock.conflicts(file, mode);
    if (conflicts.length === 0) {
      locks.flock.grant(file, mode);
      this.#note(call, `flock ${flockName(mode)} on ${t.label}: granted`);
      return 0;
    }
    const pids = this.#pidsOf(conflicts);
    if (nonblock) {
      call.fail('EAGAIN', `EWOULDBLOCK: ${t.label} is locked (${flockName(locks.flock.modeOf(conflicts[0]!)!)}) through another open file description${heldByText(pids)}`);
    }
    return call.block({ reason: `flock(${t.label}, ${flockName(mode)})`, heldBy: pids });
  }

  /** NFS: flock becomes a whole-file byte-range lock owned by the description. */
  #flockAsRecordLock(call: Call, file: OpenFile, t: LockTarget, mode: FlockMode | 'unlock', nonblock: boolean): 0 | symbol {
    // The NFS client checks the description's access mode as for fcntl (nfs4_proc_lock): an
    // exclusive flock needs an fd open for writing (flock(2) NOTES), a shared one for reading.
    if (mode === 'exclusive' && !file.writable) {
      call.fail('EBADF', `on NFS, flock is emulated with a whole-file fcntl write lock, which needs an fd open for writing (${t.label} is open read-only)`);
    }
    if (mode === 'shared' && !file.readable) {
      call.fail('EBADF', `on NFS, flock is emulated with a whole-file fcntl read lock, which needs an fd open for reading`);
    }
    const type = mode === 'unlock' ? 'unlock' : mode === 'exclusive' ? 'write' : 'read';
    return this.setRange(call, t, file, type, 0, Infinity, nonblock ? 'nonblock' : 'wait', `flock(${t.label}, ${mode === 'unlock' ? 'LOCK_UN' : flockName(mode)}) [NFS: whole-file fcntl lock]`);
  }

  // ------------------------------------------------------------------ byte-range locks

  /**
   * Set `owner`'s lock on [start, end) of the file behind `file` to `type`. `how`: 'nonblock'
   * fails with EAGAIN on a conflict (F_SETLK), 'wait' blocks (F_SETLKW), checking for deadlock
   * when the owner is a process. `what` names the request in reports.
   */
  setRange(call: Call, t: LockTarget, owner: RangeOwner, type: RangeType | 'unlock', start: number, end: number, how: 'nonblock' | 'wait', what: string): 0 | symbol {
    const locks = this.#locksOf(t);
    if (type === 'unlock') {
      locks.ranges.set(owner, 'unlock', start, end);
      this.#tidy(t.key);
      return 0;
    }
    const conflicts = locks.ranges.conflicts(owner, type, start, end);
    if (conflicts.length === 0) {
      locks.ranges.set(owner, type, start, end);
      delete call.state[WAIT_KEY];
      this.#note(call, `${what}: granted`);
      return 0;
    }
    const pids = this.#pidsOf(conflicts.map((c) => c.owner));
    if (how === 'nonblock') {
      // fcntl(2): F_SETLK on a conflict fails with EACCES or EAGAIN; Linux uses EAGAIN.
      call.fail('EAGAIN', `${describeRange(conflicts[0]!)} is already locked${heldByText(pids)}`);
    }
    if (isProcess(owner) && this.#wouldDeadlock(owner, conflicts)) {
      call.fail('EDEADLK', `waiting would deadlock: ${this.#cycleText(owner, conflicts)}`);
    }
    const wait: RangeWait = { key: t.key, owner, type, start, end };
    call.state[WAIT_KEY] = wait;
    return call.block({ reason: what, heldBy: pids });
  }

  /** The first lock that would stop `owner` from taking `type` on [start, end), for F_GETLK. */
  firstConflict(t: LockTarget, owner: RangeOwner, type: RangeType, start: number, end: number): RangeLock<RangeOwner> | undefined {
    return this.#files.get(t.key)?.ranges.conflicts(owner, type, start, end)[0];
  }

  /**
   * fcntl(2) EDEADLK: would `requester` waiting for `conflicts` close a cycle of POSIX lock
   * owners, each blocked in F_SETLKW on a lock the next one holds? Like Linux, only process-owned
   * locks take part (OFD waits are not checked); unlike Linux, every blocker is followed, not
   * only the first one found, and there is no depth limit.
   */
  #wouldDeadlock(requester: Process, conflicts: RangeLock<RangeOwner>[]): boolean {
    return this.#cycle(requester, conflicts) !== null;
  }

  #cycle(requester: Process, conflicts: RangeLock<RangeOwner>[]): Process[] | null {
    const seen = new Set<Process>();
    const walk = (p: Process, path: Process[]): Process[] | null => {
      if (p === requester) return path;
      if (seen.has(p)) return null;
      seen.add(p);
      for (const w of this.#rangeWaitsOf(p)) {
        const blockers = this.#files.get(w.key)?.ranges.conflicts(w.owner, w.type, w.start, w.end) ?? [];
        for (const b of blockers) {
          if (!isProcess(b.owner)) continue;
          const found = walk(b.owner, [...path, b.owner]);
          if (found) return found;
        }
      }
      return null;
    };
    for (const c of conflicts) {
      if (!isProcess(c.owner)) continue;
      const found = walk(c.owner, [c.owner]);
      if (found) return found;
    }
    return null;
  }

  #cycleText(requester: Process, conflicts: RangeLock<RangeOwner>[]): string {
    const path = this.#cycle(requester, conflicts) ?? [];
    return [requester, ...path].map((p) => `pid ${p.pid}`).join(' waits for ');
  }

  /** The F_SETLKW waits, on behalf of process `p` as a POSIX owner, that are blocked right now. */
  #rangeWaitsOf(p: Process): RangeWait[] {
    const out: RangeWait[] = [];
    for (const th of p.threads.values()) {
      const w = th.state === 'blocked' ? (th.pending?.state[WAIT_KEY] as RangeWait | undefined) : undefined;
      if (w && w.owner === p) out.push(w);
    }
    return out;
  }

  // ------------------------------------------------------------------ release paths

  /**
   * Process `p` closed one of its fds for `file` (the description may live on elsewhere): all of
   * `p`'s POSIX locks on that file are gone (fcntl(2): "If a process closes any file descriptor
   * referring to a file, then all of the process's locks on that file are released").
   */
  fdClosed(p: Process, file: OpenFile): void {
    const t = this.target(file);
    const l = this.#files.get(t.key);
    if (l?.ranges.releaseOwner(p)) {
      this.#noteAt(p.pid, `POSIX locks of pid ${p.pid} on ${t.label} released: it closed an fd for the file`);
      this.kernel.scheduler.changed();
    }
    this.#tidy(t.key);
  }

  /** The last fd of `file` closed: its flock and OFD locks go (flock(2), fcntl(2)). */
  fileReleased(file: OpenFile, pid = 0): void {
    const t = this.target(file);
    const l = this.#files.get(t.key);
    if (!l) return;
    const hadFlock = l.flock.release(file);
    const hadRange = l.ranges.releaseOwner(file);
    if (hadFlock || hadRange) {
      this.#noteAt(pid, `${hadFlock ? 'flock' : 'OFD'} lock on ${t.label} released: the last fd of its open file description closed`);
      this.kernel.scheduler.changed();
    }
    this.#tidy(t.key);
  }

  /** A process exited: whatever POSIX locks it still holds go. */
  processGone(p: Process): void {
    for (const [key, l] of [...this.#files]) {
      if (l.ranges.releaseOwner(p)) this.kernel.scheduler.changed();
      this.#tidy(key);
    }
  }

  // ------------------------------------------------------------------ inspection (visualisers, tests)

  /** Every lock held right now, for a lock timeline or a test. */
  snapshot(): LockInfo[] {
    const out: LockInfo[] = [];
    for (const l of this.#files.values()) {
      for (const [owner, mode] of l.flock.holders()) out.push({ file: l.label, kind: 'flock', mode, start: 0, end: Infinity, pids: this.#pidsOf([owner]), description: owner.id });
      for (const r of l.ranges.all()) {
        const mode = r.type === 'write' ? 'exclusive' : 'shared';
        if (isProcess(r.owner)) out.push({ file: l.label, kind: 'posix', mode, start: r.start, end: r.end, pids: [r.owner.pid] });
        else out.push({ file: l.label, kind: 'ofd', mode, start: r.start, end: r.end, pids: this.#pidsOf([r.owner]), description: r.owner.id });
      }
    }
    return out;
  }

  /** pids that hold the given owners: a process itself, or every live process with an fd for a description. */
  #pidsOf(owners: readonly RangeOwner[]): number[] {
    const pids = new Set<number>();
    for (const o of owners) {
      if (isProcess(o)) {
        pids.add(o.pid);
        continue;
      }
      for (const p of this.kernel.procs.values()) {
        if (p.alive && p.fds.entries().some(([, e]) => e.file === o)) pids.add(p.pid);
      }
    }
    return [...pids].sort((a, b) => a - b);
  }

  #note(call: Call, text: string): void {
    this.#noteAt(call.proc.pid, text);
  }

  #noteAt(pid: number, text: string): void {
    this.kernel.trace.event(this.kernel.clock.nowMs, pid, 'note', { text });
  }
}

/** One held lock, as `Locks.snapshot()` reports it. */
export interface LockInfo {
  /** The path (or label) of the locked file. */
  file: string;
  /** flock; POSIX record lock (owned by a process); OFD lock, or flock emulated on NFS (owned by a description). */
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

export function isProcess(o: RangeOwner): o is Process {
  return o instanceof Process;
}

function flockName(mode: FlockMode): string {
  return mode === 'exclusive' ? 'LOCK_EX' : 'LOCK_SH';
}

function heldByText(pids: number[]): string {
  return pids.length ? `, held by pid ${pids.join(', ')}` : '';
}

function describeRange(l: RangeLock<RangeOwner>): string {
  const span = l.end === Infinity ? `bytes ${l.start}..EOF` : `bytes ${l.start}..${l.end - 1}`;
  return `${span} (${l.type === 'write' ? 'F_WRLCK' : 'F_RDLCK'})`;
}
