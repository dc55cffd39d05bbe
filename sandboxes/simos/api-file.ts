/**
 * File calls on `k`: open, positioned I/O, sync, stat, and the calls on names. The man-page
 * rules and the errors each can give are in the docs below; docs/simos.md says where simos
 * simplifies Linux (no owners or permissions, mtime in virtual ms, a modelled disk).
 */
import type { Stat } from './sys-file.ts';
import { Sys } from './sys.ts';

declare module './sys.ts' {
  interface Sys {
    /**
     * open(2): a new open file description for `path` on the lowest free fd. `flags`: one of
     * O_RDONLY/O_WRONLY/O_RDWR, plus O_CREAT (create if missing, with `mode`, default 0o666),
     * O_EXCL (with O_CREAT: fail if it exists), O_TRUNC, O_APPEND (every write goes to the end,
     * atomically), O_NONBLOCK, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, and macOS's O_SHLOCK/O_EXLOCK
     * (take a flock lock as part of the open; with O_NONBLOCK fail with EWOULDBLOCK instead of
     * waiting; the path is looked up *before* the lock is taken). A directory opens O_RDONLY only
     * (to fsync it). Errors: ENOENT, EEXIST, EISDIR, ENOTDIR, ELOOP, EMFILE, ENAMETOOLONG,
     * EWOULDBLOCK (EAGAIN), EOPNOTSUPP, EINTR, EINVAL.
     */
    open(path: string, flags: number, mode?: number): Promise<number>;
    /** pread(2): read up to `count` bytes at `offset` without moving the file offset. Errors: EBADF, EISDIR, EINVAL, ESPIPE. */
    pread(fd: number, count: number, offset: number): Promise<Uint8Array>;
    /**
     * pwrite(2): write at `offset` without moving the file offset. As on Linux, if the file was
     * opened O_APPEND the data goes to the end whatever `offset` says. Errors: EBADF, EFBIG, EINVAL.
     */
    pwrite(fd: number, data: Uint8Array | string, offset: number): Promise<number>;
    /**
     * lseek(2): set the file offset to `offset` from SEEK_SET (0), SEEK_CUR (1) or SEEK_END (2);
     * returns the new offset. Seeking past the end is allowed (a later write leaves a hole of
     * zeros). Errors: EBADF, EINVAL (negative result, bad whence), ESPIPE (pipes).
     */
    lseek(fd: number, offset: number, whence: number): Promise<number>;
    /** ftruncate(2): set the file's size (cut, or extend with zeros). Errors: EBADF, EINVAL (not open for writing, not a regular file), EFBIG. */
    ftruncate(fd: number, length: number): Promise<0>;
    /**
     * fsync(2): make the file's data and metadata (size, mtime) durable, so they survive a power
     * cut. It does NOT make the file's *name* durable: fsync the directory for that (open it
     * O_RDONLY and fsync that fd), which persists the creates, unlinks and renames in it.
     * Errors: EBADF, EINVAL (a pipe), EIO (a write-back error: on Linux the failed pages are
     * then marked clean, so a retry can "succeed" with the data lost — treat EIO as fatal).
     */
    fsync(fd: number): Promise<0>;
    /** fdatasync(2): like fsync, but skips metadata not needed to read the data back (mtime); size changes are still flushed. */
    fdatasync(fd: number): Promise<0>;
    /** fstat(2): the status of the file behind `fd` (also works after the file was unlinked: st_nlink is then 0). */
    fstat(fd: number): Promise<Stat>;
    /**
     * stat(2): the status of the file `path` names, following symlinks. A file's identity is
     * (st_dev, st_ino): inode numbers repeat across devices. Errors: ENOENT, ENOTDIR, ELOOP.
     */
    stat(path: string): Promise<Stat>;
    /** lstat(2): like stat, but a symlink reports itself instead of its target. */
    lstat(path: string): Promise<Stat>;
    /**
     * unlink(2): remove the name `path`. The file itself lives on while any descriptor refers to
     * it (st_nlink 0); a later open(O_CREAT) of the same path makes a new, different file.
     * Errors: ENOENT, ENOTDIR, EISDIR (a directory: use rmdir).
     */
    unlink(path: string): Promise<0>;
    /**
     * rename(2): make `newPath` name the file `oldPath` names, atomically replacing whatever
     * `newPath` named: anyone opening `newPath` sees the old file or the new one, never neither.
     * (Atomic in visibility; for durability fsync the directory afterwards.) Errors: ENOENT,
     * EXDEV (different devices), EISDIR, ENOTDIR, ENOTEMPTY, EINVAL (a directory into itself),
     * EBUSY (a mount point).
     */
    rename(oldPath: string, newPath: string): Promise<0>;
    /** link(2): a second name for a file (not a directory). Errors: EEXIST, ENOENT, EPERM (a directory), EXDEV. */
    link(oldPath: string, newPath: string): Promise<0>;
    /** symlink(2): create `path` as a symbolic link to `target` (which need not exist). Errors: EEXIST, ENOENT. */
    symlink(target: string, path: string): Promise<0>;
    /** readlink(2): the target of the symbolic link `path`. Errors: EINVAL (not a symlink), ENOENT. */
    readlink(path: string): Promise<string>;
    /** mkdir(2). Errors: EEXIST, ENOENT (parent missing), ENOTDIR. */
    mkdir(path: string, mode?: number): Promise<0>;
    /** rmdir(2): remove an empty directory. Errors: ENOTEMPTY, ENOTDIR, ENOENT, EBUSY (a mount point), EINVAL (path ends in '.'). */
    rmdir(path: string): Promise<0>;
    /** The names in directory `path`, sorted, without '.' and '..' (readdir(3) in one call). Errors: ENOENT, ENOTDIR. */
    readdir(path: string): Promise<string[]>;
    /** chdir(2): relative paths of this process resolve from `path` from now on (children inherit it). */
    chdir(path: string): Promise<0>;
    /** getcwd(3): the working directory's absolute path. ENOENT if it was removed. */
    getcwd(): Promise<string>;
  }
}

