/**
 * Inodes (xv6's struct inode): the file itself, apart from any name for it. A name is a
 * directory entry pointing at an inode; unlink(2) removes the name, and the inode lives on while
 * any open file description still refers to it. A file's identity is the pair (dev, ino):
 * inode numbers are unique only within one device, and simos deliberately gives two devices
 * colliding numbers so code that compares st_ino alone is caught.
 *
 * The Inode object is stable for the file's whole life, so other subsystems (the lock tables)
 * hang per-file state on `inode.ext`. What processes see (the page cache) lives here; what would
 * survive a power cut lives in the device's durable image (disk.ts).
 */
import type { BLOCKED, Call } from './call.ts';
import type { FdTable } from './fdtable.ts';
import type { OpenFile } from './file.ts';

/** File type bits of st_mode (inode(7)); permission bits are kept but never checked. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export const S_ISREG = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const S_ISDIR = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const S_ISLNK = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;

/**
 * 'disk': a local filesystem with a page cache and durable state. 'nfs': the same durability
 * model, but lock calls follow NFS rules (flock emulated as a whole-file fcntl lock, flock(2)).
 */
export type DeviceKind = 'disk' | 'nfs';

/** What an inode knows about the device it lives on (device.ts implements it). */
export interface InodeDevice {
  /** st_dev. */
  readonly dev: number;
  readonly kind: DeviceKind;
  /** Where it is mounted: '/', '/tmp', '/mnt/nfs'. */
  readonly mountPath: string;
}

export class Inode {
  /** Directory entries, name -> inode (directories only; no '.' or '..' stored). */
  readonly entries: Map<string, Inode> | null;
  /** The directory holding this one, for '..' (directories only; a device root points at itself). */
  parent: Inode | null = null;
  /** Names pointing here (st_nlink); a directory counts its entry, its '.', and each subdirectory's '..'. */
  nlink = 0;
  /** File contents as processes see them; only the first `size` bytes are meaningful. */
  #buf = new Uint8Array(0);
  size = 0;
  mtimeMs: number;
  /** Symlink target (symlinks only). */
  readonly linkTarget: string;
  /** Open file descriptions referring to this inode. */
  openCount = 0;
  /** Per-subsystem state keyed by subsystem name: the lock tables of this file live at `ext.locks`. */
  readonly ext: Record<string, unknown> = {};

  constructor(
    readonly device: InodeDevice,
    /** st_ino: unique on its device only. */
    readonly ino: number,
    /** st_mode: type | permission bits. */
    readonly mode: number,
    nowMs: number,
    linkTarget = '',
  ) {
    this.entries = S_ISDIR(mode) ? new Map() : null;
    this.mtimeMs = nowMs;
    this.linkTarget = linkTarget;
    if (S_ISLNK(mode)) this.size = new TextEncoder().encode(linkTarget).length;
  }

  get dev(): number {
    return this.device.dev;
  }

  /** `dev:ino`, the identity as one string (a Map key for per-file tables). */
  get key(): string {
    return `${this.device.dev}:${this.ino}`;
  }

  get isDir(): boolean {
    return this.entries !== null;
  }

  get isReg(): boolean {
    return S_ISREG(this.mode);
  }

  /** Bytes [offset, offset+count) clipped to the size (a copy). */
  read(offset: number, count: number): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0);
    return this.#buf.slice(offset, Math.min(this.size, offset + count));
  }

  /** Store `data` at `offset`, growing the file (a hole reads as zeros). */
  write(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    this.#reserve(end);
    this.#buf.set(data, offset);
    if (end > this.size) this.size = end;
  }

  /** Set the size: shrinking drops bytes, growing adds zeros (ftruncate(2)). */
  truncate(size: number): void {
    if (size < this.size) this.#buf.fill(0, size, this.size);
    else this.#reserve(size);
    this.size = size;
  }

  /** The whole contents (a copy). */
  contents(): Uint8Array {
    return this.#buf.slice(0, this.size);
  }

  #reserve(n: number): void {
    if (n <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(n, this.#buf.length * 2, 64));
    grown.set(this.#buf.subarray(0, this.size));
    this.#buf = grown;
  }
}

/** The inode behind an open file description, or null if it is a pipe, socket, console, ... */
export function inodeOf(file: OpenFile): Inode | null {
  return file.target instanceof Inode ? file.target : null;
}

/**
 * What the lock subsystem plugs into the file layer (registered once at import time, so it works
 * for every kernel). Without a registration, open(O_EXLOCK/O_SHLOCK) fails with EOPNOTSUPP.
 */
export interface FileLockHooks {
  /**
   * open(2) with O_EXLOCK/O_SHLOCK (macOS): take a flock(2)-style lock on `file`, which is not in
   * any fd table yet. Return `call.block(...)` to wait: open is re-run and calls this again with
   * the same `file` (the path is NOT looked up again — the lookup happens before the lock, as on
   * macOS). Throw SysError to fail open (EAGAIN for EWOULDBLOCK when `nonblock`, EOPNOTSUPP,
   * ...); open then releases `file`. Return nothing once the lock is held.
   */
  lockOnOpen(call: Call, file: OpenFile, exclusive: boolean, nonblock: boolean): typeof BLOCKED | void;
  /** The last descriptor of `file` closed (flock and OFD locks go away). Called before the inode's openCount drops. */
  released?(file: OpenFile, inode: Inode): void;
  /**
   * A descriptor referring to `file` was closed by fd table `owner` (close, dup2 over it, exit,
   * exec): POSIX record locks of that process on the inode go away. Called from FileOps.flush,
   * which FdTable.close calls for every descriptor it closes.
   */
  closed?(file: OpenFile, inode: Inode, owner: FdTable): void;
}

let lockHooks: FileLockHooks | null = null;

export function registerFileLockHooks(hooks: FileLockHooks): void {
  lockHooks = hooks;
}

export function fileLockHooks(): FileLockHooks | null {
  return lockHooks;
}
