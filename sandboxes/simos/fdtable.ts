/**
 * A process's file descriptor table: small integers -> open file descriptions, plus the
 * per-descriptor close-on-exec flag. Threads of one process share one table; fork copies it,
 * sharing the descriptions (refs go up).
 */
import type { OpenFile } from './file.ts';

export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

/** Called when an open file description loses its last reference. */
export type ReleaseHook = (file: OpenFile) => void;

export class FdTable {
  readonly #fds = new Map<number, FdEntry>();

  constructor(
    readonly limit: number,
    private readonly onLastClose: ReleaseHook,
  ) {}

  get(fd: number): FdEntry | undefined {
    return this.#fds.get(fd);
  }

  /** The lowest free descriptor >= `min` (open(2) and dup(2) promise the lowest), or -1 if full. */
  lowestFree(min = 0): number {
    for (let fd = min; fd < this.limit; fd++) if (!this.#fds.has(fd)) return fd;
    return -1;
  }

  /** Install `file` at `fd`; the caller checked the slot is free (or closed it first, as dup2 does). */
  install(fd: number, file: OpenFile, cloexec: boolean): void {
    file.refs++;
    this.#fds.set(fd, { file, cloexec });
  }

  /** Remove `fd`; the description is released when no fd anywhere refers to it. */
  close(fd: number): OpenFile | undefined {
    const entry = this.#fds.get(fd);
    if (!entry) return undefined;
    this.#fds.delete(fd);
    entry.file.ops.flush?.(entry.file, this);
    entry.file.refs--;
    if (entry.file.refs === 0) this.onLastClose(entry.file);
    return entry.file;
  }

  /** fork(2): same descriptions, same flags, in a new table. */
  clone(): FdTable {
    const copy = new FdTable(this.limit, this.onLastClose);
    for (const [fd, e] of this.#fds) copy.install(fd, e.file, e.cloexec);
    return copy;
  }

  /** execve(2) closes descriptors marked close-on-exec. Returns the fds it closed. */
  closeOnExec(): number[] {
    const closed: number[] = [];
    for (const [fd, e] of [...this.#fds]) if (e.cloexec) (this.close(fd), closed.push(fd));
    return closed;
  }

  closeAll(): void {
    for (const fd of [...this.#fds.keys()].sort((a, b) => a - b)) this.close(fd);
  }

  entries(): [number, FdEntry][] {
    return [...this.#fds].sort((a, b) => a[0] - b[0]);
  }
}