Sys.prototype.open = function (path, flags, mode) {
  return this.call('open', mode === undefined ? [path, flags] : [path, flags, mode]);
};
Sys.prototype.pread = function (fd, count, offset) {
  return this.call('pread', [fd, count, offset]);
};
Sys.prototype.pwrite = function (fd, data, offset) {
  return this.call('pwrite', [fd, data, offset]);
};
Sys.prototype.lseek = function (fd, offset, whence) {
  return this.call('lseek', [fd, offset, whence]);
};
Sys.prototype.ftruncate = function (fd, length) {
  return this.call('ftruncate', [fd, length]);
};
Sys.prototype.fsync = function (fd) {
  return this.call('fsync', [fd]);
};
Sys.prototype.fdatasync = function (fd) {
  return this.call('fdatasync', [fd]);
};
Sys.prototype.fstat = function (fd) {
  return this.call('fstat', [fd]);
};
Sys.prototype.stat = function (path) {
  return this.call('stat', [path]);
};
Sys.prototype.lstat = function (path) {
  return this.call('lstat', [path]);
};
Sys.prototype.unlink = function (path) {
  return this.call('unlink', [path]);
};
Sys.prototype.rename = function (oldPath, newPath) {
  return this.call('rename', [oldPath, newPath]);
};
Sys.prototype.link = function (oldPath, newPath) {
  return this.call('link', [oldPath, newPath]);
};
Sys.prototype.symlink = function (target, path) {
  return this.call('symlink', [target, path]);
};
Sys.prototype.readlink = function (path) {
  return this.call('readlink', [path]);
};
Sys.prototype.mkdir = function (path, mode) {
  return this.call('mkdir', mode === undefined ? [path] : [path, mode]);
};
Sys.prototype.rmdir = function (path) {
  return this.call('rmdir', [path]);
};
Sys.prototype.readdir = function (path) {
  return this.call('readdir', [path]);
};
Sys.prototype.chdir = function (path) {
  return this.call('chdir', [path]);
};
Sys.prototype.getcwd = function () {
  return this.call('getcwd', []);
};
