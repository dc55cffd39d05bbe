import { POLLIN, SIGKILL, isErrno, type Sys } from 'simos';

/**
 * Give process `pid` (someone else's child) `timeoutMs` of virtual time to end. If it is still
 * running then, kill it with SIGKILL and return true; if it ends first, or is already gone,
 * return false as soon as that is known. Only the process that had `pid` at the call is signalled.
 */
export async function watchdog(k: Sys, pid: number, timeoutMs: number): Promise<boolean> {
  let pidfd: number;
  try {
    pidfd = await k.pidfdOpen(pid);
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false; // it ended and was reaped before we looked
    throw e;
  }
  try {
    // Bug: treats every return from poll as "time is up". A process that ended by itself is a
    // zombie until its parent reaps it; the signal to it "succeeds", and watchdog claims a kill.
    await k.poll([{ fd: pidfd, events: POLLIN }], timeoutMs);
    try {
      await k.pidfdSendSignal(pidfd, SIGKILL);
      return true;
    } catch (e) {
      if (isErrno(e, 'ESRCH')) return false;
      throw e;
    }
  } finally {
    await k.close(pidfd);
  }
}
