/**
 * Pipes (pipe(7)), modelled on Linux's fs/pipe.c rather than as a plain byte queue: the pipe is a
 * ring of at most 16 page-sized buffers. That model is what makes the observable numbers right:
 *
 * - Capacity is 16 *pages* (F_GETPIPE_SZ = 65536), not 65536 bytes: a write that does not fit in
 *   the last page's free space starts a fresh page, so 1000-byte writes fill a pipe after 64000
 *   bytes, and 1-byte or 4096-byte writes after exactly 65536.
 * - A write of at most PIPE_BUF (= PAGE_SIZE = 4096) bytes is atomic: it either merges whole into
 *   the last page or takes a whole fresh page, so it never interleaves with other writers; when
 *   neither is possible it waits (or fails with EAGAIN) without writing anything.
 * - A larger write is page-aligned: its odd tail-of-page part merges first, then whole pages
 *   follow. A blocking one writes what fits, wakes readers, and waits for room for the rest, so
 *   other writers' data can land between its pages.
 * - The write end polls writable when a ring slot is free (pipe_poll: !pipe_full), which always
 *   leaves room for a PIPE_BUF-sized write.
 *
 * Readers and writers are counted per open file description (one per end for pipe(2)); fork and
 * dup share descriptions, so an end stays open until every copy of it is closed (FileOps.release).
 */
import type { Call } from './call.ts';
import { OpenFile, O_NONBLOCK, O_RDONLY, O_WRONLY, type FileOps } from './file.ts';
import type { Kernel } from './kernel.ts';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from './poll.ts';
import { SIGPIPE } from './signals.ts';

export const PAGE_SIZE = 4096;
/** Writes of at most this many bytes are atomic (limits.h, pipe(7) "PIPE_BUF"). */
export const PIPE_BUF = 4096;
/** Ring slots of a new pipe (PIPE_DEF_BUFFERS in include/linux/pipe_fs_i.h). */
export const PIPE_DEF_BUFFERS = 16;
/** Default capacity, 16 pages (pipe(7) "Pipe capacity"). */
export const PIPE_DEFAULT_SIZE = PIPE_DEF_BUFFERS * PAGE_SIZE;
/** /proc/sys/fs/pipe-max-size: an unprivileged F_SETPIPE_SZ above it fails with EPERM. */
export const PIPE_MAX_SIZE = 1024 * 1024;
/** fcntl(2) commands on pipes (Linux values, F_LINUX_SPECIFIC_BASE + 7 / + 8). */
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;

/** One page of the ring: bytes [offset, offset + len) of `page` are unread. */
interface PipeBuffer {
  page: Uint8Array;
  offset: number;
  len: number;
}

export class Pipe {
  /** Occupied slots, oldest first. */
  readonly bufs: PipeBuffer[] = [];
  /** Slots the ring may use (pipe->max_usage): capacity / PAGE_SIZE. */
  maxUsage = PIPE_DEF_BUFFERS;
  /** Open file descriptions of each end. */
  readers = 0;
  writers = 0;

  constructor(readonly ino: number) {}

  get empty(): boolean {
    return this.bufs.length === 0;
  }
  get full(): boolean {
    return this.bufs.length >= this.maxUsage;
  }
  /** Unread bytes (what FIONREAD would report). */
  get unread(): number {
    return this.bufs.reduce((n, b) => n + b.len, 0);
  }
  get capacity(): number {
    return this.maxUsage * PAGE_SIZE;
  }

  describe(): string {
    return `pipe:[${this.ino}]`;
  }

  /** Take up to `count` bytes from the front, freeing pages as they empty (pipe_read). */
  take(count: number): Uint8Array {
    const out = new Uint8Array(Math.min(count, this.unread));
    let got = 0;
    while (got < out.length) {
      const buf = this.bufs[0]!;
      const n = Math.min(buf.len, out.length - got);
      out.set(buf.page.subarray(buf.offset, buf.offset + n), got);
      buf.offset += n;
      buf.len -= n;
      got += n;
      if (buf.len === 0) this.bufs.shift();
    }
    return out;
  }

