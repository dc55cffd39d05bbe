/**
 * Virtual time. Nothing in simos reads the wall clock: sleeps and timeouts cost no real time,
 * and the scheduler jumps the clock forward when every thread is waiting for a timer.
 */
export class Clock {
  nowMs = 0;

  /** Move forward to `ms` (never backward). */
  advanceTo(ms: number): void {
    if (ms > this.nowMs) this.nowMs = ms;
  }
}
