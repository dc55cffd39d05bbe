import { PR_SET_CHILD_SUBREAPER, SIGKILL, isErrno, type Sys } from 'simos';

/**
 * Run `program` and return its wait status once it has exited and every process it left behind
 * has been killed and reaped. The caller has no other children.
 */
export async function superviseTree(k: Sys, program: string, argv: string[]): Promise<number> {
  const pid = await k.spawn(program, argv);
  return (await k.waitpid(pid)).status;
}
