/**
 * Open file descriptions of regular files and directories: the FileOps that read(2), write(2)
 * and close(2) reach through an fd whose description was made by open(2). Offsets live in the
 * OpenFile (shared by dup and fork); O_APPEND picks the end of file and writes in one step, so
 * appends from several processes never overwrite each other.
 */
import type { Call } from './call.ts';
import { O_APPEND, OpenFile, type FileOps } from './file.ts';
import { fileLockHooks, inodeOf, type Inode } from './inode.ts';
import { vfsOf } from './vfs.ts';

const POLLIN = 0x1;
const POLLOUT = 0x4;

/** The path each description was opened by (traces, the fsyncEio fault's `path`). */
const openPaths = new WeakMap<OpenFile, string>();

export function openPath(file: OpenFile): string {
  return openPaths.get(file) ?? '?';
}

const inodeOps: FileOps = {
  describe: (file) => openPath(file),

  read(call, file, count, offset) {
    const node = file.target as Inode;
    vfsOf(call.kernel).checkPower(call);
    if (node.isDir) call.fail('EISDIR', `${openPath(file)} is a directory; use readdir`);
    const at = offset ?? file.offset;
    const data = node.read(at, count);
    if (offset === null) file.offset = at + data.length;
    return data;
  },

  write(call, file, data, offset) {
    const node = file.target as Inode;
    const vfs = vfsOf(call.kernel);
    vfs.checkPower(call);
    // Linux: with O_APPEND even pwrite appends (pwrite(2) BUGS), and the file offset is left alone.
    const append = (file.flags & O_APPEND) !== 0;
    const at = append ? node.size : (offset ?? file.offset);
    const max = call.kernel.limits.maxFileBytes;
    if (data.length === 0) return 0;
    if (at >= max) call.fail('EFBIG', `${openPath(file)} would grow past the simulation's file size limit of ${max} bytes`);
    const n = Math.min(data.length, max - at);
    vfs.write(call, node, openPath(file), at, n === data.length ? data : data.subarray(0, n));
    if (offset === null) file.offset = at + n;
    return n;
  },

  poll: () => POLLIN | POLLOUT,

  release(file) {
    const node = file.target as Inode;
    fileLockHooks()?.released?.(file, node);
    node.openCount--;
  },

  flush(file, owner) {
    fileLockHooks()?.closed?.(file, file.target as Inode, owner);
  },
};

/** A new open file description for `node`; the caller installs it in an fd table (or releases it). */
export function openInode(node: Inode, flags: number, path: string): OpenFile {
  const file = new OpenFile(inodeOps, flags, node);
  openPaths.set(file, path);
  node.openCount++;
  return file;
}

/** Undo `openInode` for a description that never reached an fd table (open failed after making it). */
export function discardUnopened(file: OpenFile): void {
  file.ops.release?.(file);
}

/** The inode behind `fd`'s description, or EINVAL naming what it is instead. */
export function fileInode(call: Call, file: OpenFile, what: string): Inode {
  const node = inodeOf(file);
  if (!node) call.fail('EINVAL', `${file.describe()} is not a file or directory; ${what} needs one`);
  return node;
}
