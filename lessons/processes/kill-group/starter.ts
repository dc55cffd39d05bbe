import { SIGKILL, SIGTERM, WNOHANG, isErrno, type Sys, type WaitResult } from 'simos';

/**
 * Start `program` in a new process group of its own (its pgid is its pid) and return its pid.
 * The group exists before this returns and before the program's first instruction runs.
 */
export async function spawnInGroup(k: Sys, program: string, argv: string[]): Promise<number> {
  // k.spawn starts the program, but in *your* process group.
  return k.spawn(program, argv);
}

/**
 * Stop every process in group `pgid`: SIGTERM, up to `graceMs` to exit, then SIGKILL for whatever
 * is left. Reap the caller's children in the group and return their statuses.
 */
export async function killGroup(k: Sys, pgid: number, graceMs: number): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  return reaped;
}
