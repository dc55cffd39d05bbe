import { isErrno, type Sys, type WaitResult } from 'simos';

/**
 * Reap every child of the calling process and return what was reaped, in order.
 * Returns once the caller has no children left.
 */
export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  // Wait for children with k.waitpid(...) until none are left.
  // isErrno(e, 'ECHILD') tells you which error a call failed with.
  return reaped;
}
