/**
 * The file system of one machine: the mounted devices, the name operations (create, link,
 * unlink, rename, mkdir, rmdir, symlink) with the rules of their man pages, and the data
 * operations on inodes. Each operation changes the page cache (the Inode tree) and issues a
 * DiskOp to the device, which decides what is durable (disk.ts). The optional recording of those
 * ops is what the crash-state enumerator replays (crash.ts).
 *
 * One Vfs per kernel, at `kernel.ext.vfs`, created on the first file call (or by
 * `sim.configureDisk`).
 */
import type { Call } from './call.ts';
import { Device } from './device.ts';
import { DiskImage } from './disk-image.ts';
import type { DiskOp } from './disk.ts';
import type { Kernel } from './kernel.ts';
import { Inode, S_IFDIR, S_IFLNK, S_IFREG } from './inode.ts';
import { lookup, resolve, type Lookup, type NameSpace } from './namei.ts';
import type { Rng } from './rng.ts';

/** Faults are off unless asked for; each is typed and documented here (TigerBeetle style). */
export interface DiskFaults {
  /**
   * fsync/fdatasync of a regular file fails with EIO, and — as Linux does after a write-back
   * error — the file's dirty data is marked clean without reaching the disk: a retried fsync then
   * succeeds although the data is not durable (PostgreSQL's "fsyncgate"). Which calls fail:
   * `path` (the path the file was opened by; default any file), then the `nth` matching call
   * (1-based), and/or each matching call with `probability` (seeded). Neither: the first match.
   */
  fsyncEio?: { path?: string; nth?: number; probability?: number };
}

export interface DiskOptions {
  /** Boot on this disk (a power cut's survivor, a crash state); default: a fresh DiskImage.create(). */
  image?: DiskImage;
  /** Files to put on the disk before boot, durable, with their contents: `{ '/data/version': '1' }`. */
  files?: Record<string, string | Uint8Array>;
  faults?: DiskFaults;
  /** Keep every disk operation of the run for `enumerateCrashStates` (costs a copy of every write). */
  record?: boolean;
}

/** One disk operation of a run, as the enumerator replays it. */
export interface RecordedOp {
  /** Position in the run: 0 for the first disk operation. */
  seq: number;
  timeMs: number;
  pid: number;
  op: DiskOp;
  /** In words: `write /data/log [0, 100)`, `fsync /data`. */
  what: string;
}

export interface DiskRecording {
  /** The disk the run booted on. */
  readonly initial: DiskImage;
  readonly ops: RecordedOp[];
}

export class Vfs implements NameSpace {
  readonly devices: Device[];
  readonly root: Inode;
  readonly recording: DiskRecording | null;
  readonly faults: DiskFaults;
  readonly faultRng: Rng;
  /** Set by a power cut: the machine is off and every file call fails with EIO. */
  poweredOff = false;
  #seq = 0;
  #fsyncMatches = 0;
  readonly #mounts = new Map<Inode, Device>();
  /** Device root -> the directory it is mounted on. */
  readonly #mountedOn = new Map<Inode, Inode>();

