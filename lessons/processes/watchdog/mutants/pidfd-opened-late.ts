import { POLLIN, SIGKILL, isErrno, type Sys } from 'simos';

/**
 * Give process `pid` (someone else's child) `timeoutMs` of virtual time to end. If it is still
 * running then, kill it with SIGKILL and return true; if it ends first, or is already gone,
 * return false as soon as that is known. Only the process that had `pid` at the call is signalled.
 */
export async function watchdog(k: Sys, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = (await k.now()) + timeoutMs;
  for (;;) {
    try {
      await k.kill(pid, 0); // is it still there?
    } catch (e) {
      if (isErrno(e, 'ESRCH')) return false;
      throw e;
    }
    const left = deadline - (await k.now());
    if (left <= 0) break;
    await k.sleep(Math.min(10, left));
  }
  // Bug: the pidfd is opened only now, when the number may have changed hands while we waited.
  let pidfd: number;
  try {
    pidfd = await k.pidfdOpen(pid);
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false;
    throw e;
  }
  try {
    const [ready] = await k.poll([{ fd: pidfd, events: POLLIN }], 0);
    if (ready!.revents & POLLIN) return false;
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
