/**
 * poll(2) readiness: the event bits (Linux values, asm-generic/poll.h) and the rule that turns an
 * open file description's readiness into `revents` (fs/select.c do_pollfd). The system call that
 * waits lives in sys-ipc.ts; every object (pipe end, eventfd, pidfd, console) reports its own
 * readiness through FileOps.poll.
 */
import type { FdTable } from './fdtable.ts';
import type { OpenFile } from './file.ts';

export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const POLLRDNORM = 0x040;
export const POLLWRNORM = 0x100;
/** Peer closed its writing half (sockets only: pipes never report it). */
export const POLLRDHUP = 0x2000;

/**
 * What a file with no poll operation reports: always readable and writable, as Linux does for
 * regular files (DEFAULT_POLLMASK in include/linux/poll.h). Reads from such files never block.
 */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/** One entry of the `fds` array given to poll: like C's struct pollfd without revents. */
export interface PollFd {
  /** The descriptor to watch; a negative one is skipped (its revents is 0). */
  fd: number;
  /** Requested events (POLLIN | POLLOUT ...). POLLERR, POLLHUP and POLLNVAL need not be asked for. */
  events: number;
}

/** What poll returns for each entry, in the order given. */
export interface PollResult extends PollFd {
  /** Events that hold now: the requested ones plus POLLERR/POLLHUP/POLLNVAL. 0 = not ready. */
  revents: number;
}

/** The bits an open file description reports right now. */
export function fileReadiness(file: OpenFile): number {
  return file.ops.poll ? file.ops.poll(file) : DEFAULT_POLLMASK;
}

/**
 * revents for one pollfd, as poll(2) defines it: a negative fd is ignored, an fd that is not open
 * gives POLLNVAL, otherwise the file's readiness filtered by the requested events — except that
 * POLLERR and POLLHUP are reported whether requested or not.
 */
export function revents(fds: FdTable, fd: number, events: number): number {
  if (fd < 0) return 0;
  const entry = fds.get(fd);
  if (!entry) return POLLNVAL;
  return fileReadiness(entry.file) & (events | POLLERR | POLLHUP);
}

const NAMES: [number, string][] = [
  [POLLIN, 'POLLIN'],
  [POLLPRI, 'POLLPRI'],
  [POLLOUT, 'POLLOUT'],
  [POLLERR, 'POLLERR'],
  [POLLHUP, 'POLLHUP'],
  [POLLNVAL, 'POLLNVAL'],
  [POLLRDNORM, 'POLLRDNORM'],
  [POLLWRNORM, 'POLLWRNORM'],
  [POLLRDHUP, 'POLLRDHUP'],
];

/** `POLLIN|POLLHUP` for 0x11, `0` for none: for messages and traces. */
export function formatPollEvents(mask: number): string {
  const parts = NAMES.filter(([bit]) => mask & bit).map(([, name]) => name);
  const rest = NAMES.reduce((m, [bit]) => m & ~bit, mask);
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.length ? parts.join('|') : '0';
}