  constructor(
    readonly kernel: Kernel,
    opts: DiskOptions = {},
  ) {
    let image = opts.image ?? DiskImage.create();
    for (const [path, content] of Object.entries(opts.files ?? {})) image = image.withFile(path, content);
    this.faults = opts.faults ?? {};
    this.faultRng = kernel.rng.fork('disk-faults');
    this.recording = opts.record ? { initial: image, ops: [] } : null;
    this.devices = image.devices.map((d) => new Device(d, (dev, op, label) => this.#issue(dev, op, label)));
    this.root = this.devices[0]!.root;
    for (const d of this.devices.slice(1)) this.#mount(d);
    // A child starts in its parent's working directory (fork(2)).
    kernel.hooks.afterFork.push((parent, child) => {
      if (parent.ext.cwd) child.ext.cwd = parent.ext.cwd;
    });
  }

  /** Attach `d` on its mount point, a directory reached through the devices mounted before it. */
  #mount(d: Device): void {
    let at = this.root;
    for (const part of d.mountPath.split('/').filter(Boolean)) {
      const next = at.entries?.get(part);
      if (!next?.isDir) throw new Error(`cannot mount ${d.mountPath}: ${part} is not a directory on the disk image`);
      at = this.#mounts.get(next)?.root ?? next;
    }
    if (this.#mountedOn.has(at)) throw new Error(`cannot mount ${d.mountPath}: something is mounted there already`);
    this.#mounts.set(at, d);
    this.#mountedOn.set(d.root, at);
  }

  // ---------------------------------------------------------------- NameSpace

  mountedAt(dir: Inode): Inode | undefined {
    return this.#mounts.get(dir)?.root;
  }

  parentOf(dir: Inode): Inode {
    if (dir === this.root) return dir;
    // '..' at a device root leaves the mount: it is the mount point's parent.
    const at = this.#mountedOn.get(dir) ?? dir;
    return at.parent ?? at;
  }

  cwd(call: Call): Inode {
    return (call.proc.ext.cwd as Inode | undefined) ?? this.root;
  }

  /** A device root or the root: rename, rmdir and unlink of these fail with EBUSY. */
  isMountRoot(node: Inode): boolean {
    return node === this.root || this.#mountedOn.has(node);
  }

  lookup(call: Call, path: unknown, followLast: boolean): Lookup {
    this.checkPower(call);
    return lookup(call, this, path, followLast);
  }

  resolve(call: Call, path: unknown, follow = true): Inode {
    this.checkPower(call);
    return resolve(call, this, path, follow);
  }

  checkPower(call: Call): void {
    if (this.poweredOff) call.fail('EIO', 'the machine lost power (sim.powerCut); boot a new one with sim.reboot()');
  }

  /** The absolute path of directory `dir` by walking '..' (getcwd(3)); null if it was removed. */
  pathOf(dir: Inode): string | null {
    const parts: string[] = [];
    let cur = dir;
    while (cur !== this.root) {
      if (cur.nlink === 0) return null;
      const at = this.#mountedOn.get(cur) ?? cur;
      const parent = at.parent;
      if (!parent) return null;
      const name = [...parent.entries!].find(([, n]) => n === at)?.[0];
      if (name === undefined) return null;
      parts.unshift(name);
      cur = parent;
    }
    return '/' + parts.join('/');
  }

  // ---------------------------------------------------------------- names

  /** A new regular file, directory or symlink named `name` in `dir` (the caller checked it is free). */
  create(call: Call, dir: Inode, name: string, mode: number, linkTarget = ''): Inode {
    const device = dir.device as Device;
    const node = new Inode(device, device.allocIno(), mode, call.nowMs, linkTarget);
    dir.entries!.set(name, node);
    if (node.isDir) {
      node.parent = dir;
      node.nlink = 2;
      dir.nlink++;
    } else node.nlink = 1;
    dir.mtimeMs = call.nowMs;
    device.issue({ op: 'link', dev: device.dev, dir: dir.ino, name, ino: node.ino, mode, target: linkTarget }, () => `create ${this.#nameIn(dir, name)}`);
    return node;
  }

  createFile(call: Call, dir: Inode, name: string, perm: number): Inode {
    return this.create(call, dir, name, S_IFREG | (perm & 0o7777));
  }

  mkdir(call: Call, path: unknown, perm: number): void {
    const at = this.lookup(call, path, false);
    if (at.node || at.name === '.' || at.name === '..') call.fail('EEXIST', `${String(path)} already exists`);
    this.create(call, at.dir, at.name, S_IFDIR | (perm & 0o7777));
  }

  symlink(call: Call, target: string, path: unknown): void {
    if (target === '') call.fail('ENOENT', 'the symlink target is empty');
    const at = this.lookup(call, path, false);
    if (at.node || at.name === '.' || at.name === '..') call.fail('EEXIST', `${String(path)} already exists`);
    if (at.trailingSlash) call.fail('ENOENT', `${String(path)} ends in '/'`);
    this.create(call, at.dir, at.name, S_IFLNK | 0o777, target);
  }

  link(call: Call, oldPath: unknown, newPath: unknown): void {
    // link(2) on Linux does not follow a symlink given as oldpath: it links the symlink itself.
    const node = this.resolve(call, oldPath, false);
    if (node.isDir) call.fail('EPERM', `${String(oldPath)} is a directory; directories cannot be hard-linked`);
    const at = this.lookup(call, newPath, false);
    if (at.node || at.name === '.' || at.name === '..') call.fail('EEXIST', `${String(newPath)} already exists`);
    if (at.dir.device !== node.device) {
      call.fail('EXDEV', `${String(oldPath)} is on device ${node.dev} (${node.device.mountPath}) and ${String(newPath)} on ${at.dir.dev}; hard links cannot cross devices`);
    }
    at.dir.entries!.set(at.name, node);
    node.nlink++;
    at.dir.mtimeMs = call.nowMs;
    const device = node.device as Device;
    device.issue({ op: 'link', dev: device.dev, dir: at.dir.ino, name: at.name, ino: node.ino, mode: node.mode, target: node.linkTarget }, () => `link ${String(oldPath)} as ${this.#nameIn(at.dir, at.name)}`);
  }

  unlink(call: Call, path: unknown): void {
    const at = this.lookup(call, path, false);
    if (!at.node) call.fail('ENOENT', `${String(path)} does not exist`);
    // Linux returns EISDIR (POSIX says EPERM) for unlink of a directory: use rmdir.
    if (at.node.isDir) call.fail('EISDIR', `${String(path)} is a directory; use rmdir`);
    this.#removeName(call, at.dir, at.name, at.node);
  }

  rmdir(call: Call, path: unknown): void {
    const at = this.lookup(call, path, false);
    if (at.name === '.') call.fail('EINVAL', `${String(path)} ends in '.'`);
    if (at.name === '..') call.fail('ENOTEMPTY', `${String(path)} ends in '..'`);
    if (!at.node) call.fail('ENOENT', `${String(path)} does not exist`);
    if (!at.node.isDir) call.fail('ENOTDIR', `${String(path)} is not a directory`);
    if (this.isMountRoot(at.node)) call.fail('EBUSY', `${String(path)} is a mount point`);
    if (at.node.entries!.size > 0) call.fail('ENOTEMPTY', `${String(path)} contains ${[...at.node.entries!.keys()].sort().slice(0, 3).join(', ')}`);
    this.#removeName(call, at.dir, at.name, at.node);
  }

  #removeName(call: Call, dir: Inode, name: string, node: Inode): void {
    dir.entries!.delete(name);
    this.#dropLink(dir, node);
    dir.mtimeMs = call.nowMs;
    const device = dir.device as Device;
    device.issue({ op: 'unlink', dev: device.dev, dir: dir.ino, name }, () => `remove ${this.#nameIn(dir, name)}`);
  }

  /** `node` lost its name in `dir`: a directory loses '.' and its parent's '..' link too. */
  #dropLink(dir: Inode, node: Inode): void {
    if (node.isDir) {
      node.nlink = 0;
      dir.nlink--;
    } else node.nlink--;
  }

