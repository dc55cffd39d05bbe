/**
 * System calls on descriptors that work the same whatever is behind them (regular file, pipe,
 * eventfd, pidfd, console): they resolve the fd number and hand the open file description to
 * its FileOps. Files, pipes and friends never see fd numbers.
 */
import { argBytes, argCount, argFd, argInt } from './args.ts';
import type { Call } from './call.ts';
import type { FdEntry } from './fdtable.ts';
import { O_ACCMODE, O_APPEND, O_CLOEXEC, O_NONBLOCK, type OpenFile } from './file.ts';
import type { SyscallTable } from './kernel.ts';

export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030;
export const FD_CLOEXEC = 1;

/** The fd's entry, or EBADF. Every descriptor syscall starts here. */
export function fdEntry(call: Call, fdArg: unknown): FdEntry {
  const fd = argFd(call, fdArg);
  const e = call.proc.fds.get(fd);
  if (!e) call.fail('EBADF', `fd ${fd} is not open in pid ${call.proc.pid}`);
  return e;
}

export function fdFile(call: Call, fdArg: unknown): OpenFile {
  return fdEntry(call, fdArg).file;
}

/** Install `file` at the lowest free fd >= `min`; EMFILE when the table is full. */
export function fdInstall(call: Call, file: OpenFile, cloexec: boolean, min = 0): number {
  const fd = call.proc.fds.lowestFree(min);
  if (fd < 0) call.fail('EMFILE', `pid ${call.proc.pid} has ${call.kernel.limits.maxFds} descriptors open`);
  call.proc.fds.install(fd, file, cloexec);
  call.kernel.scheduler.changed();
  return fd;
}

export const fdSyscalls: SyscallTable = {
  read(c: Call, fd: unknown, count: unknown) {
    const f = fdFile(c, fd);
    const n = argCount(c, count, 'count');
    if (!f.readable) c.fail('EBADF', `fd ${fd} was not opened for reading`);
    if (!f.ops.read) c.fail('EINVAL', `${f.describe()} cannot be read`);
    return f.ops.read(c, f, n, null);
  },

  write(c: Call, fd: unknown, data: unknown) {
    const f = fdFile(c, fd);
    const bytes = argBytes(c, data, 'data');
    if (!f.writable) c.fail('EBADF', `fd ${fd} was not opened for writing`);
    if (!f.ops.write) c.fail('EINVAL', `${f.describe()} cannot be written`);
    return f.ops.write(c, f, bytes, null);
  },

  close(c: Call, fd: unknown) {
    const n = argFd(c, fd);
    if (!c.proc.fds.close(n)) c.fail('EBADF', `fd ${n} is not open`);
    c.kernel.scheduler.changed();
    return 0;
  },

  dup(c: Call, fd: unknown) {
    return fdInstall(c, fdFile(c, fd), false);
  },

  dup2(c: Call, oldfd: unknown, newfd: unknown) {
    const f = fdFile(c, oldfd);
    const to = argFd(c, newfd);
    if (to >= c.kernel.limits.maxFds) c.fail('EBADF', `fd ${to} is above the descriptor limit`);
    if (to === oldfd) return to;
    c.proc.fds.close(to);
    c.proc.fds.install(to, f, false);
    c.kernel.scheduler.changed();
    return to;
  },

  fcntl(c: Call, fd: unknown, cmd: unknown, arg: unknown) {
    const e = fdEntry(c, fd);
    const command = argInt(c, cmd, 'cmd');
    switch (command) {
      case F_DUPFD:
      case F_DUPFD_CLOEXEC:
        return fdInstall(c, e.file, command === F_DUPFD_CLOEXEC, argCount(c, arg ?? 0, 'arg'));
      case F_GETFD:
        return e.cloexec ? FD_CLOEXEC : 0;
      case F_SETFD:
        e.cloexec = (argInt(c, arg, 'arg') & FD_CLOEXEC) !== 0;
        return 0;
      case F_GETFL:
        return e.file.flags & ~O_CLOEXEC;
      case F_SETFL: {
        // Only O_APPEND and O_NONBLOCK can change after open (fcntl(2)).
        const changeable = O_APPEND | O_NONBLOCK;
        e.file.flags = (e.file.flags & (O_ACCMODE | ~changeable)) | (argInt(c, arg, 'arg') & changeable);
        c.kernel.scheduler.changed();
        return 0;
      }
      default: {
        const handler = c.kernel.syscalls[`fcntl:${command}`];
        if (handler) return handler(c, e.file, arg);
        return c.fail('EINVAL', `fcntl command ${command} is not implemented in simos`);
      }
    }
  },
};
