/**
 * The loop guard: what stops `while (true) {}` in learner code with a message instead of a hang.
 *
 * The transpiler (loop-guard-insertion.ts) rewrites every loop head to call one of two functions
 * whose names are below, passing the loop's site number:
 *   while (C)            -> while (__wbLoop(3)&&(C))
 *   for (I; C; U)        -> for (I; __wbLoop(3)&&(C); U)
 *   for (x of Y)         -> for (x of __wbIter(3, Y))
 * The runner hands each module its own pair of functions, bound to that file's sites.
 *
 * Why a deadline and not an iteration cap: a loop over a million records is legitimate, a loop
 * that never ends is not, and only time tells them apart. Reading the clock costs far more than
 * counting, so the guard reads it once every CLOCK_EVERY iterations (summed over all loops).
 * Once one loop is stopped, every guarded loop throws at its next iteration, so learner code that
 * catches the error cannot keep spinning in an enclosing loop.
 */
import type { SourcePosition } from '../protocol.ts';

/** Name of the guard called in `while`, `do…while` and `for(;;)` heads. */
export const LOOP_GUARD = '__wbLoop';
/** Name of the wrapper put around the iterable of a `for…of` / `for await…of`. */
export const ITERABLE_GUARD = '__wbIter';

const CLOCK_EVERY = 1024; // a power of two: the check is a mask

export class LoopLimitError extends Error {
  override name = 'LoopLimitError';
  readonly site: SourcePosition;
  constructor(message: string, site: SourcePosition) {
    super(message);
    this.site = site;
  }
}

export interface FileGuards {
  loop(site: number): true;
  iterable(site: number, source: unknown): unknown;
}

export class LoopGuard {
  private ticks = 0;
  /** The error that stopped a loop, once one was stopped. */
  tripped: LoopLimitError | undefined;

  private readonly deadline: number;
  private readonly limitMs: number;
  private readonly now: () => number;

  /**
   * @param deadline epoch ms (Date.now() scale) after which a running loop is stopped
   * @param limitMs the run's whole time limit, only for the message
   */
  constructor(deadline: number, limitMs: number, now: () => number = Date.now) {
    this.deadline = deadline;
    this.limitMs = limitMs;
    this.now = now;
  }

  /** The guard functions for one file; `sites[i]` is where loop number i starts. */
  forFile(sites: readonly SourcePosition[]): FileGuards {
    const counts = new Array<number>(sites.length).fill(0);
    const tick = (site: number): true => {
      counts[site]!++;
      if (this.tripped) throw this.tripped;
      if ((++this.ticks & (CLOCK_EVERY - 1)) === 0 && this.now() > this.deadline) {
        this.tripped = this.stopped(sites[site]!, counts[site]!);
        throw this.tripped;
      }
      return true;
    };
    return {
      loop: tick,
      iterable: (site, source) => guardIterable(source, () => tick(site)),
    };
  }

  private stopped(site: SourcePosition, iterations: number): LoopLimitError {
    const where = `${site.file}:${site.line}:${site.column}`;
    return new LoopLimitError(
      `Stopped a loop that ran more than ${iterations.toLocaleString('en-US')} iterations without ` +
        `finishing, at ${where}: the run's time limit of ${formatSeconds(this.limitMs)} ran out while ` +
        `it was still going. Check that the loop's condition can become false, or that something ` +
        `inside it breaks out.`,
      site,
    );
  }
}

/** "5 s", "2.5 s": how the time limit is written in messages for learners. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The parts of a sync or async iterator a `for…of` touches. */
interface StepIterator {
  next(value?: unknown): unknown;
  return?(value?: unknown): unknown;
  throw?(error?: unknown): unknown;
}
type IteratorFactory = (this: unknown) => StepIterator;

/**
 * Wraps an iterable so that every step of the loop over it ticks the guard. Keeps both protocols
 * the source offers, so `for await` still prefers the async one, and forwards `return()` so that
 * `break` still closes generators.
 */
function guardIterable(source: unknown, tick: () => void): unknown {
  if (source === null || source === undefined) throw new TypeError(`${source} is not iterable`);
  const boxed = Object(source) as Record<symbol, unknown>;
  const syncFactory = boxed[Symbol.iterator];
  const asyncFactory = boxed[Symbol.asyncIterator];
  if (typeof syncFactory !== 'function' && typeof asyncFactory !== 'function') {
    throw new TypeError(`${describeValue(source)} is not iterable`);
  }
  const guarded: Record<symbol, unknown> = {};
  if (typeof syncFactory === 'function') {
    guarded[Symbol.iterator] = () => guardIterator((syncFactory as IteratorFactory).call(source), tick);
  }
  if (typeof asyncFactory === 'function') {
    guarded[Symbol.asyncIterator] = () =>
      guardIterator((asyncFactory as IteratorFactory).call(source), tick);
  }
  return guarded;
}

function guardIterator(inner: StepIterator, tick: () => void): StepIterator {
  const next = inner.next;
  return {
    next(value?: unknown) {
      tick();
      return next.call(inner, value);
    },
    return: inner.return ? (value?: unknown) => inner.return!(value) : undefined,
    throw: inner.throw ? (error?: unknown) => inner.throw!(error) : undefined,
  };
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
