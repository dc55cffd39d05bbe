import { WNOHANG, isErrno, type Sys, type WaitResult } from 'simos';

export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  // Bug: WNOHANG collects only children that have *already* exited; running ones are skipped.
  for (;;) {
    try {
      const r = await k.waitpid(-1, WNOHANG);
      if (r.pid === 0) return reaped;
      reaped.push(r);
    } catch (e) {
      if (isErrno(e, 'ECHILD')) return reaped;
      throw e;
    }
  }
}
