/**
 * Descriptor calls on `k` (read, write, close, dup, dup2, fcntl). Pattern for every api-*.ts:
 * declare the methods on `Sys` with their docs, then define them as one-line `this.call`s.
 */
import { Sys } from './sys.ts';

declare module './sys.ts' {
  interface Sys {
    /**
     * read(2): up to `count` bytes from `fd`. An empty array means end of file (or a pipe with no
     * writers left). Blocks when nothing is available, unless the description is O_NONBLOCK
     * (then EAGAIN). Errors: EBADF, EAGAIN, EINTR, EINVAL, EIO.
     */
    read(fd: number, count: number): Promise<Uint8Array>;
    /**
     * write(2): write `data` (bytes, or a string as UTF-8) to `fd`; returns how many bytes were
     * written, which can be fewer than asked for non-blocking pipes. Errors: EBADF, EAGAIN, EPIPE
     * (and SIGPIPE), EINTR, EFBIG, ENOSPC, EIO.
     */
    write(fd: number, data: Uint8Array | string): Promise<number>;
    /**
     * close(2): release `fd`. The open file description (and its flock locks) goes away when its
     * last descriptor in any process closes. Any POSIX record lock the process holds on the file
     * is released by closing *any* descriptor of it. Errors: EBADF.
     */
    close(fd: number): Promise<0>;
    /** dup(2): a new descriptor (the lowest free) for the same open file description. */
    dup(fd: number): Promise<number>;
    /** dup2(2): make `newfd` refer to `oldfd`'s description, closing `newfd` first if open. */
    dup2(oldfd: number, newfd: number): Promise<number>;
    /**
     * fcntl(2). Commands: F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL
     * (O_APPEND, O_NONBLOCK), plus the lock commands (see the locks calls).
     */
    fcntl(fd: number, cmd: number, arg?: unknown): Promise<any>;
  }
}

Sys.prototype.read = function (fd, count) {
  return this.call('read', [fd, count]);
};
Sys.prototype.write = function (fd, data) {
  return this.call('write', [fd, data]);
};
Sys.prototype.close = function (fd) {
  return this.call('close', [fd]);
};
Sys.prototype.dup = function (fd) {
  return this.call('dup', [fd]);
};
Sys.prototype.dup2 = function (oldfd, newfd) {
  return this.call('dup2', [oldfd, newfd]);
};
// The lock commands add typed overloads to fcntl (api-lock.ts); one implementation serves them all.
Sys.prototype.fcntl = function (this: Sys, fd: number, cmd: number, arg?: unknown) {
  return this.call('fcntl', [fd, cmd, arg]);
} as Sys['fcntl'];
