/**
 * The seeded scheduler. Each step it picks one runnable thread at random (from the run's seed),
 * runs its pending system call, and — if the call completed — lets that thread's JS run until its
 * next call. So every system call is a scheduling point, and the same seed gives the same trace.
 *
 * Two policies, chosen per seed, so a sweep covers both shallow and deep races:
 * - uniform: every step picks uniformly among runnable threads;
 * - priority (after PCT, Burckhardt et al., ASPLOS 2010): each thread gets a random priority, the
 *   highest runnable one runs, and now and then the running thread's priority is redrawn. A thread
 *   then often runs many calls in a row, which uncovers races that need a long burst of one side
 *   (a child that execs, forks and exits before its parent makes its next call).
 *
 * A blocked thread is retried only after some other call completed (the kernel's `generation`
 * moved) or its timer is due. When nothing can run, the clock jumps to the next timer; when there
 * is no timer either, the run is deadlocked and stops with the wait-for graph.
 */
import { BLOCKED, NORETURN, type Call } from './call.ts';
import { KernelPanic, SimulationError, SysError } from './errno.ts';
import type { Kernel } from './kernel.ts';
import type { Thread } from './proc.ts';
import type { Rng } from './rng.ts';

export class Scheduler {
  /** The thread whose JS is running (or was last resumed). */
  current: Thread | null = null;
  /** Bumped whenever kernel state may have changed; blocked threads retry when it moves. */
  generation = 1;
  /** Completed system calls in this run. */
  steps = 0;
  readonly #threads: Thread[] = [];
  readonly #priority = new Map<Thread, number>();
  readonly #policy: 'uniform' | 'priority';
  #waiter: ((value?: unknown) => void) | null = null;
  #waiterReject: ((e: unknown) => void) | null = null;
  #yieldedEarly = false;
  #abortError: unknown = null;

  constructor(
    private readonly kernel: Kernel,
    private readonly rng: Rng,
  ) {
    this.#policy = rng.chance(0.5) ? 'priority' : 'uniform';
  }

  addThread(t: Thread): void {
    this.#threads.push(t);
    this.#priority.set(t, this.rng.u32());
    this.generation++;
  }

  removeThread(t: Thread): void {
    const i = this.#threads.indexOf(t);
    if (i >= 0) this.#threads.splice(i, 1);
    this.#priority.delete(t);
    this.generation++;
  }

  #pick(candidates: Thread[]): Thread {
    if (candidates.length === 1) return candidates[0]!;
    if (this.#policy === 'uniform') return this.rng.pick(candidates);
    let best = candidates[0]!;
    for (const t of candidates) if (this.#priority.get(t)! > this.#priority.get(best)!) best = t;
    // A priority change point: the thread that was about to run drops to a random priority.
    if (this.rng.chance(0.05)) this.#priority.set(best, this.rng.u32());
    return best;
  }

  /** Kernel state changed outside a completed call (a signal, an exit): blocked threads may retry. */
  changed(): void {
    this.generation++;
  }

  /** The running thread reached its next call, or finished: the scheduler may pick again. */
  yielded(): void {
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = this.#waiterReject = null;
      w();
    } else {
      this.#yieldedEarly = true;
    }
  }

  /** Stop the run with `error` (a panic inside a program's call chain, a stall). */
  abort(error: unknown): void {
    this.#abortError ??= error;
    if (this.#waiterReject) {
      const r = this.#waiterReject;
      this.#waiter = this.#waiterReject = null;
      r(error);
    }
  }

