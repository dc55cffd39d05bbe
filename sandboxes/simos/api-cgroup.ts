/**
 * cgroup v2 calls on `k`. Each stands for a file operation under /sys/fs/cgroup: `path` is the
 * cgroup's path inside the hierarchy ("/" is the root, "/job1/worker" a grandchild), as
 * /proc/PID/cgroup prints it.
 */
import { Sys } from './sys.ts';

declare module './sys.ts' {
  interface Sys {
    /**
     * mkdir /sys/fs/cgroup/`path`: create a cgroup. The new cgroup is empty, with pids.max "max".
     * Errors: ENOENT (the parent does not exist), EEXIST (it exists, or the name is an interface
     * file such as "cgroup.procs"), EINVAL (a "." or ".." component), ENAMETOOLONG.
     */
    cgroupMkdir(path: string): Promise<0>;
    /**
     * rmdir /sys/fs/cgroup/`path`. Only a cgroup with no child cgroups and no live process can be
     * removed; zombies do not count (they stay attached to the removed cgroup until reaped).
     * Errors: EBUSY (children, live processes, or the root), ENOENT.
     */
    cgroupRmdir(path: string): Promise<0>;
    /** The names of `path`'s child cgroups (the subdirectories of its directory). ENOENT. */
    cgroupList(path: string): Promise<string[]>;
    /**
     * Read interface file `file` of cgroup `path`:
     * - "cgroup.procs": the pids of the live processes in this cgroup only (not in descendants,
     *   not zombies), one per line;
     * - "cgroup.events" (non-root): "populated 0|1" (1 while this cgroup or a descendant has a
     *   live process; it drops when the last one *exits*, not when it is reaped) and "frozen 0";
     * - "pids.max" (non-root): "max" or a number; "pids.current" (non-root): processes charged to
     *   this cgroup and its descendants, zombies included until reaped.
     * Errors: ENOENT (no such cgroup or file), EINVAL (write-only file).
     */
    cgroupRead(path: string, file: string): Promise<string>;
    /**
     * Write `value` to interface file `file` of cgroup `path`; returns its length.
     * - "cgroup.procs": a pid (0 = the caller) moves that whole process here. Any process may
     *   move any process in simos (Linux also needs write access to the common ancestor's
     *   cgroup.procs). A zombie's pid is accepted and ignored. ESRCH if there is no such process.
     * - "cgroup.kill" (non-root): "1" SIGKILLs every process in the cgroup and all its
     *   descendants; a fork cannot escape it. Like Linux, the kill is asynchronous: the victims
     *   die when next scheduled, so wait for "populated 0" (cgroupWaitEmpty) before relying on it.
     *   EINVAL for a non-number, ERANGE for another number.
     * - "pids.max" (non-root): "max" or a number. Forks in the subtree then fail with EAGAIN when
     *   this or any ancestor cgroup would exceed its limit; moving processes in may exceed it.
     * Errors: ENOENT, EINVAL (read-only file, bad value), ERANGE, ESRCH.
     */
    cgroupWrite(path: string, file: string, value: string | number): Promise<number>;
    /**
     * The cgroup of process `pid` (0 = the caller), like the "0::" line of /proc/PID/cgroup;
     * " (deleted)" is appended for a zombie whose cgroup was removed. ESRCH.
     */
    cgroupOf(pid?: number): Promise<string>;
    /**
     * Wait until cgroup `path` is empty (cgroup.events shows "populated 0"), as poll(2) with
     * POLLPRI on cgroup.events would. Returns true once it is empty, false if `timeoutMs`
     * (virtual) passes first; without a timeout it waits forever. Errors: ENOENT, EINVAL (the
     * root, or a negative timeout), EINTR (a signal handler ran).
     */
    cgroupWaitEmpty(path: string, timeoutMs?: number): Promise<boolean>;
  }
}

Sys.prototype.cgroupMkdir = function (path) {
  return this.call('cgroup_mkdir', [path]);
};
Sys.prototype.cgroupRmdir = function (path) {
  return this.call('cgroup_rmdir', [path]);
};
Sys.prototype.cgroupList = function (path) {
  return this.call('cgroup_list', [path]);
};
Sys.prototype.cgroupRead = function (path, file) {
  return this.call('cgroup_read', [path, file]);
};
Sys.prototype.cgroupWrite = function (path, file, value) {
  return this.call('cgroup_write', [path, file, value]);
};
Sys.prototype.cgroupOf = function (pid = 0) {
  return this.call('cgroup_of', [pid]);
};
Sys.prototype.cgroupWaitEmpty = function (path, timeoutMs) {
  return this.call('cgroup_wait_empty', timeoutMs === undefined ? [path] : [path, timeoutMs]);
};
