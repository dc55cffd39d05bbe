/**
 * The record of a run: every completed system call and every kernel event that a visualiser or
 * a failure message needs (exits, signals, reparenting), as structured data and as strace-like text.
 */
import { signalName } from './signals.ts';
import { WEXITSTATUS, WIFEXITED, WIFSIGNALED, WTERMSIG } from './wait-status.ts';

export interface SyscallRecord {
  kind: 'syscall';
  seq: number;
  timeMs: number;
  pid: number;
  tid: number;
  call: string;
  args: unknown[];
  /** The return value, or undefined when the call failed. */
  result?: unknown;
  /** The errno name when the call failed. */
  errno?: string;
  /** The call blocked at least once before completing. */
  blocked?: boolean;
}

export type KernelEventName =
  | 'spawn' // a process was created: detail.ppid, detail.program, detail.pgid, detail.sid
  | 'exec' // detail.program, detail.argv
  | 'exit' // the process became a zombie: detail.status
  | 'reap' // its parent collected it: detail.by
  | 'reparent' // orphaned: detail.from, detail.to
  | 'signal' // sent: detail.sig, detail.from (pid or 0 for the kernel), detail.reason
  | 'deliver' // handled or acted on: detail.sig, detail.action
  | 'setpgid' // detail.pgid
  | 'setsid' // detail.sid
  | 'thread' // a thread started: detail.tid
  | 'crash' // the program threw: detail.message
  | 'note'; // anything else a subsystem wants on the timeline: detail.text

export interface EventRecord {
  kind: 'event';
  seq: number;
  timeMs: number;
  pid: number;
  event: KernelEventName;
  detail: Record<string, unknown>;
}

/**
 * A file's bytes inside a DiskSnapshotRecord: the first `size` bytes of `blobs[blob]` (base64).
 * Contents that are a prefix of one another share a blob. When the blob is shorter than `size`,
 * or `blob` is absent while `size > 0`, the report carried only that much (its byte budget).
 */
export interface DiskBytes {
  size: number;
  blob?: number;
}

/** One name under the reported directory, as the page cache and the disk each hold it. */
export interface DiskFileSnapshot {
  /** Path relative to DiskSnapshotRecord.dir (`Logfile.3`, `old/Snapshot.2`). */
  name: string;
  /** Regular files leave it out. */
  type?: 'dir' | 'symlink';
  /** What processes read now (the page cache); absent when the name exists only on the disk. */
  cache?: DiskBytes;
  /** What a power cut that lost every unsynced operation would leave; absent when not on the disk. */
  durable?: DiskBytes;
  /** Byte ranges [start, end) where the cache differs from the disk (unsynced data), merged, at most 32. */
  dirty?: [number, number][];
}

/** A name under the reported directory in one crash image: a regular file's bytes, or its type. */
export interface DiskCrashFile extends DiskBytes {
  name: string;
  type?: 'dir' | 'symlink';
}

/** A moment of a recorded run at which the power could fail, and what a reboot would find. */
export interface DiskCrashPoint {
  /** Disk operations issued before the cut (0: before the first one). */
  op: number;
  /** The last of them in words (`fdatasync /data/db/Logfile.3`), or `before any disk operation`. */
  what: string;
  timeMs: number;
  pid: number;
  /** That operation was a sync barrier (fsync/fdatasync, or a failed one). */
  barrier: boolean;
  /** What certainly survives a cut here: everything synced, nothing pending. */
  files: DiskCrashFile[];
  /**
   * Crash states (whole-machine disks) the enumerator yields with a `point` after the previous
   * point kept in the report, up to and including this one: the disks that become possible there.
   */
  possible: number;
  /** A few of those that differ from `files` (what was lost or torn, in the enumerator's words). */
  examples: { op: number; description: string; files: DiskCrashFile[] }[];
}

/**
 * The files of one directory at the end of a run, page cache versus disk, and — when the run's
 * disk operations were recorded — a sample of the points where a power cut could fall. Sent by
 * `reportDisk` (simos/testing) for the disk view; never part of a kernel trace. JSON-safe.
 */