  #waitYield(): Promise<unknown> | undefined {
    if (this.#yieldedEarly) {
      this.#yieldedEarly = false;
      return undefined;
    }
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#waiterReject = reject;
    });
  }

  /** Threads that could make progress now. */
  #candidates(): Thread[] {
    const now = this.kernel.clock.nowMs;
    const out: Thread[] = [];
    for (const t of this.#threads) {
      if (t.proc.stopped || !t.pending) continue;
      if (t.state === 'ready') out.push(t);
      else if (t.state === 'blocked') {
        const w = t.pending.wait;
        if (t.blockedAtGeneration < this.generation) out.push(t);
        else if (w?.untilMs !== undefined && w.untilMs <= now) out.push(t);
        else if (w?.interruptible !== false && this.kernel.deliverableSignal(t) !== undefined) out.push(t);
      }
    }
    return out;
  }

  #nextTimerMs(): number | undefined {
    let next: number | undefined;
    for (const t of this.#threads) {
      const until = t.state === 'blocked' && !t.proc.stopped ? t.pending?.wait?.untilMs : undefined;
      if (until !== undefined && (next === undefined || until < next)) next = until;
    }
    return next;
  }

  /**
   * Run until `done()` holds. With `stopWhenIdle`, a state where nothing can ever run again ends
   * the run quietly instead of as a deadlock (used after the main program has exited).
   */
  async run(done: () => boolean, stopWhenIdle = false): Promise<void> {
    const stall = this.#armStallDetector();
    try {
      while (!done()) {
        if (this.#abortError) throw this.#abortError;
        const candidates = this.#candidates();
        if (candidates.length === 0) {
          const next = this.#nextTimerMs();
          if (next !== undefined) {
            if (next > this.kernel.limits.maxVirtualMs) {
              throw new SimulationError(`The run reached the virtual time limit of ${this.kernel.limits.maxVirtualMs} ms while processes were still sleeping.\n${this.waitForGraph()}`);
            }
            this.kernel.clock.advanceTo(next);
            continue;
          }
          if (stopWhenIdle) return;
          throw new SimulationError(`Deadlock: every process is waiting and no timer is pending (virtual time ${this.kernel.clock.nowMs} ms).\n${this.waitForGraph()}`);
        }
        const t = this.#pick(candidates);
        await this.#step(t);
        if (this.steps > this.kernel.limits.maxSteps) {
          throw new SimulationError(
            `The run made more than ${this.kernel.limits.maxSteps} system calls without finishing: a livelock, or a loop that polls ` +
              `(e.g. waitpid with WNOHANG) without ever blocking. Last calls:\n${this.kernel.trace.text({ last: 12 })}`,
          );
        }
      }
      if (this.#abortError) throw this.#abortError;
    } finally {
      stall.disarm();
      this.current = null;
    }
  }

  async #step(t: Thread): Promise<void> {
    this.current = t;
    const call = t.pending!;
    if (call.name === '<start>') {
      t.pending = null;
      t.state = 'ready';
      call.resolve(undefined);
      await this.#waitYield();
      return;
    }
    const interruptible = t.state === 'ready' || call.wait?.interruptible !== false;
    if (interruptible && this.kernel.deliverableSignal(t) !== undefined) {
      const r = this.kernel.deliverSignal(t);
      this.generation++;
      if (r === 'handler') await this.#waitYield();
      if (r !== 'none') return;
      if (t.pending !== call) return; // a synchronous handler ran; pick again with the call restored
    }
    let outcome: unknown;
    let error: SysError | undefined;
    try {
      outcome = this.kernel.execute(call);
    } catch (e) {
      if (e instanceof SysError) error = e;
      else if (e instanceof KernelPanic || e instanceof SimulationError) throw e;
      else throw new KernelPanic(`${call.name}() handler threw ${e instanceof Error ? e.stack : String(e)}`);
    }
    if (outcome === BLOCKED) {
      t.state = 'blocked';
      t.blockedAtGeneration = this.generation;
      call.blockedCount++;
      return;
    }
    this.generation++;
    if (outcome === NORETURN) return;
    this.#complete(t, call, outcome, error);
    if (t.state === 'exited') return; // the call ended its own process (kill(0, SIGKILL), ...)
    await this.#waitYield();
  }

  #complete(t: Thread, call: Call, result: unknown, error: SysError | undefined): void {
    this.steps++;
    const k = this.kernel;
    k.trace.syscall({
      timeMs: k.clock.nowMs,
      pid: t.proc.pid,
      tid: t.tid,
      call: call.name,
      args: call.args as unknown[],
      ...(error ? { errno: error.code } : { result }),
      ...(call.blockedCount > 0 ? { blocked: true } : {}),
    });
    if (t.state === 'exited') return;
    t.pending = null;
    t.state = 'ready';
    if (error) call.reject(error);
    else call.resolve(result);
  }

  /** Who waits on what, held by whom: the text of a deadlock report. */
  waitForGraph(): string {
    const lines: string[] = [];
    for (const p of this.kernel.procs.values()) {
      if (p.pid === 1 || !p.alive) continue;
      for (const t of p.threads.values()) {
        const who = `pid ${p.pid}${t.tid !== p.pid ? ` thread ${t.tid}` : ''} (${p.program})`;
        const c = t.pending;
        if (p.stopped) lines.push(`  ${who}: stopped (SIGSTOP); only SIGCONT or SIGKILL moves it`);
        else if (!c) lines.push(`  ${who}: running`);
        else {
          const held = c.wait?.heldBy?.length ? ` — held by pid ${c.wait.heldBy.join(', ')}` : '';
          lines.push(`  ${who}: in ${c.name}(), waiting for ${c.wait?.reason ?? 'its turn'}${held}`);
        }
      }
    }
    return lines.join('\n');
  }

  /**
   * Simulated code runs entirely on microtasks, so a macrotask can only run while the scheduler
   * waits for a thread that awaited something outside simos (setTimeout, fetch): that thread
   * would never reach its next call, so we stop the run and name it.
   */
  #armStallDetector(): { disarm(): void } {
    const timer = setTimeout(() => {
      const t = this.current;
      this.abort(
        new SimulationError(
          `pid ${t?.proc.pid ?? '?'} stopped making progress: its code is awaiting something that is not a simos system call ` +
            `(setTimeout, a plain Promise, fetch...). Simulated programs may only await calls on their \`k\`; use k.sleep(ms) to wait.`,
        ),
      );
    }, 0);
    return { disarm: () => clearTimeout(timer) };
  }
}
