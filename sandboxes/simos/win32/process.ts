/**
 * Process and thread objects: what a process handle or a thread handle refers to. They outlive
 * the simos process they describe (its zombie is freed as soon as no handle needs it), keeping
 * what GetExitCodeProcess and WaitForSingleObject report.
 */
import type { Process } from '../proc.ts';
import { WEXITSTATUS, WIFEXITED, WTERMSIG } from '../wait-status.ts';
import { STILL_ACTIVE } from './constants.ts';
import { KernelObject } from './handle.ts';

export class ProcessObject extends KernelObject {
  readonly kind = 'process';
  /** Set by TerminateProcess / TerminateJobObject / job limits before the process ends. */
  terminationCode: number | undefined;
  /** Made by CreateProcess: no parent will waitpid for it, so its zombie is freed with its last handle. */
  createdByWin32 = false;

  constructor(readonly proc: Process) {
    super();
  }

  /** A process object is signaled once the process has terminated. */
  get signaled(): boolean {
    return !this.proc.alive;
  }

  /**
   * STILL_ACTIVE while it runs; afterwards the code it was terminated with, else its exit code.
   * A process ended by a POSIX signal reports 128 + the signal number, as a shell would.
   */
  get exitCode(): number {
    if (this.proc.alive) return STILL_ACTIVE;
    if (this.terminationCode !== undefined) return this.terminationCode;
    const s = this.proc.status;
    return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
  }

  describe(): string {
    return `process ${this.proc.pid}`;
  }
}

/** The primary thread of a process: what ResumeThread acts on. */
export class ThreadObject extends KernelObject {
  readonly kind = 'thread';
  /** CREATE_SUSPENDED starts it at 1; the thread runs only at 0. */
  suspendCount = 0;

  constructor(readonly process: ProcessObject) {
    super();
  }

  get signaled(): boolean {
    return this.process.signaled;
  }

  describe(): string {
    return `thread ${this.process.proc.pid}`;
  }
}
