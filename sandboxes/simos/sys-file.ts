/**
 * File system calls (xv6's sysfile.c): open, the positioned and sync calls on descriptors, and
 * the calls on names. Arguments are checked here; the rules of names live in vfs.ts, the page
 * cache in inode.ts and durability in disk.ts.
 */
import { argBytes, argCount, argFlags, argInt, argString } from './args.ts';
import { BLOCKED, type Call } from './call.ts';
import { O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_TRUNC, type OpenFile } from './file.ts';
import { discardUnopened, fileInode, openInode, openPath } from './inode-file.ts';
import { S_IFDIR, S_IFREG, fileLockHooks, inodeOf, type Inode } from './inode.ts';
import type { SyscallTable } from './kernel.ts';
import { normalizePath } from './namei.ts';
import { fdFile, fdInstall } from './sys-fd.ts';
import { pseudoPath, type PseudoPath } from './pseudofs.ts';
import { vfsOf } from './vfs.ts';

/** open(2) flags beyond file.ts's, Linux values. */
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
/**
 * macOS/BSD only: take a flock(2) lock as part of open (shared / exclusive). Linux has no such
 * flags; simos gives them macOS's values, 0x10 and 0x20, which no Linux open flag uses.
 */
export const O_SHLOCK = 0x10;
export const O_EXLOCK = 0x20;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

const KNOWN_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW | O_SHLOCK | O_EXLOCK;
/** What F_GETFL reports later: the access mode and the status flags (not the creation flags). */
const KEPT_FLAGS = O_ACCMODE | O_APPEND | O_NONBLOCK;

/** What stat(2) returns; times are virtual milliseconds. No owners or permissions are modelled. */
export interface Stat {
  st_dev: number;
  st_ino: number;
  /** File type and permission bits: test with S_ISREG / S_ISDIR / S_ISLNK. */
  st_mode: number;
  st_nlink: number;
  st_size: number;
  st_mtime_ms: number;
}

function statOf(node: Inode): Stat {
  return { st_dev: node.dev, st_ino: node.ino, st_mode: node.mode, st_nlink: node.nlink, st_size: node.size, st_mtime_ms: node.mtimeMs };
}

/** Where `path` lies in a pseudo filesystem (cgroupfs): that filesystem and the path below its mount. */
function pseudo(c: Call, path: unknown): PseudoPath | null {
  if (typeof path !== 'string' || path === '') return null; // the ordinary lookup reports the error
  const vfs = vfsOf(c.kernel);
  const cwd = path.startsWith('/') ? '/' : (vfs.pathOf(vfs.cwd(c)) ?? '/');
  return pseudoPath(c.kernel, normalizePath(cwd, path));
}

/** stat of a pseudo file: its type and a stable inode number; a file's size reads 4096, as kernfs reports. */
function pseudoStat(c: Call, p: PseudoPath, path: unknown): Stat {
  const kind = p.fs.kindOf(p.rel);
  if (!kind) c.fail('ENOENT', `${String(path)} does not exist`);
  const dir = kind === 'dir';
  return { st_dev: p.dev, st_ino: p.ino, st_mode: dir ? S_IFDIR | 0o755 : S_IFREG | 0o644, st_nlink: dir ? 2 : 1, st_size: dir ? 0 : 4096, st_mtime_ms: 0 };
}

/** Descriptions opened in a pseudo filesystem: seekable like files (kernfs supports pread and lseek). */
const pseudoFiles = new WeakSet<OpenFile>();

/** A description pread/pwrite/lseek accept: a file or directory, or a pseudo file; pipes and the like get ESPIPE. */
function seekable(c: Call, fd: unknown): { file: OpenFile; node: Inode | null } {
  const file = fdFile(c, fd);
  const node = inodeOf(file);
  if (!node && !pseudoFiles.has(file)) c.fail('ESPIPE', `${file.describe()} cannot seek`);
  vfsOf(c.kernel).checkPower(c);
  return { file, node };
}

function notInPseudo(c: Call, ...paths: unknown[]): void {
  for (const path of paths) {
    const p = pseudo(c, path);
    if (p) c.fail('EPERM', `${String(path)} is on ${p.mount}, which only supports mkdir, rmdir, open, readdir and stat`);
  }
}

interface PendingOpen {
  file: OpenFile;
  truncate: boolean;
  cloexec: boolean;
}

/**
 * open(2). The path is looked up and the file created on the first attempt; if O_EXLOCK or
 * O_SHLOCK must wait, the call blocks holding that description and retries only the lock.
 */
