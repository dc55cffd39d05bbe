import { PR_SET_PDEATHSIG, SIGKILL, type Sys } from 'simos';

/**
 * Start `program` in a child that is killed with SIGKILL as soon as the calling thread exits,
 * including when it has already exited by the time the child gets to run. Returns the child's pid.
 */
export async function spawnTied(k: Sys, program: string, argv: string[]): Promise<number> {
  return k.fork(async (child) => {
    await child.execve(program, argv);
  });
}
