/**
 * Two error channels, as in xv6: an errno is an expected outcome that learner code handles
 * (SysError), a broken kernel invariant is a simos bug (KernelPanic) that nothing should catch.
 */

/** errno names with the text strerror(3) gives for them on Linux (glibc). */
export const ERRNO = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EINTR: [4, 'Interrupted system call'],
  EIO: [5, 'Input/output error'],
  E2BIG: [7, 'Argument list too long'],
  ENOEXEC: [8, 'Exec format error'],
  EBADF: [9, 'Bad file descriptor'],
  ECHILD: [10, 'No child processes'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  EFAULT: [14, 'Bad address'],
  EBUSY: [16, 'Device or resource busy'],
  EEXIST: [17, 'File exists'],
  EXDEV: [18, 'Invalid cross-device link'],
  ENODEV: [19, 'No such device'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EINVAL: [22, 'Invalid argument'],
  ENFILE: [23, 'Too many open files in system'],
  EMFILE: [24, 'Too many open files'],
  EFBIG: [27, 'File too large'],
  ENOSPC: [28, 'No space left on device'],
  ESPIPE: [29, 'Illegal seek'],
  EROFS: [30, 'Read-only file system'],
  EMLINK: [31, 'Too many links'],
  EPIPE: [32, 'Broken pipe'],
  ERANGE: [34, 'Numerical result out of range'],
  EDEADLK: [35, 'Resource deadlock avoided'],
  ENAMETOOLONG: [36, 'File name too long'],
  ENOLCK: [37, 'No locks available'],
  ENOSYS: [38, 'Function not implemented'],
  ENOTEMPTY: [39, 'Directory not empty'],
  ELOOP: [40, 'Too many levels of symbolic links'],
  ENOTSOCK: [88, 'Socket operation on non-socket'],
  EOPNOTSUPP: [95, 'Operation not supported'],
  EADDRINUSE: [98, 'Address already in use'],
  ECONNREFUSED: [111, 'Connection refused'],
  EALREADY: [114, 'Operation already in progress'],
  EINPROGRESS: [115, 'Operation now in progress'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ECANCELED: [125, 'Operation canceled'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrnoName = keyof typeof ERRNO;

/** EWOULDBLOCK is EAGAIN on Linux; flock(2) documents it under this name. */
export const EWOULDBLOCK = 'EAGAIN' satisfies ErrnoName;

/**
 * A failed system call. `code` is the errno name (`'ECHILD'`), `errno` its Linux number, and the
 * message reads like the man page's ERRORS entry: `waitpid: ECHILD (No child processes): ...`.
 */
export class SysError extends Error {
  readonly code: ErrnoName;
  readonly errno: number;
  readonly syscall: string;
  constructor(code: ErrnoName, syscall: string, detail?: string) {
    const [num, text] = ERRNO[code];
    super(`${syscall}: ${code} (${text})${detail ? `: ${detail}` : ''}`);
    this.name = 'SysError';
    this.code = code;
    this.errno = num;
    this.syscall = syscall;
  }
}

/** True when `e` is a SysError with one of the given codes (EWOULDBLOCK matches EAGAIN). */
export function isErrno(e: unknown, ...codes: (ErrnoName | 'EWOULDBLOCK')[]): e is SysError {
  if (!(e instanceof SysError)) return false;
  return codes.some((c) => (c === 'EWOULDBLOCK' ? 'EAGAIN' : c) === e.code);
}

/** A simos bug: a kernel invariant broke. Tests fail loudly on it; learner code must not catch it. */
export class KernelPanic extends Error {
  constructor(message: string) {
    super(`simos panic: ${message}`);
    this.name = 'KernelPanic';
  }
}

export function panic(message: string): never {
  throw new KernelPanic(message);
}

/** The run itself had to stop: deadlock, livelock, a process awaiting something outside simos. */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}