  /**
   * rename(2): atomically make `newPath` name what `oldPath` names, replacing any file there. A
   * process opening `newPath` meanwhile sees the old file or the new one, never neither.
   */
  rename(call: Call, oldPath: unknown, newPath: unknown): void {
    const src = this.lookup(call, oldPath, false);
    if (src.name === '.' || src.name === '..') call.fail('EBUSY', `${String(oldPath)} ends in '${src.name}'`);
    if (!src.node) call.fail('ENOENT', `${String(oldPath)} does not exist`);
    const dst = this.lookup(call, newPath, false);
    if (dst.name === '.' || dst.name === '..') call.fail('EBUSY', `${String(newPath)} ends in '${dst.name}'`);
    const node = src.node;
    if (src.dir.device !== dst.dir.device) {
      call.fail('EXDEV', `${String(oldPath)} is on ${src.dir.device.mountPath} (device ${src.dir.dev}) and ${String(newPath)} on ${dst.dir.device.mountPath} (device ${dst.dir.dev}); rename cannot move between devices (copy, then unlink)`);
    }
    if (this.isMountRoot(node) || (dst.node && this.isMountRoot(dst.node))) call.fail('EBUSY', 'a mount point cannot be renamed or replaced');
    if (!node.isDir && (src.trailingSlash || dst.trailingSlash)) call.fail('ENOTDIR', 'a path ending in / must name a directory');
    if (dst.node === node) return; // two names of one inode: rename(2) does nothing and succeeds
    if (node.isDir) {
      if (dst.node && !dst.node.isDir) call.fail('ENOTDIR', `${String(newPath)} is not a directory`);
      if (dst.node && dst.node.entries!.size > 0) call.fail('ENOTEMPTY', `${String(newPath)} is a directory that is not empty`);
      for (let d: Inode | null = dst.dir; ; d = d.parent) {
        if (d === node) call.fail('EINVAL', `cannot move ${String(oldPath)} into its own subdirectory ${String(newPath)}`);
        if (!d || d.parent === d || d === this.root) break;
      }
    } else if (dst.node?.isDir) call.fail('EISDIR', `${String(newPath)} is a directory`);
    if (dst.node) this.#dropLink(dst.dir, dst.node);
    src.dir.entries!.delete(src.name);
    dst.dir.entries!.set(dst.name, node);
    if (node.isDir && src.dir !== dst.dir) {
      src.dir.nlink--;
      dst.dir.nlink++;
      node.parent = dst.dir;
    }
    src.dir.mtimeMs = dst.dir.mtimeMs = call.nowMs;
    const device = node.device as Device;
    device.issue({ op: 'rename', dev: device.dev, fromDir: src.dir.ino, fromName: src.name, toDir: dst.dir.ino, toName: dst.name, ino: node.ino }, () => `rename ${this.#nameIn(src.dir, src.name)} -> ${this.#nameIn(dst.dir, dst.name)}`);
  }

