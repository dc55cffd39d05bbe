/**
 * The kernel: the process table and the life cycle of processes and threads (create, fork, exec,
 * exit, reparent, reap), signal sending and delivery, and the system call entry point.
 *
 * Design in one paragraph. Programs are async JS functions. A system call is an `await` on a
 * promise the kernel holds; only the scheduler settles those promises, one at a time, so exactly
 * one thread's JS runs between two scheduling points and every interleaving is a choice the
 * seeded scheduler made. Handlers for the calls live in sys-*.ts and are passed in as a table;
 * this file never names a specific call except the implicit ones (thread start and exit).
 */
import { BLOCKED, Call, NORETURN } from './call.ts';
import { Clock } from './clock.ts';
import { KernelPanic, SimulationError, SysError, panic } from './errno.ts';
import { FdTable } from './fdtable.ts';
import { OpenFile, O_RDWR, type FileOps } from './file.ts';
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import { Process, Thread, type ProgramMain, type SignalHandler } from './proc.ts';
import { Rng } from './rng.ts';
import { Scheduler } from './scheduler.ts';
import { SIGCHLD, SIGCONT, SIGKILL, SIGNALS, SIGSTOP, signalName } from './signals.ts';
import { Sys } from './sys.ts';
import { Trace } from './trace.ts';
import { CONTINUED_STATUS, exitedStatus, signaledStatus, stoppedStatus } from './wait-status.ts';

/** A system call handler: returns a value, throws SysError, or returns `call.block(...)`/NORETURN. */
export type Handler = (call: Call, ...args: any[]) => unknown;
export type SyscallTable = Record<string, Handler>;

/** Subsystems (cgroups, win32 jobs, pidfds) hook process life-cycle moments without the kernel naming them. */
export interface KernelHooks {
  /** Before a child exists; throw SysError (EAGAIN) to refuse the fork. */
  beforeFork: ((parent: Process) => void)[];
  /** After the child exists, to inherit subsystem state. */
  afterFork: ((parent: Process, child: Process) => void)[];
  /** The process became a zombie. */
  afterExit: ((p: Process) => void)[];
  /** The process was reaped and its pid freed. */
  afterReap: ((p: Process) => void)[];
}

export interface KernelOptions {
  seed: number;
  syscalls: SyscallTable;
  limits?: Partial<Limits>;
  /** Where the console (fds 0-2 of the first process) writes. */
  console?: (pid: number, stream: 'stdout' | 'stderr', text: string) => void;
}

export class Kernel {
  readonly clock = new Clock();
  readonly rng: Rng;
  readonly trace = new Trace();
  readonly limits: Limits;
  readonly scheduler: Scheduler;
  readonly syscalls: SyscallTable;
  readonly programs = new Map<string, ProgramMain>();
  readonly procs = new Map<number, Process>();
  readonly hooks: KernelHooks = { beforeFork: [], afterFork: [], afterExit: [], afterReap: [] };
  /** Subsystem singletons (vfs, cgroup tree, win32 objects) keyed by name. */
  readonly ext: Record<string, unknown> = {};
  /** Uncaught errors thrown by simulated programs, for failure messages. */
  readonly crashes: { pid: number; error: unknown }[] = [];
  readonly init: Process;
  #nextPid = 1;
  #console: NonNullable<KernelOptions['console']>;