function open(c: Call, pathArg: unknown, flagsArg: unknown, modeArg: unknown): unknown {
  const vfs = vfsOf(c.kernel);
  vfs.checkPower(c);
  let pending = c.state.open as PendingOpen | undefined;
  if (!pending) {
    const path = argString(c, pathArg, 'path');
    const flags = argFlags(c, flagsArg, 'flags', KNOWN_OPEN_FLAGS);
    const perm = modeArg === undefined ? 0o666 : argCount(c, modeArg, 'mode');
    const acc = flags & O_ACCMODE;
    if (acc === O_ACCMODE) c.fail('EINVAL', 'the access mode must be O_RDONLY, O_WRONLY or O_RDWR');
    if (flags & O_SHLOCK && flags & O_EXLOCK) c.fail('EINVAL', 'O_SHLOCK and O_EXLOCK together');
    if (flags & (O_SHLOCK | O_EXLOCK) && !fileLockHooks()) c.fail('EOPNOTSUPP', 'file locking is not available in this simulation');
    if (c.proc.fds.lowestFree() < 0) c.fail('EMFILE', `pid ${c.proc.pid} has ${c.kernel.limits.maxFds} descriptors open`);
    const exclusive = (flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0;
    const ps = pseudo(c, path);
    if (ps) {
      if (flags & (O_SHLOCK | O_EXLOCK)) c.fail('EOPNOTSUPP', `${ps.mount} does not support locks`);
      if (exclusive && ps.fs.kindOf(ps.rel)) c.fail('EEXIST', `${path} already exists (O_CREAT|O_EXCL)`);
      const file = ps.fs.open(c, ps.rel, flags & KEPT_FLAGS);
      pseudoFiles.add(file);
      return fdInstall(c, file, (flags & O_CLOEXEC) !== 0);
    }
    // With O_CREAT|O_EXCL a final symlink is not followed: it exists, so the open fails (open(2)).
    const at = vfs.lookup(c, path, !(flags & O_NOFOLLOW) && !exclusive);
    let node = at.node;
    let created = false;
    if (!node) {
      if (!(flags & O_CREAT)) c.fail('ENOENT', `${path} does not exist (pass O_CREAT to create it)`);
      if (at.trailingSlash) c.fail('EISDIR', `${path} ends in '/'; open cannot create a directory`);
      node = vfs.createFile(c, at.dir, at.name, perm);
      created = true;
    } else {
      if (exclusive) c.fail('EEXIST', `${path} already exists (O_CREAT|O_EXCL)`);
      if (node.linkTarget) c.fail('ELOOP', `${path} is a symbolic link (O_NOFOLLOW)`);
      if (node.isDir && (flags & O_CREAT || acc !== O_RDONLY)) c.fail('EISDIR', `${path} is a directory; it can only be opened O_RDONLY`);
    }
    if (flags & O_DIRECTORY && !node.isDir) c.fail('ENOTDIR', `${path} is not a directory (O_DIRECTORY)`);
    const file = openInode(node, flags & KEPT_FLAGS, normalizePath(vfs.pathOf(vfs.cwd(c)) ?? '/', path));
    pending = { file, truncate: (flags & O_TRUNC) !== 0 && node.isReg && !created, cloexec: (flags & O_CLOEXEC) !== 0 };
    const lock = flags & (O_SHLOCK | O_EXLOCK);
    if (lock) {
      c.state.open = pending;
      c.state.lock = lock;
      // A signal handler may end the wait with EINTR: the description never reaches an fd then.
      const unopened = pending.file;
      c.state.onInterrupt = () => discardUnopened(unopened);
    }
  }
  const lock = c.state.lock as number | undefined;
  if (lock) {
    let r: unknown;
    try {
      r = fileLockHooks()!.lockOnOpen(c, pending.file, lock === O_EXLOCK, pending.file.nonblocking);
    } catch (e) {
      discardUnopened(pending.file);
      throw e;
    }
    if (r === BLOCKED) return r;
  }
  // The lock (if any) is held before the file is truncated, so O_TRUNC cannot wipe data under another holder.
  const node = pending.file.target as Inode;
  if (pending.truncate) vfs.truncate(c, node, openPath(pending.file), 0);
  try {
    return fdInstall(c, pending.file, pending.cloexec);
  } catch (e) {
    discardUnopened(pending.file);
    throw e;
  }
}

function fileOf(c: Call, fd: unknown, what: string): { file: OpenFile; node: Inode } {
  const file = fdFile(c, fd);
  const node = fileInode(c, file, what);
  vfsOf(c.kernel).checkPower(c);
  return { file, node };
}

export const fileSyscalls: SyscallTable = {
  open,

  pread(c, fd: unknown, count: unknown, offset: unknown) {
    const { file, node } = seekable(c, fd);
    const n = argCount(c, count, 'count');
    const at = argCount(c, offset, 'offset');
    if (!file.readable) c.fail('EBADF', `fd ${fd} was not opened for reading`);
    if (node?.isDir) c.fail('EISDIR', `${openPath(file)} is a directory`);
    const read = file.ops.read;
    if (!read) return c.fail('EINVAL', `${file.describe()} cannot be read`);
    return read.call(file.ops, c, file, n, at);
  },

  pwrite(c, fd: unknown, data: unknown, offset: unknown) {
    const { file } = seekable(c, fd);
    const bytes = argBytes(c, data, 'data');
    const at = argCount(c, offset, 'offset');
    if (!file.writable) c.fail('EBADF', `fd ${fd} was not opened for writing`);
    const write = file.ops.write;
    if (!write) return c.fail('EINVAL', `${file.describe()} cannot be written`);
    return write.call(file.ops, c, file, bytes, at);
  },

  lseek(c, fd: unknown, offset: unknown, whence: unknown) {
    const { file, node } = seekable(c, fd);
    const off = argInt(c, offset, 'offset');
    const w = argInt(c, whence, 'whence');
    let base: number;
    if (w === SEEK_SET) base = 0;
    else if (w === SEEK_CUR) base = file.offset;
    else if (w === SEEK_END && node) base = node.size;
    else return c.fail('EINVAL', `whence must be SEEK_SET, SEEK_CUR or SEEK_END${node ? '' : ' (SEEK_END only on files)'}, got ${w}`);
    if (base + off < 0) c.fail('EINVAL', `the resulting offset ${base + off} would be negative`);
    file.offset = base + off;
    return file.offset;
  },

  ftruncate(c, fd: unknown, length: unknown) {
    const { file, node } = fileOf(c, fd, 'ftruncate');
    const size = argInt(c, length, 'length');
    if (size < 0) c.fail('EINVAL', `length ${size} is negative`);
    if (!node.isReg || !file.writable) c.fail('EINVAL', `fd ${fd} is not a regular file open for writing`);
    if (size > c.kernel.limits.maxFileBytes) c.fail('EFBIG', `${size} bytes is past the simulation's file size limit of ${c.kernel.limits.maxFileBytes}`);
    vfsOf(c.kernel).truncate(c, node, openPath(file), size);
    return 0;
  },

  fsync(c, fd: unknown) {
    const { file, node } = fileOf(c, fd, 'fsync');
    vfsOf(c.kernel).sync(c, node, openPath(file), false);
    return 0;
  },

  fdatasync(c, fd: unknown) {
    const { file, node } = fileOf(c, fd, 'fdatasync');
    vfsOf(c.kernel).sync(c, node, openPath(file), true);
    return 0;
  },

  fstat(c, fd: unknown) {
    return statOf(fileOf(c, fd, 'fstat').node);
  },

  stat(c, path: unknown) {
    const p = pseudo(c, path);
    if (p) return pseudoStat(c, p, path);
    return statOf(vfsOf(c.kernel).resolve(c, path, true));
  },

  lstat(c, path: unknown) {
    const p = pseudo(c, path);
    if (p) return pseudoStat(c, p, path);
    return statOf(vfsOf(c.kernel).resolve(c, path, false));
  },

  unlink(c, path: unknown) {
    notInPseudo(c, path);
    vfsOf(c.kernel).unlink(c, path);
    return 0;
  },

  rename(c, oldPath: unknown, newPath: unknown) {
    notInPseudo(c, oldPath, newPath);
    vfsOf(c.kernel).rename(c, oldPath, newPath);
    return 0;
  },

  link(c, oldPath: unknown, newPath: unknown) {
    notInPseudo(c, oldPath, newPath);
    vfsOf(c.kernel).link(c, oldPath, newPath);
    return 0;
  },

  symlink(c, target: unknown, path: unknown) {
    notInPseudo(c, path);
    vfsOf(c.kernel).symlink(c, argString(c, target, 'target'), path);
    return 0;
  },

  readlink(c, path: unknown) {
    const node = vfsOf(c.kernel).resolve(c, path, false);
    if (!node.linkTarget) c.fail('EINVAL', `${String(path)} is not a symbolic link`);
    return node.linkTarget;
  },

  mkdir(c, path: unknown, mode: unknown) {
    const p = pseudo(c, path);
    if (p) return (p.fs.mkdir(c, p.rel), 0);
    vfsOf(c.kernel).mkdir(c, path, mode === undefined ? 0o777 : argCount(c, mode, 'mode'));
    return 0;
  },

  rmdir(c, path: unknown) {
    const p = pseudo(c, path);
    if (p) return (p.fs.rmdir(c, p.rel), 0);
    vfsOf(c.kernel).rmdir(c, path);
    return 0;
  },

  readdir(c, path: unknown) {
    const p = pseudo(c, path);
    if (p) return p.fs.readdir(c, p.rel).slice().sort();
    const node = vfsOf(c.kernel).resolve(c, path, true);
    if (!node.isDir) c.fail('ENOTDIR', `${String(path)} is not a directory`);
    return [...node.entries!.keys()].sort();
  },

  chdir(c, path: unknown) {
    notInPseudo(c, path);
    const node = vfsOf(c.kernel).resolve(c, path, true);
    if (!node.isDir) c.fail('ENOTDIR', `${String(path)} is not a directory`);
    c.proc.ext.cwd = node;
    return 0;
  },

  getcwd(c) {
    const vfs = vfsOf(c.kernel);
    const path = vfs.pathOf(vfs.cwd(c));
    if (path === null) c.fail('ENOENT', 'the working directory has been removed');
    return path;
  },
};
