/**
 * Processes and threads (xv6's proc.h). A Process owns what threads share: pid, parentage,
 * process group and session, the fd table, signal dispositions. A Thread is what the scheduler
 * runs: one async JS function making one system call at a time.
 */
import type { Call } from './call.ts';
import type { FdTable } from './fdtable.ts';
import type { Sys } from './sys.ts';

/** What a program is: an async function of its syscall handle and argv; its result is the exit code. */
export type ProgramMain = (k: Sys, argv: string[]) => Promise<number | void> | number | void;

/**
 * A signal handler. It may be async and make system calls through `k`, the handle of the thread
 * it runs on (after fork the child inherits the handler, and then it runs in the child).
 */
export type SignalHandler = (signo: number, k: Sys) => void | Promise<void>;
export type Disposition = 'default' | 'ignore' | SignalHandler;

export interface SigAction {
  handler: Disposition;
  /** SA_RESTART: restart a blocking call instead of failing it with EINTR. */
  restart: boolean;
}

export type ProcState = 'alive' | 'zombie' | 'reaped';

export class Process {
  // --- identity and family: changed only by the kernel under fork/exit/setpgid/setsid ---
  parent: Process | null = null;
  /** The thread that created this process; PR_SET_PDEATHSIG fires when *it* exits. */
  creatorTid = 0;
  readonly children = new Set<Process>();
  pgid: number;
  sid: number;

  // --- life cycle ---
  state: ProcState = 'alive';
  /** Wait status (wait-status.ts) once a zombie. */
  status = 0;
  /** A stop/continue report waiting for waitpid(WUNTRACED / WCONTINUED). */
  pendingReport: number | null = null;
  stopped = false;
  /** Has called execve: setpgid(2) on it from the parent then fails with EACCES. */
  execed = false;
  program: string;
  argv: string[];
  exitedAtMs = -1;

  // --- threads and shared state ---
  readonly threads = new Map<number, Thread>();
  /** tids of this process's threads that have ended, for thread_join. */
  readonly endedThreads = new Set<number>();
  fds: FdTable;
  readonly sigactions = new Map<number, SigAction>();
  /** Process-directed pending signals, in arrival order (standard signals do not queue twice). */
  readonly sigPending: number[] = [];

  // --- prctl(2) ---
  pdeathsig = 0;
  childSubreaper = false;

  /** Per-subsystem state that other modules attach (cgroup, win32 job, namespaces). */
  readonly ext: Record<string, unknown> = {};

  constructor(
    readonly pid: number,
    opts: { pgid: number; sid: number; fds: FdTable; program: string; argv: string[] },
  ) {
    this.pgid = opts.pgid;
    this.sid = opts.sid;
    this.fds = opts.fds;
    this.program = opts.program;
    this.argv = opts.argv;
  }

  get alive(): boolean {
    return this.state === 'alive';
  }

  /** The thread group leader: the thread whose tid equals the pid, or any live one. */
  get mainThread(): Thread | undefined {
    return this.threads.get(this.pid) ?? this.threads.values().next().value;
  }

  disposition(sig: number): SigAction {
    return this.sigactions.get(sig) ?? { handler: 'default', restart: false };
  }
}

export type ThreadState = 'ready' | 'blocked' | 'exited';

export class Thread {
  state: ThreadState = 'ready';
  /** The call the thread is in; null only while its JS code runs or after it exited. */
  pending: Call | null = null;
  /** Calls interrupted by a signal handler that is running on this thread (innermost last). */
  readonly savedCalls: Call[] = [];
  /** Kernel generation at which this thread last blocked; it is worth retrying once it moves on. */
  blockedAtGeneration = 0;
  /** Signals blocked by sigprocmask. */
  readonly sigmask = new Set<number>();
  /** Thread-directed pending signals (tgkill). */
  readonly sigPending: number[] = [];

  constructor(
    readonly tid: number,
    readonly proc: Process,
    public sys: Sys,
  ) {}
}
