/**
 * The Win32 personality of a kernel: per-process handle tables and job membership, the job and
 * completion-port objects, and the process life-cycle rules of job objects (children join their
 * creator's job, exits are counted and announced, closing the last handle of a
 * KILL_ON_JOB_CLOSE job terminates its processes). Created on the first Win32 call.
 */
import type { Kernel } from '../kernel.ts';
import type { Process } from '../proc.ts';
import type { Rng } from '../rng.ts';
import { SIGCHLD, SIGCONT, SIGKILL } from '../signals.ts';
import { exitedStatus } from '../wait-status.ts';
import {
  END_OF_JOB_TIME_EXIT_CODE,
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
  JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO,
  JOB_OBJECT_MSG_EXIT_PROCESS,
  JOB_OBJECT_MSG_NEW_PROCESS,
} from './constants.ts';
import { HandleTable, type KernelObject } from './handle.ts';
import { CompletionPort } from './iocp.ts';
import { JobObject, jobForChild } from './job.ts';
import { ProcessObject, ThreadObject } from './process.ts';

export interface Win32Options {
  /**
   * Job messages on a completion port are notifications whose delivery "is not guaranteed"
   * [JobIOCP]. Drop every one (true), none (false, the default), or each with this probability,
   * drawn from the run's seed.
   */
  dropJobMessages?: boolean | number;
  /**
   * Windows 7 rules: assigning a process that is already in a job fails with
   * ERROR_ACCESS_DENIED instead of nesting the jobs (Windows 8 and later nest them).
   */
  noNestedJobs?: boolean;
}

/** A process's Win32 state: `proc.ext.win32`. */
export class Win32Process {
  readonly handles: HandleTable;
  /** The immediate job (end of the job chain), if the process is in one. */
  job: JobObject | null = null;
  readonly object: ProcessObject;
  readonly thread: ThreadObject;

  constructor(p: Process, onLastClose: (o: KernelObject) => void) {
    this.handles = new HandleTable(onLastClose);
    this.object = new ProcessObject(p);
    this.thread = new ThreadObject(this.object);
  }
}

export class Win32 {
  options: Win32Options = {};
  /** Set by CreateProcess around kernel.fork, for the afterFork hook. */
  creating: { breakawayAsked: boolean } | null = null;
  readonly #kernel: Kernel;
  readonly #rng: Rng;
  #nextJob = 1;
  #nextPort = 1;
  /** Processes whose exit hooks are running (innermost last); see terminate(). */
  readonly #exiting: Process[] = [];

  static of(kernel: Kernel): Win32 {
    return (kernel.ext.win32 as Win32 | undefined) ?? new Win32(kernel);
  }

