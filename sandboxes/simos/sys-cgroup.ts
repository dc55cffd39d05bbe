/**
 * Dedicated system calls onto the cgroup tree (cgroup.ts). They stand in for mkdir/rmdir/open/
 * read/write under /sys/fs/cgroup and for poll(POLLPRI) on cgroup.events, which simos programs
 * reach through the VFS once cgroupfs is mounted there.
 */
import { argInt } from './args.ts';
import type { Call } from './call.ts';
import { CgroupTree, type Cgroup } from './cgroup.ts';
import type { SyscallTable } from './kernel.ts';

function tree(call: Call): CgroupTree {
  return CgroupTree.of(call.kernel);
}

export const cgroupSyscalls: SyscallTable = {
  cgroup_mkdir(c, path: unknown) {
    tree(c).mkdir(c, path);
    return 0;
  },

  cgroup_rmdir(c, path: unknown) {
    tree(c).rmdir(c, path);
    return 0;
  },

  cgroup_list(c, path: unknown) {
    const t = tree(c);
    return t.children(t.resolve(c, path));
  },

  cgroup_read(c, path: unknown, file: unknown) {
    const t = tree(c);
    return t.read(c, t.resolve(c, path), file);
  },

  cgroup_write(c, path: unknown, file: unknown, value: unknown) {
    const t = tree(c);
    const text = typeof value === 'number' ? String(value) : value;
    t.write(c, t.resolve(c, path), file, text);
    return typeof text === 'string' ? text.length : 0;
  },

  /** /proc/PID/cgroup's v2 line without the "0::" prefix. */
  cgroup_of(c, pidArg: unknown) {
    const pid = argInt(c, pidArg, 'pid');
    const p = pid === 0 ? c.proc : c.kernel.procs.get(pid);
    if (!p) return c.fail('ESRCH', `no process ${pid}`);
    const cg = tree(c).cgroupOf(p);
    return cg.removed ? `${cg.path} (deleted)` : cg.path;
  },

  /**
   * poll(cgroup.events, POLLPRI) until "populated 0". Returns true once empty, false when
   * `timeoutMs` (virtual) passes first. Interruptible like poll: EINTR if a handler runs.
   */
  cgroup_wait_empty(c, path: unknown, timeoutArg: unknown) {
    const t = tree(c);
    const cg = (c.state.cg ??= t.resolve(c, path)) as Cgroup;
    if (cg.isRoot) c.fail('EINVAL', 'the root cgroup has no cgroup.events: init keeps it populated forever');
    if (!t.populated(cg)) return true;
    let untilMs: number | undefined;
    if (timeoutArg !== undefined && timeoutArg !== null) {
      const ms = argInt(c, timeoutArg, 'timeoutMs');
      if (ms < 0) c.fail('EINVAL', `timeoutMs must not be negative, got ${ms}`);
      untilMs = (c.state.until ??= c.nowMs + ms) as number;
      if (c.nowMs >= untilMs) return false;
    }
    const inside = t.livePidsBelow(cg);
    const self = inside.includes(c.proc.pid) ? ' (the caller itself is inside it)' : '';
    return c.block({
      reason: `cgroup ${cg.path} to become empty (cgroup.events "populated 0")${self}`,
      heldBy: inside,
      ...(untilMs !== undefined ? { untilMs } : {}),
    });
  },
};
