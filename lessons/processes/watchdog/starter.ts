import { POLLIN, SIGKILL, isErrno, type Sys } from 'simos';

/**
 * Give process `pid` (someone else's child) `timeoutMs` of virtual time to end. If it is still
 * running then, kill it with SIGKILL and return true; if it ends first, or is already gone,
 * return false as soon as that is known. Only the process that had `pid` at the call is signalled.
 */
export async function watchdog(k: Sys, pid: number, timeoutMs: number): Promise<boolean> {
  // The lesson's pidfd calls are k.pidfdOpen, k.poll and k.pidfdSendSignal; close what you open.
  // isErrno(e, 'ESRCH') tells you which error a call failed with.
  return false;
}