  /**
   * Append `data` to the last page if all of it fits after that page's unread bytes (the merge
   * step of pipe_write). Returns whether it did.
   */
  merge(data: Uint8Array): boolean {
    const last = this.bufs[this.bufs.length - 1];
    if (!last || last.offset + last.len + data.length > PAGE_SIZE) return false;
    last.page.set(data, last.offset + last.len);
    last.len += data.length;
    return true;
  }

  /** Put up to one page of `data` into a fresh slot; the caller checked the ring is not full. */
  pushPage(data: Uint8Array): number {
    const n = Math.min(PAGE_SIZE, data.length);
    const page = new Uint8Array(PAGE_SIZE);
    page.set(data.subarray(0, n));
    this.bufs.push({ page, offset: 0, len: n });
    return n;
  }
}

/** What a pipe end's OpenFile.target holds. */
export interface PipeEnd {
  pipe: Pipe;
  end: 'read' | 'write';
}

/** The pipe behind `file`, or undefined if it is not a pipe end (F_GETPIPE_SZ then fails EBADF). */
export function pipeOf(file: OpenFile): Pipe | undefined {
  return file.ops === readEndOps || file.ops === writeEndOps ? (file.target as PipeEnd).pipe : undefined;
}

/** pids of live processes holding `end` of `pipe` open in some descriptor, ascending. */
export function pipeEndHolders(kernel: Kernel, pipe: Pipe, end: PipeEnd['end']): number[] {
  const pids: number[] = [];
  for (const p of kernel.procs.values()) {
    if (!p.alive) continue;
    const holds = p.fds.entries().some(([, e]) => {
      const t = e.file.target as PipeEnd | null;
      return pipeOf(e.file) === pipe && t?.end === end;
    });
    if (holds) pids.push(p.pid);
  }
  return pids.sort((a, b) => a - b);
}

function listPids(call: Call, pids: number[]): string {
  return pids.map((pid) => (pid === call.proc.pid ? `${pid} (the caller itself)` : String(pid))).join(', ');
}

function pipeOfCall(file: OpenFile): Pipe {
  return (file.target as PipeEnd).pipe;
}

/** The reader went away: SIGPIPE to the writer, and EPIPE unless some bytes were already written. */
function brokenPipe(call: Call, pipe: Pipe, written: number): number {
  call.kernel.sendSignal(call.proc, SIGPIPE, 0, `write to ${pipe.describe()}, which no process has open for reading`);
  if (written > 0) return written;
  return call.fail('EPIPE', `no process has ${pipe.describe()} open for reading (SIGPIPE was sent to the writer)`);
}

const readEndOps: FileOps = {
  describe: (file) => `${pipeOfCall(file).describe()} (read end)`,

  read(call, file, count) {
    const pipe = pipeOfCall(file);
    if (count === 0) return new Uint8Array(0);
    if (!pipe.empty) return pipe.take(count);
    // Empty: end of file once no write end is open anywhere, else wait for a writer.
    if (pipe.writers === 0) return new Uint8Array(0);
    const holders = pipeEndHolders(call.kernel, pipe, 'write');
    if (file.nonblocking) call.fail('EAGAIN', `${pipe.describe()} is empty and its write end is still open`);
    return call.block({
      reason:
        `data on ${pipe.describe()}, whose write end is still open in pid ${listPids(call, holders)}; ` +
        `read() returns end-of-file only after every copy of the write end is closed`,
      heldBy: holders,
    });
  },

  poll(file) {
    const pipe = pipeOfCall(file);
    let mask = pipe.empty ? 0 : POLLIN | POLLRDNORM;
    if (pipe.writers === 0) mask |= POLLHUP;
    return mask;
  },

  release(file) {
    pipeOfCall(file).readers--;
  },
};

