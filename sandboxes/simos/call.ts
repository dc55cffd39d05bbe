/**
 * One system call in flight: its arguments, the thread that made it, and the scratch state a
 * blocking handler keeps between retries (xv6's sleep/wakeup, with the retry made explicit).
 *
 * A handler either returns a value (the call completes), throws SysError (the call fails), or
 * returns `call.block(wait)`: the thread sleeps and the handler runs again, with the same
 * `call.state`, after any other call completes or when `wait.untilMs` passes.
 */
import { SysError, type ErrnoName } from './errno.ts';
import type { Kernel } from './kernel.ts';
import type { Process, Thread } from './proc.ts';

export const BLOCKED: unique symbol = Symbol('blocked');
/** The call will never return to its caller (exit, execve, a fatal signal to oneself). */
export const NORETURN: unique symbol = Symbol('noreturn');

/** What a blocked thread waits for: read by the scheduler (timers) and the deadlock report. */
export interface WaitDesc {
  /** In words, for the wait-for graph: `waitpid(-1): a child to change state`, `flock(/tmp/l, LOCK_EX)`. */
  reason: string;
  /** pids holding what this thread waits for, when known (lock holders, pipe writers, ...). */
  heldBy?: number[];
  /** Wake at this virtual time even if nothing else changes (sleeps, poll timeouts). */
  untilMs?: number;
  /** A signal with a handler interrupts the wait with EINTR (default true; false is Linux's D state). */
  interruptible?: boolean;
  /**
   * SA_RESTART may restart this call after a handler (default true). poll, nanosleep and pause
   * always fail with EINTR instead (signal(7), "Interruption of system calls").
   */
  restartable?: boolean;
}

export class Call {
  /** Scratch space a blocking handler keeps across retries (bytes written so far, a deadline). */
  state: Record<string, unknown> = {};
  /** How many times the handler has run and blocked. */
  blockedCount = 0;
  wait: WaitDesc | null = null;
  /**
   * A signal handler ran while this call was blocked: on the next attempt the call fails with
   * EINTR — or, if the handler stored a partial result in `state.partialResult` (bytes a pipe
   * write had already moved), returns that, as Linux returns a short count. Before failing, it
   * calls `state.onInterrupt` if the handler left one, to undo what it set up before blocking.
   */
  interrupted = false;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly kernel: Kernel,
    readonly thread: Thread,
    readonly name: string,
    readonly args: readonly unknown[],
  ) {}

  get proc(): Process {
    return this.thread.proc;
  }

  get nowMs(): number {
    return this.kernel.clock.nowMs;
  }

  /** Sleep until woken; return this from the handler. */
  block(wait: WaitDesc): typeof BLOCKED {
    this.wait = wait;
    return BLOCKED;
  }

  /**
   * For calls that do not return to their caller (exit, execve): record the call in the trace now,
   * before its effects (exit events, a new program) are recorded, and return NORETURN.
   */
  noReturn(): typeof NORETURN {
    const t = this.thread;
    this.kernel.trace.syscall({ timeMs: this.nowMs, pid: t.proc.pid, tid: t.tid, call: this.name, args: this.args as unknown[] });
    return NORETURN;
  }

  /** Fail the call with an errno; `detail` says in words what was wrong. */
  fail(code: ErrnoName, detail?: string): never {
    throw new SysError(code, this.name, detail);
  }
}
