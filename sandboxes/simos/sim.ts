/**
 * `Sim`: one simulated machine for one run, the object tests and the sandbox hold. It wires the
 * kernel to the system call tables, runs a main program to completion under a seed, and exposes
 * what a test inspects afterwards: processes, the trace, crashes.
 */
import { SimulationError } from './errno.ts';
import { Kernel, type SyscallTable } from './kernel.ts';
import type { Limits } from './limits.ts';
import type { Process, ProgramMain } from './proc.ts';
import type { Sys } from './sys.ts';
import type { DiskOptions } from './vfs.ts';
import { configureWin32, type Win32Options } from './win32/personality.ts';
import { syscallTable } from './syscalls.ts';
import { formatStatus, type TraceRecord } from './trace.ts';

export interface SimOptions {
  /** Seeds the scheduler and every fault choice. Same seed, same run. Default 1. */
  seed?: number;
  limits?: Partial<Limits>;
  /** Where programs' console output goes (default: console.log with a `[pid N]` prefix). */
  console?: (pid: number, stream: 'stdout' | 'stderr', text: string) => void;
  /** Record the trace (default true; benchmarks turn it off). */
  trace?: boolean;
  /** Faults and variants of the Win32 personality (dropped job notifications, pre-Windows-8 jobs). */
  win32?: Win32Options;
  /** The disk to boot on, files to preload, fault injection (fsync EIO), recording for the crash enumerator. */
  disk?: DiskOptions;
}

/** A process as a test sees it after (or during) a run. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: 'alive' | 'stopped' | 'zombie';
  program: string;
  argv: string[];
  /** Wait status, for zombies. */
  status?: number;
}

export interface RunResult<T = unknown> {
  /** The main program's pid. */
  pid: number;
  /** Its wait status (decode with WIFEXITED / WEXITSTATUS / WTERMSIG), or null if still alive. */
  status: number | null;
  /** The value the main function returned (undefined if it never returned). */
  value: T | undefined;
}

export interface RunOptions {
  argv?: string[];
  /** Name of the main program in traces (default "main"). */
  program?: string;
  /**
   * 'main' (default): stop as soon as the main program exits; other processes stay as they are.
   * 'idle': keep running until nothing can run any more (every process exited or blocked forever).
   */
  until?: 'main' | 'idle';
}

export class Sim {
  readonly kernel: Kernel;
  readonly seed: number;
  /** What this machine was made with; reboot() boots the next one with the same. */
  readonly options: SimOptions;

  constructor(opts: SimOptions = {}, extraSyscalls: SyscallTable = {}) {
    this.options = opts;
    this.seed = opts.seed ?? 1;
    this.kernel = new Kernel({
      seed: this.seed,
      syscalls: { ...syscallTable, ...extraSyscalls },
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.console ? { console: opts.console } : {}),
    });
    this.kernel.trace.enabled = opts.trace ?? true;
    if (opts.win32) configureWin32(this, opts.win32);
    if (opts.disk) this.kernel.ext['vfs.options'] = opts.disk;
  }

  /** Make `main` startable by name with spawn/execve. */
  register(name: string, main: ProgramMain): this {
    this.kernel.registerProgram(name, main);
    return this;
  }

  /**
   * Run `main` as the first process (a child of init, leading its own group and session). If
   * `main` throws, the run still finishes (its process exits with code 1) and then rejects with
   * that error. Errors thrown by other processes are recorded in `kernel.crashes` instead.
   */
  async run<T>(main: (k: Sys, argv: string[]) => Promise<T> | T, opts: RunOptions = {}): Promise<RunResult<T>> {
    const argv = opts.argv ?? [opts.program ?? 'main'];
    let value: T | undefined;
    let failure: { error: unknown } | undefined;
    // The main program is usually the test's own code: its exception (a failed expect, an errno
    // the code under test did not handle) is the run's result, so it leaves sim.run as a rejection.
    const wrapped: ProgramMain = async (k, a) => {
      try {
        value = await main(k, a);
      } catch (error) {
        failure = { error };
        return 1;
      }
      // Only a number is an exit code; any other value is the run's result, and the exit is 0.
      return typeof value === 'number' ? value : 0;
    };
    const p = this.kernel.spawnFirst(opts.program ?? 'main', wrapped, argv);
    try {
      await this.kernel.scheduler.run(() => !p.alive && (opts.until !== 'idle'), opts.until === 'idle');
    } catch (e) {
      if (e instanceof SimulationError) e.message += `\n(seed ${this.seed})`;
      throw e;
    }
    if (failure) throw failure.error;
    return { pid: p.pid, status: p.alive ? null : p.status, value };
  }

  /** Every process not yet reaped (init excluded). */
  processes(): ProcessInfo[] {
    return [...this.kernel.procs.values()].filter((p) => p.pid !== 1).map(info);
  }

  process(pid: number): ProcessInfo | undefined {
    const p = this.kernel.procs.get(pid);
    return p && p.pid !== 1 ? info(p) : undefined;
  }

  /** Processes still running (or stopped): the ones a "kill the whole tree" exercise must not leave. */
  alive(): ProcessInfo[] {
    return this.processes().filter((p) => p.state !== 'zombie');
  }

  get trace(): readonly TraceRecord[] {
    return this.kernel.trace.records;
  }

  /** strace-like text of the trace; `last` limits it to the final records. */
  traceText(opts: { last?: number; pids?: number[] } = {}): string {
    return this.kernel.trace.text(opts);
  }

  /** Virtual milliseconds since boot. */
  get nowMs(): number {
    return this.kernel.clock.nowMs;
  }
}

function info(p: Process): ProcessInfo {
  return {
    pid: p.pid,
    ppid: p.parent?.pid ?? 0,
    pgid: p.pgid,
    sid: p.sid,
    state: p.state === 'zombie' ? 'zombie' : p.stopped ? 'stopped' : 'alive',
    program: p.program,
    argv: p.argv,
    ...(p.state === 'zombie' ? { status: p.status } : {}),
  };
}

export { formatStatus };