const writeEndOps: FileOps = {
  describe: (file) => `${pipeOfCall(file).describe()} (write end)`,

  /**
   * pipe_write. Progress of a blocking write survives retries in call.state.written, so the
   * handler can be re-run from the top after every wake-up.
   */
  write(call, file, data) {
    const pipe = pipeOfCall(file);
    if (data.length === 0) return 0; // a null write succeeds even with no reader
    const state = call.state as { written?: number; partialResult?: number };
    let written = state.written ?? 0;
    if (state.written === undefined) {
      if (pipe.readers === 0) return brokenPipe(call, pipe, 0);
      // Merge the part that is not a whole number of pages into the last page, all or nothing.
      const odd = data.length % PAGE_SIZE;
      if (odd > 0 && !pipe.empty && pipe.merge(data.subarray(0, odd))) written = odd;
    }
    const before = written;
    while (written < data.length) {
      if (pipe.readers === 0) return brokenPipe(call, pipe, written);
      if (pipe.full) break;
      written += pipe.pushPage(data.subarray(written));
    }
    if (written === data.length) return written;
    if (file.nonblocking) {
      if (written > 0) return written;
      const atomic = data.length <= PIPE_BUF ? '; writes of up to PIPE_BUF bytes go in whole or not at all' : '';
      call.fail('EAGAIN', `${pipe.describe()} has no room for a ${data.length}-byte write (${pipe.unread} bytes unread${atomic})`);
    }
    state.written = written;
    // If a signal handler interrupts the wait now, the write returns the short count (pipe(7)).
    if (written > 0) state.partialResult = written;
    // Bytes went in before we sleep: readers must get a chance at them (Linux wakes rd_wait here).
    if (written > before) call.kernel.scheduler.changed();
    const readers = pipeEndHolders(call.kernel, pipe, 'read');
    return call.block({
      reason: `room in ${pipe.describe()} (${pipe.unread} bytes unread, ${written} of ${data.length} written so far); its read end is open in pid ${listPids(call, readers)}`,
      heldBy: readers,
    });
  },

  poll(file) {
    const pipe = pipeOfCall(file);
    let mask = pipe.full ? 0 : POLLOUT | POLLWRNORM;
    // Linux reports POLLERR on a write end with no readers (pipe_poll), FIFOs included.
    if (pipe.readers === 0) mask |= POLLERR;
    return mask;
  },

  release(file) {
    pipeOfCall(file).writers--;
  },
};

/** Pipe inode numbers per kernel, so `pipe:[N]` is the same in every run of a seed. */
function nextPipeIno(kernel: Kernel): number {
  const ino = ((kernel.ext['pipe.nextIno'] as number | undefined) ?? 1);
  kernel.ext['pipe.nextIno'] = ino + 1;
  return ino;
}

/** A new pipe and its two open file descriptions: [read end, write end]. `flags` may hold O_NONBLOCK. */
export function createPipe(kernel: Kernel, flags: number): [OpenFile, OpenFile] {
  const pipe = new Pipe(nextPipeIno(kernel));
  const status = flags & O_NONBLOCK;
  const r = new OpenFile(readEndOps, O_RDONLY | status, { pipe, end: 'read' } satisfies PipeEnd);
  const w = new OpenFile(writeEndOps, O_WRONLY | status, { pipe, end: 'write' } satisfies PipeEnd);
  pipe.readers = 1;
  pipe.writers = 1;
  return [r, w];
}

/**
 * F_SETPIPE_SZ (pipe_set_size): round up to a power-of-two number of pages (at least one), refuse
 * to grow past PIPE_MAX_SIZE (simos processes are unprivileged: EPERM), refuse to shrink below
 * the pages in use (EBUSY). Returns the new capacity in bytes.
 */
export function setPipeSize(call: Call, pipe: Pipe, size: number): number {
  if (size < 0 || size > 2 ** 31) call.fail('EINVAL', `pipe size ${size} is out of range`);
  let rounded = PAGE_SIZE;
  while (rounded < size) rounded *= 2;
  const slots = rounded / PAGE_SIZE;
  if (slots > pipe.maxUsage && rounded > PIPE_MAX_SIZE) {
    call.fail('EPERM', `${rounded} bytes is above /proc/sys/fs/pipe-max-size (${PIPE_MAX_SIZE}) for an unprivileged process`);
  }
  if (slots < pipe.bufs.length) {
    call.fail('EBUSY', `${pipe.describe()} holds data in ${pipe.bufs.length} pages; it cannot shrink to ${slots}`);
  }
  pipe.maxUsage = slots;
  call.kernel.scheduler.changed();
  return pipe.capacity;
}