  constructor(opts: KernelOptions) {
    this.rng = new Rng(opts.seed);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.syscalls = opts.syscalls;
    this.scheduler = new Scheduler(this, this.rng.fork('scheduler'));
    this.#console = opts.console ?? ((pid, stream, text) => (stream === 'stderr' ? console.error : console.log)(`[pid ${pid}] ${text}`));
    // pid 1 is the kernel's own init: it has no JS code, it only reaps whatever is reparented to it.
    this.init = new Process(this.#allocPid(), { pgid: 1, sid: 1, fds: this.newFdTable(), program: 'init', argv: ['init'] });
    this.procs.set(1, this.init);
  }

  // ---------------------------------------------------------------- system call entry

  /**
   * Called by Sys for every system call: park the thread on a promise and let the scheduler decide
   * when it runs. The promise settles when the handler completes; it never settles if the thread
   * dies first.
   */
  enter(thread: Thread, name: string, args: unknown[]): Promise<unknown> {
    if (thread.state === 'exited') return new Promise(() => {});
    const running = this.scheduler.current;
    if (running && running !== thread && running.state !== 'exited') {
      return Promise.reject(
        new Error(
          `pid ${running.proc.pid} called ${name}() through the system call handle of pid ${thread.proc.pid}` +
            (thread.tid !== thread.proc.pid ? ` (thread ${thread.tid})` : '') +
            `. Each process (and thread) must use the \`k\` its own function receives: inside fork(async (k) => ...), use that inner k; in a signal handler, the k passed as its second argument.`,
        ),
      );
    }
    if (thread.pending) {
      return Promise.reject(
        new Error(
          `pid ${thread.proc.pid} called ${name}() while its ${thread.pending.name}() had not returned yet. ` +
            `A thread makes one system call at a time: did you forget an await?`,
        ),
      );
    }
    const call = new Call(this, thread, name, args);
    const promise = new Promise<unknown>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    thread.pending = call;
    thread.state = 'ready';
    this.scheduler.yielded();
    return promise;
  }

  /** Run a pending call's handler once. Returns the value, BLOCKED or NORETURN; throws SysError on failure. */
  execute(call: Call): unknown {
    const handler = this.syscalls[call.name];
    if (!handler) throw new SysError('ENOSYS', call.name, `simos does not implement ${call.name}()`);
    if (call.interrupted) {
      call.interrupted = false;
      if (call.state.partialResult !== undefined) return call.state.partialResult;
      // Let the handler undo what it set up before blocking (an open file not yet in the fd table).
      (call.state.onInterrupt as (() => void) | undefined)?.();
      throw new SysError('EINTR', call.name, 'a signal handler ran while the call was waiting');
    }
    return handler(call, ...call.args);
  }

  // ---------------------------------------------------------------- processes

  /** Register a program so spawn/execve can start it by name (like a file in /bin). */
  registerProgram(name: string, main: ProgramMain): void {
    this.programs.set(name, main);
  }

  newFdTable(): FdTable {
    return new FdTable(this.limits.maxFds, (file) => file.ops.release?.(file));
  }

  /** The next free pid after the last one handed out, wrapping at pidMax to 2 (as Linux does, to 300). */
  #allocPid(): number {
    const max = this.limits.pidMax;
    for (let tries = 0; tries < max; tries++) {
      if (this.#nextPid >= max) this.#nextPid = this.procs.size === 0 ? 1 : 2;
      const pid = this.#nextPid++;
      if (!this.procs.has(pid) && !this.#tidInUse(pid)) return pid;
    }
    throw new SysError('EAGAIN', 'fork', `all ${max} pids are in use`);
  }

  #tidInUse(id: number): boolean {
    for (const p of this.procs.values()) if (p.threads.has(id)) return true;
    return false;
  }

  /** Processes that count against maxProcesses: everything not yet reaped. */
  get processCount(): number {
    return this.procs.size;
  }

  /** Start the first user process as a child of init, with a console on fds 0, 1 and 2. */
  spawnFirst(program: string, main: ProgramMain, argv: string[]): Process {
    const fds = this.newFdTable();
    const p = this.#newProcess(this.init, 0, { program, argv, fds, pgid: 0, sid: 0 });
    p.pgid = p.pid; // the first process leads its own group and session, like a login shell
    p.sid = p.pid;
    const out = new OpenFile(this.#consoleOps('stdout'), O_RDWR);
    const err = new OpenFile(this.#consoleOps('stderr'), O_RDWR);
    fds.install(0, out, false);
    fds.install(1, out, false);
    fds.install(2, err, false);
    this.trace.event(this.clock.nowMs, p.pid, 'spawn', { ppid: 1, program, pgid: p.pgid, sid: p.sid });
    this.#startThread(p, p.pid, (k) => main(k, argv));
    return p;
  }

  /**
   * fork(2): a copy of the calling process that runs `childMain` instead of continuing the caller's
   * code (JS cannot copy a continuation). Shares open file descriptions, inherits group, session,
   * signal dispositions and subsystem state; not pending signals, PDEATHSIG or the subreaper flag.
   */
  fork(call: Call, childMain: (k: Sys) => Promise<number | void> | number | void, program?: string): Process {
    const parent = call.proc;
    if (this.processCount >= this.limits.maxProcesses) {
      call.fail('EAGAIN', `the simulation allows at most ${this.limits.maxProcesses} processes (a fork bomb stops here)`);
    }
    for (const h of this.hooks.beforeFork) h(parent);
    const child = this.#newProcess(parent, call.thread.tid, {
      program: program ?? parent.program,
      argv: parent.argv,
      fds: parent.fds.clone(),
      pgid: parent.pgid,
      sid: parent.sid,
    });
    for (const [sig, act] of parent.sigactions) child.sigactions.set(sig, { ...act });
    for (const h of this.hooks.afterFork) h(parent, child);
    this.trace.event(this.clock.nowMs, child.pid, 'spawn', { ppid: parent.pid, program: child.program, pgid: child.pgid, sid: child.sid });
    this.#startThread(child, child.pid, (k) => childMain(k));
    return child;
  }

  /**
   * execve(2): replace the program of the calling process. Other threads end; handlers reset to
   * default (ignored signals stay ignored); close-on-exec fds close; the new main starts as a
   * fresh thread with the caller's tid. The old code's await never returns.
   */
  exec(call: Call, program: string, argv: string[]): typeof NORETURN {
    const main = this.programs.get(program);
    if (!main) call.fail('ENOENT', `no program named "${program}" is registered (sim.register(name, main) adds one)`);
    const p = call.proc;
    for (const t of [...p.threads.values()]) if (t !== call.thread) this.#threadGone(t);
    for (const [sig, act] of [...p.sigactions]) if (typeof act.handler === 'function') p.sigactions.delete(sig);
    p.fds.closeOnExec();
    p.execed = true;
    p.program = program;
    p.argv = argv;
    call.noReturn();
    this.trace.event(this.clock.nowMs, p.pid, 'exec', { program, argv });
    // The calling thread's JS continuation is abandoned; a new one starts in its place and, as on
    // Linux, takes the thread-group leader's tid. Exec is not a thread exit: no PDEATHSIG fires.
    const old = call.thread;
    old.pending = null;
    old.state = 'exited';
    p.threads.delete(old.tid);
    this.scheduler.removeThread(old);
    for (const child of p.children) if (child.creatorTid === old.tid) child.creatorTid = p.pid;
    this.#startThread(p, p.pid, (k) => main!(k, argv));
    return NORETURN;
  }

  /** A new thread in `p` running `fn`; it starts when the scheduler first picks it. */
  spawnThread(p: Process, fn: (k: Sys) => Promise<unknown> | unknown): Thread {
    if (this.processCount + this.#threadCount() >= this.limits.maxProcesses * 4) {
      throw new SysError('EAGAIN', 'clone', 'too many threads in the simulation');
    }
    const tid = this.#allocPid();
    // A tid occupies the pid space, as on Linux; keep a placeholder so the number is not reused.
    const t = this.#startThread(p, tid, fn);
    this.trace.event(this.clock.nowMs, p.pid, 'thread', { tid });
    return t;
  }

  #threadCount(): number {
    let n = 0;
    for (const p of this.procs.values()) n += p.threads.size;
    return n;
  }

