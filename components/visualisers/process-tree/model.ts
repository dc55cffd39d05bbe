/**
 * From a simos trace to the life of each process: when it was created and by whom, its groups,
 * sessions and programs over time, when it became a zombie or an orphan, when it was reaped, and
 * every signal that reached it. Pure data, no DOM: the SVG and the text alternative both read it,
 * and any module's trace can be fed in (every simos run has processes).
 */
import type { TraceRecord } from '../../../sandboxes/protocol.ts';

/** A position on the timeline: the record's sequence number, and its virtual time. */
export interface Moment {
  seq: number;
  timeMs: number;
}

export interface Change<T> extends Moment {
  value: T;
}

export interface ProcessLife {
  pid: number;
  /** Programs it ran: the one it started with, then one per execve. */
  programs: Change<string>[];
  parents: Change<number>[];
  pgids: Change<number>[];
  sids: Change<number>[];
  created: Moment;
  /** Became a zombie (exited or killed); `status` is the text "exited 0", "killed by SIGKILL". */
  exited?: Moment & { status: string };
  reaped?: Moment & { by: number };
  /** Moments it was orphaned: reparented from its dead parent to `to`. */
  orphaned: (Moment & { from: number; to: number })[];
  /** Threads other than the main one. */
  threads: (Moment & { tid: number })[];
  /** Threw an uncaught error. */
  crashes: (Moment & { message: string })[];
}

export interface SignalArrow extends Moment {
  sig: number;
  name: string;
  /** Sender pid, or 0 when the kernel sent it (SIGCHLD, PDEATHSIG, pipes...). */
  from: number;
  to: number;
  reason?: string;
  /** What the receiver did with it, when the trace says: terminated, stopped, handler ... */
  outcome?: string;
}

export interface Timeline {
  processes: ProcessLife[];
  signals: SignalArrow[];
  /** First and last sequence numbers and virtual times seen. */
  start: Moment;
  end: Moment;
  /** The run used the Win32 personality (CreateProcess): no reparenting vocabulary. */
  win32: boolean;
}

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2',
  13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP', 20: 'SIGTSTP',
};

export function signalName(sig: number): string {
  return SIGNAL_NAMES[sig] ?? `signal ${sig}`;
}

function statusText(status: number): string {
  const low = status & 0x7f;
  if (low === 0) return `exited ${(status >> 8) & 0xff}`;
  if (low !== 0x7f) return `killed by ${signalName(low)}`;
  return `status ${status}`;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/** Build the timeline. Records that are not simos process events are ignored. */
export function buildTimeline(records: readonly TraceRecord[]): Timeline {
  const byPid = new Map<number, ProcessLife>();
  const signals: SignalArrow[] = [];
  let start: Moment | undefined;
  let end: Moment = { seq: 0, timeMs: 0 };
  let win32 = false;

  for (const r of records) {
    if (r.kind !== 'syscall' && r.kind !== 'event') continue; // other views' records (disk snapshots)
    const at: Moment = { seq: num(r.seq), timeMs: num(r.timeMs) };
    start ??= at;
    end = at;
    if (r.kind === 'syscall' && r.call === 'CreateProcess') win32 = true;
    if (r.kind !== 'event') continue;
    const pid = num(r.pid);
    const d = (r.detail ?? {}) as Record<string, unknown>;
    const life = byPid.get(pid);
    switch (r.event) {
      case 'spawn': {
        // A pid can be reused after its process was reaped: the new process gets its own row.
        const fresh: ProcessLife = {
          pid,
          programs: [{ ...at, value: String(d.program ?? '?') }],
          parents: [{ ...at, value: num(d.ppid) }],
          pgids: [{ ...at, value: num(d.pgid) }],
          sids: [{ ...at, value: num(d.sid) }],
          created: at,
          orphaned: [],
          threads: [],
          crashes: [],
        };
        if (life) byPid.set(-fresh.created.seq - 1, life); // keep the earlier one under a private key
        byPid.set(pid, fresh);
        break;
      }
      case 'exec':
        life?.programs.push({ ...at, value: String(d.program ?? '?') });
        break;
      case 'setpgid':
        life?.pgids.push({ ...at, value: num(d.pgid) });
        break;
      case 'setsid':
        life?.sids.push({ ...at, value: num(d.sid) });
        life?.pgids.push({ ...at, value: num(d.sid) });
        break;
      case 'exit':
        if (life) life.exited = { ...at, status: statusText(num(d.status)) };
        break;
      case 'reap':
        if (life) life.reaped = { ...at, by: num(d.by) };
        break;
      case 'reparent':
        if (life) {
          life.orphaned.push({ ...at, from: num(d.from), to: num(d.to) });
          life.parents.push({ ...at, value: num(d.to) });
        }
        break;
      case 'thread':
        life?.threads.push({ ...at, tid: num(d.tid) });
        break;
      case 'crash':
        life?.crashes.push({ ...at, message: String(d.message ?? '') });
        break;
      case 'signal':
        signals.push({
          ...at,
          sig: num(d.sig),
          name: signalName(num(d.sig)),
          from: num(d.from),
          to: pid,
          ...(d.reason ? { reason: String(d.reason) } : {}),
        });
        break;
      case 'deliver': {
        const last = [...signals].reverse().find((s) => s.to === pid && s.sig === num(d.sig) && !s.outcome);
        if (last) last.outcome = String(d.action ?? '');
        break;
      }
    }
  }
  const processes = [...byPid.values()].sort((a, b) => a.created.seq - b.created.seq);
  return { processes, signals, start: start ?? end, end, win32 };
}

/** The value of a changing attribute at `seq`. */
export function valueAt<T>(changes: readonly Change<T>[], seq: number): T {
  let v = changes[0]!.value;
  for (const c of changes) if (c.seq <= seq) v = c.value;
  return v;
}

/**
 * Processes in tree order (each after its original parent, children by creation), with depth, so
 * the drawing reads like `ps --forest`.
 */
export function treeOrder(timeline: Timeline): { life: ProcessLife; depth: number }[] {
  const lives = timeline.processes;
  const known = new Set(lives);
  const childrenOf = new Map<ProcessLife | null, ProcessLife[]>();
  for (const life of lives) {
    const ppid = life.parents[0]!.value;
    // The parent is the latest process with that pid created before this one.
    const parent = [...lives].reverse().find((p) => p.pid === ppid && p.created.seq <= life.created.seq && p !== life) ?? null;
    const key = parent && known.has(parent) ? parent : null;
    if (!childrenOf.has(key)) childrenOf.set(key, []);
    childrenOf.get(key)!.push(life);
  }
  const out: { life: ProcessLife; depth: number }[] = [];
  const visit = (life: ProcessLife, depth: number) => {
    out.push({ life, depth });
    for (const c of childrenOf.get(life) ?? []) visit(c, depth + 1);
  };
  for (const root of childrenOf.get(null) ?? []) visit(root, 0);
  return out;
}
