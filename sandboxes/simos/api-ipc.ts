/**
 * Pipe, eventfd, poll and pidfd calls on `k` (handlers in sys-ipc.ts). eventfdRead/eventfdWrite
 * are conveniences like glibc's eventfd_read/eventfd_write: one read or write of 8 bytes each.
 */
import { eventfdValue, u64le } from './eventfd.ts';
import type { PollFd, PollResult } from './poll.ts';
import { Sys } from './sys.ts';

declare module './sys.ts' {
  interface Sys {
    /**
     * pipe2(2): a new pipe; returns `[readFd, writeFd]` (the two lowest free descriptors).
     * `flags`: O_NONBLOCK (both ends), O_CLOEXEC (both descriptors).
     * Reads return what is there (up to `count`), block while the pipe is empty and some write
     * end is open anywhere, and return an empty array (EOF) once every write end is closed —
     * including copies inherited through fork. Writes of up to PIPE_BUF (4096) bytes are atomic;
     * capacity is 16 pages (F_GETPIPE_SZ: 65536). Writing with no read end open fails with EPIPE
     * and sends SIGPIPE to the writer (which kills it unless SIGPIPE is ignored or handled).
     * Errors: EINVAL (unknown flags), EMFILE.
     */
    pipe(flags?: number): Promise<[number, number]>;

    /**
     * eventfd(2): a descriptor holding a 64-bit counter, initially `initval` (0..2^32-1).
     * `flags`: EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC.
     * `read(fd, 8)` returns 8 little-endian bytes (decode with `eventfdValue`): the counter, which
     * resets to 0 — or 1, decrementing it, with EFD_SEMAPHORE. It blocks while the counter is 0
     * (EAGAIN if non-blocking). `write(fd, u64le(n))` adds n; it blocks (or EAGAIN) if the counter
     * would pass 2^64-2. Errors: EINVAL (unknown flags; reads with count < 8, writes of fewer
     * than 8 bytes or of 2^64-1), EAGAIN, EINTR, EMFILE.
     */
    eventfd(initval?: number, flags?: number): Promise<number>;

    /** eventfd_read(3): read eventfd `fd` (one `read(fd, 8)`) and return the value as a bigint. */
    eventfdRead(fd: number): Promise<bigint>;

    /** eventfd_write(3): add `value` to eventfd `fd` (one `write(fd, u64le(value))`). */
    eventfdWrite(fd: number, value: bigint | number): Promise<void>;

    /**
     * poll(2): wait until one of `fds` is ready or `timeoutMs` of virtual time pass (-1 or any
     * negative value: no timeout; 0: just check). Level-triggered: it reports what holds now.
     * Returns one `{ fd, events, revents }` per entry, in the same order; all revents are 0 if
     * the timeout passed (count the ready ones with `.filter(r => r.revents).length`).
     * POLLERR, POLLHUP and POLLNVAL are reported even if not requested; an fd that is not open
     * gives POLLNVAL; a negative fd is skipped (revents 0). Closing a watched fd does not wake
     * the call. Errors: EINTR (a signal handler ran; SA_RESTART never restarts poll, as on
     * Linux), EINVAL (more entries than the descriptor limit, malformed entries).
     */
    poll(fds: readonly PollFd[], timeoutMs: number): Promise<PollResult[]>;

    /**
     * pidfd_open(2): a descriptor for process `pid` (a zombie is fine). It stays bound to that
     * process even after its pid number is reused. poll reports POLLIN once the process has
     * terminated (POLLIN|POLLHUP once reaped). The descriptor is always close-on-exec.
     * `flags`: 0 or PIDFD_NONBLOCK. Errors: ESRCH (no such process), EINVAL (pid <= 0, a thread
     * id, unknown flags), EMFILE.
     */
    pidfdOpen(pid: number, flags?: number): Promise<number>;

    /**
     * pidfd_send_signal(2) (without siginfo): send `sig` to the process `pidfd` refers to; 0
     * only checks that it still exists. Never reaches a new process that reuses the pid number.
     * Errors: ESRCH (the process has terminated and been reaped), EBADF (not a pidfd),
     * EINVAL (unknown signal, flags not 0).
     */
    pidfdSendSignal(pidfd: number, sig: number, flags?: number): Promise<0>;
  }
}

Sys.prototype.pipe = function (flags = 0) {
  return this.call('pipe2', [flags]);
};
Sys.prototype.eventfd = function (initval = 0, flags = 0) {
  return this.call('eventfd2', [initval, flags]);
};
Sys.prototype.eventfdRead = async function (fd) {
  return eventfdValue(await this.read(fd, 8));
};
Sys.prototype.eventfdWrite = async function (fd, value) {
  await this.write(fd, u64le(value));
};
Sys.prototype.poll = function (fds, timeoutMs) {
  return this.call('poll', [fds, timeoutMs]);
};
Sys.prototype.pidfdOpen = function (pid, flags = 0) {
  return this.call('pidfd_open', [pid, flags]);
};
Sys.prototype.pidfdSendSignal = function (pidfd, sig, flags = 0) {
  return this.call('pidfd_send_signal', [pidfd, sig, flags]);
};
