import { type Sys, type WaitResult } from 'simos';

export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  // Bug: ECHILD is how waitpid says "nothing left to wait for"; here it escapes as an error.
  for (;;) reaped.push(await k.waitpid(-1));
}