export interface DiskSnapshotRecord {
  kind: 'disk';
  /** Where in the run's trace the snapshot was taken, and its virtual time. */
  seq: number;
  timeMs: number;
  /** Always 0: the test took it, not a process. */
  pid: number;
  dir: string;
  files: DiskFileSnapshot[];
  /** Base64 contents referenced by DiskBytes.blob. */
  blobs: string[];
  /** Disk operations the run issued, when recorded. */
  ops?: number;
  crashPoints?: DiskCrashPoint[];
  /** Distinct crash disks counted, and false when the count stopped at its limit (DiskReportOptions.maxStates). */
  crashStates?: { distinct: number; complete: boolean };
  /** What the snapshot left out, in words (contents cut short, points sampled). */
  notes: string[];
  /** Set when the snapshot could not be taken; the rest may be empty. */
  error?: string;
}

export type TraceRecord = SyscallRecord | EventRecord | DiskSnapshotRecord;

export class Trace {
  readonly records: TraceRecord[] = [];
  #seq = 0;
  /** Recording can be switched off for benchmarks; the scheduler never depends on it. */
  enabled = true;

  syscall(r: Omit<SyscallRecord, 'kind' | 'seq'>): void {
    if (this.enabled) this.records.push({ kind: 'syscall', seq: this.#seq++, ...r });
  }

  event(timeMs: number, pid: number, event: KernelEventName, detail: Record<string, unknown> = {}): void {
    if (this.enabled) this.records.push({ kind: 'event', seq: this.#seq++, timeMs, pid, event, detail });
  }

  /** strace-like text of the last `last` records (all when omitted). */
  text(opts: { last?: number; pids?: number[] } = {}): string {
    let rs = this.records;
    if (opts.pids) rs = rs.filter((r) => opts.pids!.includes(r.pid));
    if (opts.last !== undefined && rs.length > opts.last) rs = rs.slice(rs.length - opts.last);
    return rs.map(formatRecord).join('\n');
  }
}

export function formatStatus(status: number): string {
  if (WIFEXITED(status)) return `exited ${WEXITSTATUS(status)}`;
  if (WIFSIGNALED(status)) return `killed by ${signalName(WTERMSIG(status))}`;
  return `status 0x${status.toString(16)}`;
}

function formatValue(v: unknown): string {
  if (v instanceof Uint8Array) {
    const shown = Array.from(v.slice(0, 24), (b) => (b >= 32 && b < 127 && b !== 34 && b !== 92 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    return `"${shown}"${v.length > 24 ? `... (${v.length} bytes)` : ''}`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return '<fn>';
  if (v === undefined) return '?';
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')}}`;
  }
  return String(v);
}

const sig = (v: unknown) => (typeof v === 'number' && v > 0 ? signalName(v) : formatValue(v));
const waitOptions = (v: unknown) => {
  if (typeof v !== 'number' || v === 0) return formatValue(v);
  const names = [[1, 'WNOHANG'], [2, 'WUNTRACED'], [8, 'WCONTINUED']] as const;
  const known = names.filter(([bit]) => v & bit).map(([, n]) => n);
  return known.length ? known.join('|') : formatValue(v);
};

/** Open flags as strace prints them: `O_RDWR|O_CREAT|O_TRUNC` (Linux values; O_SHLOCK/O_EXLOCK are macOS's). */
const OPEN_FLAGS: [number, string][] = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'], [0o4000, 'O_NONBLOCK'],
  [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o2000000, 'O_CLOEXEC'], [0x10, 'O_SHLOCK'], [0x20, 'O_EXLOCK'],
];
const openFlags = (v: unknown) => {
  if (typeof v !== 'number') return formatValue(v);
  const mode = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][v & 3]!;
  let rest = v & ~3;
  const names = [mode];
  for (const [bit, name] of OPEN_FLAGS) if (rest & bit) (names.push(name), (rest &= ~bit));
  if (rest) names.push(`0${rest.toString(8)}`);
  return names.join('|');
};
const whence = (v: unknown) => (['SEEK_SET', 'SEEK_CUR', 'SEEK_END'][v as number] ?? formatValue(v));

/** Arguments that read better by name than by number, per call (strace does the same). */
const ARG_FORMATS: Record<string, ((v: unknown) => string)[]> = {
  kill: [formatValue, sig],
  sigaction: [sig],
  waitpid: [formatValue, waitOptions],
  pidfd_send_signal: [formatValue, sig],
  open: [formatValue, openFlags],
  lseek: [formatValue, formatValue, whence],
};

const PRCTL_OPTIONS: Record<number, string> = { 1: 'PR_SET_PDEATHSIG', 2: 'PR_GET_PDEATHSIG', 36: 'PR_SET_CHILD_SUBREAPER', 37: 'PR_GET_CHILD_SUBREAPER' };

/** Calls whose arguments read differently depending on each other. */
const ARGS_FORMATS: Record<string, (args: unknown[]) => string[]> = {
  prctl: ([option, arg]) => [
    PRCTL_OPTIONS[option as number] ?? formatValue(option),
    option === 1 ? sig(arg) : formatValue(arg),
  ],
};

export function formatRecord(r: TraceRecord): string {
  const when = `${String(r.timeMs).padStart(5)}ms`;
  if (r.kind === 'disk') return `${when} === disk snapshot of ${r.dir}: ${r.files.length} name(s)${r.crashPoints ? `, ${r.crashPoints.length} crash point(s)` : ''}`;
  if (r.kind === 'syscall') {
    const who = r.tid === r.pid ? `[pid ${r.pid}]` : `[pid ${r.pid}/${r.tid}]`;
    const res = r.errno ? `-1 ${r.errno}` : formatValue(r.result);
    const fmt = ARG_FORMATS[r.call] ?? [];
    const whole = ARGS_FORMATS[r.call];
    const args = (whole ? whole(r.args) : r.args.map((a, i) => (fmt[i] ?? formatValue)(a))).join(', ');
    return `${when} ${who} ${r.call}(${args}) = ${res}${r.blocked ? ' <blocked>' : ''}`;
  }
  const d = r.detail;
  const text: Record<KernelEventName, () => string> = {
    spawn: () => `+++ pid ${r.pid} created by ${d.ppid} (${d.program}) pgid=${d.pgid} sid=${d.sid}`,
    exec: () => `+++ pid ${r.pid} execve ${d.program}`,
    exit: () => `+++ pid ${r.pid} ${formatStatus(d.status as number)} (zombie until reaped)`,
    reap: () => `+++ pid ${r.pid} reaped by ${d.by}`,
    reparent: () => `+++ pid ${r.pid} orphaned: parent ${d.from} -> ${d.to}`,
    signal: () => `--- ${signalName(d.sig as number)} to pid ${r.pid} from ${d.from === 0 ? 'kernel' : `pid ${d.from}`}${d.reason ? ` (${d.reason})` : ''}`,
    deliver: () => `--- pid ${r.pid} ${signalName(d.sig as number)}: ${d.action}`,
    setpgid: () => `+++ pid ${r.pid} now in group ${d.pgid}`,
    setsid: () => `+++ pid ${r.pid} leads new session ${d.sid}`,
    thread: () => `+++ pid ${r.pid} thread ${d.tid} started`,
    crash: () => `!!! pid ${r.pid} threw: ${d.message}`,
    note: () => `    pid ${r.pid}: ${d.text}`,
  };
  return `${when} ${text[r.event]()}`;
}

/**
 * A copy of `records` that survives structured cloning (postMessage from the sandbox worker):
 * system call arguments can be functions (fork, sigaction, thread), which become "<fn>".
 */
export function cloneableRecords(records: readonly TraceRecord[]): TraceRecord[] {
  return records.map((r): TraceRecord => {
    if (r.kind === 'syscall') return { ...r, args: r.args.map(cloneableValue), ...('result' in r ? { result: cloneableValue(r.result) } : {}) };
    if (r.kind === 'event') return { ...r, detail: cloneableValue(r.detail) as Record<string, unknown> };
    return r; // disk snapshots are plain data already
  });
}

function cloneableValue(v: unknown): unknown {
  if (typeof v === 'function') return '<fn>';
  if (typeof v === 'symbol') return String(v);
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v)) return v.map(cloneableValue);
  if (v && typeof v === 'object') {
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneableValue(x);
    return out;
  }
  return v;
}