  private constructor(kernel: Kernel) {
    this.#kernel = kernel;
    this.#rng = kernel.rng.fork('win32');
    kernel.ext.win32 = this;
    kernel.hooks.afterFork.push((parent, child) => this.#afterFork(parent, child));
    kernel.hooks.afterExit.push((p) => this.#afterExit(p));
  }

  /** `p`'s Win32 state, created on first use. */
  process(p: Process): Win32Process {
    return ((p.ext.win32 as Win32Process | undefined) ??= new Win32Process(p, (o) => this.#lastHandleClosed(o)));
  }

  /** `p`'s state only if it already has one (never creates). */
  peek(p: Process): Win32Process | undefined {
    return p.ext.win32 as Win32Process | undefined;
  }

  newJob(): JobObject {
    return new JobObject(this.#nextJob++);
  }

  newPort(): CompletionPort {
    return new CompletionPort(this.#nextPort++);
  }

  // ------------------------------------------------------------------ membership

  /** `p` (alive) becomes a member of `job`, leaving its current immediate job (a parent of `job`). */
  join(p: Process, job: JobObject, byPid: number): void {
    const st = this.process(p);
    const before = new Set(st.job?.chain() ?? []);
    st.job?.processes.delete(p);
    st.job = job;
    job.processes.add(p);
    for (const j of job.chain()) if (!before.has(j)) j.totalProcesses++;
    this.note(byPid, `pid ${p.pid} joined ${job.describe()}${job.parent ? ` (nested in ${job.parent.describe()})` : ''}`);
    this.post(job, JOB_OBJECT_MSG_NEW_PROCESS, p.pid);
  }

  /**
   * A job message "as if the job had called PostQueuedCompletionStatus", to the port of every
   * job in the chain of the job that triggered it [JobIOCP], unless the drop fault eats it.
   */
  post(job: JobObject, message: number, pid: number): void {
    for (const j of job.chain()) {
      if (!j.port) continue;
      if (this.#dropped()) {
        this.note(pid, `${job.describe()}: message ${message} to ${j.port.port.describe()} dropped (fault: delivery is not guaranteed)`);
        continue;
      }
      j.port.port.queue.push({ NumberOfBytesTransferred: message, CompletionKey: j.port.key, Overlapped: message === JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO ? 0 : pid });
    }
    this.#kernel.scheduler.changed();
  }

  #dropped(): boolean {
    const d = this.options.dropJobMessages;
    if (d === true) return true;
    return typeof d === 'number' && this.#rng.chance(d);
  }

  // ------------------------------------------------------------------ termination

  /**
   * End process `p` with Win32 exit code `code` (TerminateProcess semantics).
   *
   * While some process is inside its exit hooks (its handles are being closed), the kernel is
   * still finishing that exit: killing that process's *parent* right now would reparent and reap
   * the half-exited child under it. Such a victim is killed at its next scheduling point instead
   * (a pending SIGKILL), which no code of its own can run before.
   */
  terminate(p: Process, code: number, byPid: number, reason: string): void {
    const k = this.#kernel;
    if (!p.alive || p === k.init || p.threads.size === 0) return; // not running, or already exiting
    this.process(p).object.terminationCode ??= code;
    if (this.#exiting.some((x) => x.parent === p)) {
      if (p.stopped) k.sendSignal(p, SIGCONT, byPid, reason);
      if (!p.sigPending.includes(SIGKILL)) p.sigPending.push(SIGKILL);
      this.note(byPid, `pid ${p.pid} is terminated (${reason}) at its next step: its child is still exiting`);
      k.scheduler.changed();
      return;
    }
    this.note(byPid, `pid ${p.pid} terminated (${reason}), exit code ${code}`);
    k.exitProcess(p, exitedStatus(code));
  }

  /** Every live process of `job` and its nested jobs. */
  terminateJob(job: JobObject, code: number, byPid: number, reason: string): number {
    const victims = job.activeProcesses();
    for (const p of victims) this.terminate(p, code, byPid, reason);
    return victims.length;
  }

  /**
   * JOB_OBJECT_LIMIT_JOB_TIME ran out: terminate the job's processes and signal the job. simos
   * has no CPU accounting, so the limit is virtual time since it was set, checked whenever the
   * job is waited on, queried or assigned to.
   */
  checkEndOfJob(job: JobObject, byPid: number): void {
    if (job.endOfJobAtMs === null || this.#kernel.clock.nowMs < job.endOfJobAtMs) return;
    job.endOfJobAtMs = null;
    job.signaled = true;
    this.note(byPid, `${job.describe()}: end-of-job time limit reached`);
    job.totalTerminatedProcesses += this.terminateJob(job, END_OF_JOB_TIME_EXIT_CODE, 0, 'end-of-job time limit');
    this.#kernel.scheduler.changed();
  }

  // ------------------------------------------------------------------ hooks

  #afterFork(parent: Process, child: Process): void {
    const creating = this.creating;
    this.creating = null;
    const parentJob = this.peek(parent)?.job ?? null;
    // Any way of creating a process inherits the job; only CreateProcess can ask to break away.
    const job = jobForChild(parentJob, creating?.breakawayAsked ?? false);
    if (job) this.join(child, job, parent.pid);
  }

  #afterExit(p: Process): void {
    const st = this.peek(p);
    if (!st) return;
    this.#exiting.push(p);
    try {
      const job = st.job;
      if (job) {
        job.processes.delete(p);
        this.post(job, JOB_OBJECT_MSG_EXIT_PROCESS, p.pid);
        for (const j of job.chain()) {
          if (j.activeProcesses().length > 0) continue;
          this.note(p.pid, `${j.describe()}: ActiveProcesses is 0`);
          this.post(j, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, p.pid);
        }
      }
      // Process exit closes the process's handles, which may be the last ones to a job.
      st.handles.closeAll();
    } finally {
      this.#exiting.pop();
    }
    this.#maybeFree(st.object, true);
  }

  #lastHandleClosed(o: KernelObject): void {
    if (o instanceof JobObject) {
      if (o.limitFlags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) {
        const pid = this.#kernel.scheduler.current?.proc.pid ?? 0;
        this.note(pid, `${o.describe()}: last handle closed, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`);
        this.terminateJob(o, 0, pid, `${o.describe()} closed with KILL_ON_JOB_CLOSE`);
      }
    } else if (o instanceof ProcessObject) {
      this.#maybeFree(o, false);
    } else if (o instanceof ThreadObject) {
      this.#maybeFree(o.process, false);
    }
  }

  /**
   * A process made by CreateProcess has no POSIX parent that will waitpid for it: its zombie is
   * reaped once it has exited and no handle refers to it (Windows frees the process object
   * then). `self` is true inside its own exit, before exitProcess has finished: leave it to
   * exitProcess when that would reap it anyway (parent is init or ignores SIGCHLD).
   */
  #maybeFree(o: ProcessObject, self: boolean): void {
    const p = o.proc;
    const st = this.peek(p);
    if (!o.createdByWin32 || p.state !== 'zombie' || o.handleCount > 0 || (st && st.thread.handleCount > 0)) return;
    if (!self && this.#exiting.includes(p)) return;
    const parent = p.parent;
    const exitProcessReapsIt = !parent || parent === this.#kernel.init || parent.disposition(SIGCHLD).handler === 'ignore';
    if (self && exitProcessReapsIt) return;
    const by = this.#kernel.scheduler.current?.proc.pid ?? 0;
    this.note(by, `pid ${p.pid} freed: it has exited and no handle refers to it`);
    this.#kernel.reap(p, by);
  }

  note(pid: number, text: string): void {
    this.#kernel.trace.event(this.#kernel.clock.nowMs, pid, 'note', { text: `win32: ${text}` });
  }
}

/**
 * Set the Win32 options of a simulation (before or during its run), e.g.
 * `configureWin32(sim, { dropJobMessages: true })` to make every job notification go missing.
 */
export function configureWin32(sim: { readonly kernel: Kernel }, options: Win32Options): void {
  Win32.of(sim.kernel).options = { ...options };
}
