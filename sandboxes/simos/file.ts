/**
 * Open file descriptions (struct file in Linux, `struct file` in xv6's file.c).
 *
 * An OpenFile is what an fd points at: dup(2) and fork share one, open(2) makes a new one. It
 * holds the offset and status flags; the object behind it (inode, pipe end, eventfd, pidfd,
 * console) supplies FileOps. Syscall handlers in sys-*.ts resolve fd numbers; the ops below never
 * see an fd number.
 */
import type { Call } from './call.ts';
import type { FdTable } from './fdtable.ts';

/** Access mode and status flags, Linux values (open(2)). */
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_ACCMODE = 0o3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** What an object behind an open file description can do. Missing ops fail with EINVAL/ESPIPE. */
export interface FileOps {
  /** A short label for traces and the wait-for graph: `pipe:[7]`, `/tmp/lock`. */
  describe(file: OpenFile): string;
  /** Read up to `count` bytes. Return `call.block(...)` to wait (the call is retried on wake). */
  read?(call: Call, file: OpenFile, count: number, offset: number | null): Uint8Array | symbol;
  /** Write bytes; returns how many were written, or `call.block(...)`. */
  write?(call: Call, file: OpenFile, data: Uint8Array, offset: number | null): number | symbol;
  /** Level-triggered readiness: POLLIN/POLLOUT/POLLHUP/POLLERR bits that hold right now. */
  poll?(file: OpenFile): number;
  /** The last reference to this open file description is gone. */
  release?(file: OpenFile): void;
  /**
   * A descriptor referring to this description was closed (close, dup2 over it, exit, exec),
   * in fd table `owner` — Linux's f_op->flush with its fl_owner_t. POSIX record locks use it:
   * they are dropped when the process closes *any* fd of the file.
   */
  flush?(file: OpenFile, owner: FdTable): void;
}

let nextFileId = 1;

export class OpenFile {
  /** Stable identity for traces and lock ownership (flock and OFD locks belong to this object). */
  readonly id = nextFileId++;
  /** fds (in any process) that point here. */
  refs = 0;
  offset = 0;

  constructor(
    readonly ops: FileOps,
    /** Access mode + status flags as given to open(2); F_SETFL may change the status part. */
    public flags: number,
    /** The object behind the description, typed by whoever created it (inode, pipe, ...). */
    readonly target: unknown = null,
  ) {}

  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== O_WRONLY;
  }
  get writable(): boolean {
    return (this.flags & O_ACCMODE) !== O_RDONLY;
  }
  get nonblocking(): boolean {
    return (this.flags & O_NONBLOCK) !== 0;
  }

  describe(): string {
    return this.ops.describe(this);
  }
}
