import { SIGKILL, isErrno, type Sys } from 'simos';

/**
 * Give process `pid` (someone else's child) `timeoutMs` of virtual time to end. If it is still
 * running then, kill it with SIGKILL and return true; if it ends first, or is already gone,
 * return false as soon as that is known. Only the process that had `pid` at the call is signalled.
 */
export async function watchdog(k: Sys, pid: number, timeoutMs: number): Promise<boolean> {
  // Bug: sleeps out the whole timeout, then asks about the number: by now it may name another
  // process, and a zombie answers kill(pid, 0) like a running one.
  await k.sleep(timeoutMs);
  try {
    await k.kill(pid, 0);
    await k.kill(pid, SIGKILL);
    return true;
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false;
    throw e;
  }
}
