/**
 * Every limit in one place (xv6's param.h). A run that hits one stops with a message that says
 * which limit and why it exists, never a hang.
 */
export interface Limits {
  /** Live + zombie processes; fork beyond it fails with EAGAIN (a fork bomb stops here). */
  maxProcesses: number;
  /** Open descriptors per process; beyond it EMFILE. */
  maxFds: number;
  /** Completed system calls per run; beyond it the run stops as a livelock. */
  maxSteps: number;
  /** Virtual time a run may cover. */
  maxVirtualMs: number;
  /**
   * Pids are handed out cyclically below this (Linux: /proc/sys/kernel/pid_max), so a freed pid
   * number comes back once the counter wraps: the pid-reuse race that pidfds exist to prevent.
   */
  pidMax: number;
  /** Bytes one file may hold; beyond it EFBIG. */
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxProcesses: 64,
  maxFds: 256,
  maxSteps: 100_000,
  maxVirtualMs: 24 * 3600 * 1000,
  pidMax: 32768,
  maxFileBytes: 16 * 1024 * 1024,
};
