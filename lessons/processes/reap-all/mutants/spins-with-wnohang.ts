import { WNOHANG, isErrno, type Sys, type WaitResult } from 'simos';

export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  for (;;) {
    try {
      const r = await k.waitpid(-1, WNOHANG);
      // Bug: polling without ever blocking burns CPU while children run (a livelock under load).
      if (r.pid !== 0) reaped.push(r);
    } catch (e) {
      if (isErrno(e, 'ECHILD')) return reaped;
      throw e;
    }
  }
}
