import { type Sys, type WaitResult } from 'simos';

export async function reapAll(k: Sys): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  for (;;) {
    try {
      reaped.push(await k.waitpid(-1));
    } catch {
      // Bug: retrying on *every* error turns ECHILD ("no children left") into an endless loop.
      continue;
    }
  }
}
