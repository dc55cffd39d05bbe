import { PR_SET_PDEATHSIG, SIGKILL, type Sys } from 'simos';

/**
 * Start `program` in a child that is killed with SIGKILL as soon as the calling thread exits,
 * including when it has already exited by the time the child gets to run. Returns the child's pid.
 */
export async function spawnTied(k: Sys, program: string, argv: string[]): Promise<number> {
  const parent = await k.getpid();
  await k.prctl(PR_SET_PDEATHSIG, SIGKILL); // Bug: sets it for the *caller*; fork clears it in the child
  return k.fork(async (child) => {
    // If the parent died before the line above, no signal will ever come. Its death shows up
    // as a different parent pid (init's, or a subreaper's), so compare with the real parent.
    if ((await child.getppid()) !== parent) await child.exit(1);
    await child.execve(program, argv); // PDEATHSIG survives execve of an ordinary program
  });
}