  #newProcess(parent: Process, creatorTid: number, opts: { program: string; argv: string[]; fds: FdTable; pgid: number; sid: number }): Process {
    const p = new Process(this.#allocPid(), opts);
    p.parent = parent;
    p.creatorTid = creatorTid;
    parent.children.add(p);
    this.procs.set(p.pid, p);
    return p;
  }

  #startThread(p: Process, tid: number, fn: (k: Sys) => unknown): Thread {
    const t = new Thread(tid, p, undefined as unknown as Sys);
    t.sys = new Sys(this, t);
    p.threads.set(tid, t);
    const start = new Call(this, t, '<start>', []);
    start.resolve = () => {
      let result: unknown;
      try {
        result = fn(t.sys);
      } catch (e) {
        this.#threadThrew(t, e);
        return;
      }
      Promise.resolve(result).then(
        (v) => this.#threadReturned(t, v),
        (e) => this.#threadThrew(t, e),
      );
    };
    start.reject = () => {};
    t.pending = start;
    this.scheduler.addThread(t);
    return t;
  }

  #isMainThread(t: Thread): boolean {
    return t.tid === t.proc.pid;
  }

  #threadReturned(t: Thread, value: unknown): void {
    if (t.state === 'exited') return;
    if (this.#isMainThread(t)) {
      const code = typeof value === 'number' && Number.isInteger(value) ? value : 0;
      void t.sys.exit(code);
    } else {
      void this.enter(t, 'thread_exit', []);
    }
  }

  #threadThrew(t: Thread, error: unknown): void {
    if (t.state === 'exited') return;
    if (error instanceof KernelPanic || error instanceof SimulationError) {
      this.scheduler.abort(error);
      return;
    }
    this.crashes.push({ pid: t.proc.pid, error });
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.trace.event(this.clock.nowMs, t.proc.pid, 'crash', { message, tid: t.tid });
    this.#console(t.proc.pid, 'stderr', `uncaught ${message}`);
    // Like Node: an uncaught exception ends the whole process with exit code 1.
    t.pending = null;
    void t.sys.exit(1);
  }

  /** A thread ended (returned, or the process is going away). PDEATHSIG fires for children it created. */
  #threadGone(t: Thread): void {
    if (t.state === 'exited') return;
    t.state = 'exited';
    t.pending = null;
    t.savedCalls.length = 0;
    const p = t.proc;
    p.threads.delete(t.tid);
    p.endedThreads.add(t.tid);
    this.scheduler.removeThread(t);
    const heir = [...p.threads.values()].find((x) => x.state !== 'exited');
    for (const child of p.children) {
      if (child.creatorTid !== t.tid) continue;
      if (heir) child.creatorTid = heir.tid;
      if (child.pdeathsig && child.alive) {
        this.sendSignal(child, child.pdeathsig, 0, `parent thread ${t.tid} exited (PR_SET_PDEATHSIG)`);
      }
    }
  }

  /** End a thread that returned or called thread_exit; the last thread takes its process with it. */
  threadExit(t: Thread): void {
    const p = t.proc;
    if (p.threads.size === 1) {
      this.exitProcess(p, exitedStatus(0));
      return;
    }
    this.#threadGone(t);
  }

  /**
   * The process terminates with wait status `status`: threads end, fds close, children go to the
   * nearest subreaper or init, and the process becomes a zombie its parent is told about.
   */
  exitProcess(p: Process, status: number): void {
    if (!p.alive) return;
    for (const t of [...p.threads.values()]) this.#threadGone(t);
    p.fds.closeAll();
    p.state = 'zombie';
    p.status = status;
    p.stopped = false;
    p.exitedAtMs = this.clock.nowMs;
    this.trace.event(this.clock.nowMs, p.pid, 'exit', { status });
    this.#reparentChildren(p);
    for (const h of this.hooks.afterExit) h(p);
    const parent = p.parent!;
    if (parent === this.init || parent.disposition(SIGCHLD).handler === 'ignore') {
      // init reaps at once; a parent that set SIGCHLD to SIG_IGN gets no zombies (waitpid(2) NOTES).
      this.reap(p, parent.pid);
    } else {
      this.sendSignal(parent, SIGCHLD, 0, `child ${p.pid} exited`);
    }
    this.scheduler.changed();
  }

  /** The nearest living ancestor that is a child subreaper, else init (PR_SET_CHILD_SUBREAPER). */
  findReaper(p: Process): Process {
    for (let a = p.parent; a && a !== this.init; a = a.parent) {
      if (a.alive && a.childSubreaper) return a;
    }
    return this.init;
  }

  #reparentChildren(p: Process): void {
    if (p.children.size === 0) return;
    const reaper = this.findReaper(p);
    for (const child of [...p.children]) {
      p.children.delete(child);
      child.parent = reaper;
      child.creatorTid = reaper.mainThread?.tid ?? reaper.pid;
      reaper.children.add(child);
      this.trace.event(this.clock.nowMs, child.pid, 'reparent', { from: p.pid, to: reaper.pid });
      if (child.state === 'zombie') {
        if (reaper === this.init) this.reap(child, 1);
        else this.sendSignal(reaper, SIGCHLD, 0, `orphan ${child.pid} exited`);
      }
    }
  }

  /** Collect a zombie: its pid becomes free. */
  reap(p: Process, by: number): void {
    if (p.state !== 'zombie') panic(`reap of pid ${p.pid} in state ${p.state}`);
    p.state = 'reaped';
    p.parent?.children.delete(p);
    this.procs.delete(p.pid);
    this.trace.event(this.clock.nowMs, p.pid, 'reap', { by });
    for (const h of this.hooks.afterReap) h(p);
  }

  // ---------------------------------------------------------------- signals

  /**
   * Send `sig` to process `p` (kill(2) has checked permission). Default-fatal signals and SIGKILL
   * act at once; caught signals wait for a thread of `p` to be scheduled.
   */
  sendSignal(p: Process, sig: number, fromPid: number, reason?: string): void {
    if (!p.alive || p === this.init) return;
    this.trace.event(this.clock.nowMs, p.pid, 'signal', { sig, from: fromPid, ...(reason ? { reason } : {}) });
    if (sig === SIGKILL) return this.#terminate(p, sig);
    if (sig === SIGSTOP) return this.#stop(p, sig);
    if (sig === SIGCONT) this.#continue(p);
    const act = p.disposition(sig);
    const action = act.handler === 'default' ? SIGNALS[sig]!.action : act.handler === 'ignore' ? 'ign' : 'handle';
    if (action === 'ign' || action === 'cont') return;
    const blockedEverywhere = [...p.threads.values()].every((t) => t.sigmask.has(sig));
    if (!blockedEverywhere && (action === 'term' || action === 'core')) return this.#terminate(p, sig, action === 'core');
    if (!blockedEverywhere && action === 'stop') return this.#stop(p, sig);
    if (!p.sigPending.includes(sig)) p.sigPending.push(sig); // standard signals do not queue
    this.scheduler.changed();
  }

  #terminate(p: Process, sig: number, core = false): void {
    this.trace.event(this.clock.nowMs, p.pid, 'deliver', { sig, action: 'terminated' });
    this.exitProcess(p, signaledStatus(sig, core));
  }

  #stop(p: Process, sig: number): void {
    if (p.stopped) return;
    p.stopped = true;
    p.pendingReport = stoppedStatus(sig);
    this.trace.event(this.clock.nowMs, p.pid, 'deliver', { sig, action: 'stopped' });
    if (p.parent && p.parent !== this.init) this.sendSignal(p.parent, SIGCHLD, 0, `child ${p.pid} stopped`);
    this.scheduler.changed();
  }

  #continue(p: Process): void {
    if (!p.stopped) return;
    p.stopped = false;
    p.pendingReport = CONTINUED_STATUS;
    this.trace.event(this.clock.nowMs, p.pid, 'deliver', { sig: SIGCONT, action: 'continued' });
    if (p.parent && p.parent !== this.init) this.sendSignal(p.parent, SIGCHLD, 0, `child ${p.pid} continued`);
    this.scheduler.changed();
  }

  /** The first pending signal thread `t` would take now, if any (thread-directed first). */
  deliverableSignal(t: Thread): number | undefined {
    for (const sig of t.sigPending) if (!t.sigmask.has(sig)) return sig;
    for (const sig of t.proc.sigPending) if (!t.sigmask.has(sig)) return sig;
    return undefined;
  }

  /**
   * Deliver one pending signal to `t` before its pending call runs. Returns 'handler' when a JS
   * handler started (the scheduler waits for it to yield), 'dead' if the process ended, or
   * 'none' when the call may proceed.
   */
  deliverSignal(t: Thread): 'handler' | 'dead' | 'none' {
    const sig = this.deliverableSignal(t);
    if (sig === undefined) return 'none';
    const list = t.sigPending.includes(sig) ? t.sigPending : t.proc.sigPending;
    list.splice(list.indexOf(sig), 1);
    const act = t.proc.disposition(sig);
    if (act.handler === 'ignore') return 'none';
    if (act.handler === 'default') {
      const action = SIGNALS[sig]!.action;
      if (action === 'term' || action === 'core') {
        this.#terminate(t.proc, sig, action === 'core');
        return 'dead';
      }
      if (action === 'stop') this.#stop(t.proc, sig);
      return 'none';
    }
    return this.#runHandler(t, sig, act.handler, act.restart);
  }

  #runHandler(t: Thread, sig: number, handler: SignalHandler, restart: boolean): 'handler' | 'none' {
    const call = t.pending;
    if (!call) panic(`signal delivery to thread ${t.tid} with no pending call`);
    if (call.blockedCount > 0 && (!restart || call.wait?.restartable === false)) call.interrupted = true;
    t.savedCalls.push(call);
    t.pending = null;
    this.trace.event(this.clock.nowMs, t.proc.pid, 'deliver', { sig, action: `handler (${signalName(sig)})`, interrupted: call.name });
    let result: unknown;
    try {
      result = handler(sig, t.sys);
    } catch (e) {
      this.#threadThrew(t, e);
      return 'handler';
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => this.#handlerReturned(t, true),
        (e) => this.#threadThrew(t, e),
      );
      return 'handler';
    }
    this.#handlerReturned(t, false);
    return 'none';
  }

  /** `async`: the handler ran on microtasks and the scheduler is waiting for this thread to yield. */
  #handlerReturned(t: Thread, async: boolean): void {
    if (t.state === 'exited') return;
    if (t.pending) {
      // The handler's last call is still in flight: a handler must await its calls.
      panic(`signal handler on thread ${t.tid} returned while its ${t.pending.name}() was pending`);
    }
    t.pending = t.savedCalls.pop() ?? null;
    t.state = 'ready';
    if (async) this.scheduler.yielded();
  }

  // ---------------------------------------------------------------- misc

  #consoleOps(stream: 'stdout' | 'stderr'): FileOps {
    const decoder = new TextDecoder();
    return {
      describe: () => `console:${stream}`,
      write: (call, _file, data) => {
        this.#console(call.proc.pid, stream, decoder.decode(data).replace(/\n$/, ''));
        return data.length;
      },
      read: () => new Uint8Array(0),
      poll: () => 0x4 /* POLLOUT */,
    };
  }

  /** Write text to the console as process `pid` (used by `k.log`). */
  log(pid: number, text: string): void {
    this.#console(pid, 'stdout', text);
  }
}

export { BLOCKED, NORETURN };
