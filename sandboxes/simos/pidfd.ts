/**
 * pidfds (pidfd_open(2)): a descriptor that names one process *object*, not a pid number. The
 * number can be reused once the process is reaped; the pidfd keeps pointing at the old process,
 * so pidfd_send_signal can never hit a stranger, and poll says when that process has terminated.
 */
import { OpenFile, O_NONBLOCK, O_RDWR, type FileOps } from './file.ts';
import { POLLHUP, POLLIN, POLLRDNORM } from './poll.ts';
import type { Process } from './proc.ts';

/** pidfd_open flag (O_NONBLOCK's value): makes waitid(P_PIDFD) on a running process fail with EAGAIN. */
export const PIDFD_NONBLOCK = O_NONBLOCK;

const pidfdOps: FileOps = {
  describe: (file) => `anon_inode:[pidfd] (pid ${(file.target as Process).pid})`,

  /**
   * pidfd_poll (fs/pidfs.c): POLLIN once the whole process has terminated (a zombie counts),
   * and POLLHUP as well once it has been reaped (Linux 6.9+; older kernels report POLLIN only).
   * Nothing while it runs.
   */
  poll(file) {
    const p = file.target as Process;
    if (p.state === 'reaped') return POLLIN | POLLRDNORM | POLLHUP;
    if (p.state === 'zombie') return POLLIN | POLLRDNORM;
    return 0;
  },
};

/** A pidfd's open file description for `proc`. */
export function createPidfd(proc: Process, flags: number): OpenFile {
  return new OpenFile(pidfdOps, O_RDWR | (flags & PIDFD_NONBLOCK), proc);
}

/** The process a pidfd refers to, or undefined when `file` is not a pidfd. */
export function pidfdProcess(file: OpenFile): Process | undefined {
  return file.ops === pidfdOps ? (file.target as Process) : undefined;
}
