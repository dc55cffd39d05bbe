import { isErrno, type Sys, type WaitResult } from 'simos';

/**
 * Reap every child of the calling process and return what was reaped, in order.
 * Returns once the caller has no children left.
 */
export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  for (;;) {
    try {
      reaped.push(await k.waitpid(-1));
    } catch (e) {
      if (isErrno(e, 'ECHILD')) return reaped; // no children left: done
      if (isErrno(e, 'EINTR')) continue; // a signal handler ran; the children are still there
      throw e;
    }
  }
}
