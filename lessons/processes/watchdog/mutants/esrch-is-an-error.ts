import { POLLIN, SIGKILL, type Sys } from 'simos';

/**
 * Give process `pid` (someone else's child) `timeoutMs` of virtual time to end. If it is still
 * running then, kill it with SIGKILL and return true; if it ends first, or is already gone,
 * return false as soon as that is known. Only the process that had `pid` at the call is signalled.
 */
export async function watchdog(k: Sys, pid: number, timeoutMs: number): Promise<boolean> {
  // Bug: ESRCH (the process is gone) escapes as an exception, from pidfd_open when it was reaped
  // before the call and from pidfd_send_signal when it was reaped after the poll.
  const pidfd = await k.pidfdOpen(pid);
  try {
    const [ready] = await k.poll([{ fd: pidfd, events: POLLIN }], timeoutMs);
    if (ready!.revents & POLLIN) return false; // it terminated by itself (a zombie counts)
    await k.pidfdSendSignal(pidfd, SIGKILL);
    return true;
  } finally {
    await k.close(pidfd);
  }
}