  // ---------------------------------------------------------------- data

  /** Store `data` at `offset` of `node` (known to the caller as `path`, for the recording). */
  write(call: Call, node: Inode, path: string, offset: number, data: Uint8Array): void {
    node.write(offset, data);
    node.mtimeMs = call.nowMs;
    const device = node.device as Device;
    const op: DiskOp = { op: 'write', dev: device.dev, ino: node.ino, mode: node.mode, offset, data: data.slice() };
    device.issue(op, () => `write ${path} [${offset}, ${offset + data.length})`);
  }

  truncate(call: Call, node: Inode, path: string, size: number): void {
    node.truncate(size);
    node.mtimeMs = call.nowMs;
    const device = node.device as Device;
    device.issue({ op: 'truncate', dev: device.dev, ino: node.ino, mode: node.mode, size }, () => `truncate ${path} to ${size} bytes`);
  }

  /**
   * fsync(2)/fdatasync(2) of `node` opened as `path`: a file's data and size (and mtime, unless
   * `dataOnly`) become durable; for a directory, the names created, removed or renamed in it.
   */
  sync(call: Call, node: Inode, path: string, dataOnly: boolean): void {
    const device = node.device as Device;
    if (node.isReg && this.#fsyncFails(path)) {
      device.issue({ op: 'lose', dev: device.dev, ino: node.ino }, () => `EIO on ${dataOnly ? 'fdatasync' : 'fsync'} ${path}: its pending writes are dropped`);
      call.fail('EIO', `write-back of ${path} failed (injected fault fsyncEio); its dirty pages are now marked clean, the data is not on disk`);
    }
    const op: DiskOp = { op: 'sync', dev: device.dev, ino: node.ino, ...(dataOnly ? {} : { mtimeMs: node.mtimeMs }) };
    device.issue(op, () => `${dataOnly ? 'fdatasync' : 'fsync'} ${path}`);
  }

  #fsyncFails(path: string): boolean {
    const f = this.faults.fsyncEio;
    if (!f || (f.path !== undefined && f.path !== path)) return false;
    const n = ++this.#fsyncMatches;
    if (f.nth === undefined && f.probability === undefined) return n === 1;
    return n === f.nth || (f.probability !== undefined && this.faultRng.chance(f.probability));
  }

  // ---------------------------------------------------------------- the disk op log

  #issue(device: Device, op: DiskOp, label: () => string): void {
    const seq = this.#seq++;
    if (this.recording) {
      const cur = this.kernel.scheduler.current;
      this.recording.ops.push({ seq, timeMs: this.kernel.clock.nowMs, pid: cur?.proc.pid ?? 0, op, what: label() });
    }
    device.disk.issue(seq, op);
  }

  /** `dir/name` as a path, for the recording. */
  #nameIn(dir: Inode, name: string): string {
    const d = this.pathOf(dir) ?? `(removed directory ${dir.dev}:${dir.ino})`;
    return d === '/' ? `/${name}` : `${d}/${name}`;
  }
}

/**
 * The machine's file system, created on first use with the options stored at
 * `kernel.ext['vfs.options']` (where a Sim constructor can put SimOptions.disk), else defaults.
 */
export function vfsOf(kernel: Kernel): Vfs {
  return ((kernel.ext.vfs as Vfs | undefined) ??= new Vfs(kernel, kernel.ext['vfs.options'] as DiskOptions | undefined));
}

