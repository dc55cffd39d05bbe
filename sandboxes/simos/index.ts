/**
 * simos: the public API exercises and tests import as `simos`.
 */
export { Sim, type SimOptions, type RunOptions, type RunResult, type ProcessInfo } from './sim.ts';
export { Sys, type WaitResult, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER } from './sys.ts';
export { SysError, SimulationError, KernelPanic, isErrno, ERRNO, type ErrnoName } from './errno.ts';
export * from './signals.ts';
export * from './wait-status.ts';
export { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_CLOEXEC } from './file.ts';
export type { ProgramMain, SignalHandler, Disposition } from './proc.ts';
export type { PidsMax } from './cgroup.ts';
export * from './win32/index.ts';
export { formatStatus, formatRecord, type TraceRecord, type SyscallRecord, type EventRecord } from './trace.ts';
export { F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, FD_CLOEXEC } from './sys-fd.ts';
export {
  LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN, F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW,
  F_RDLCK, F_WRLCK, F_UNLCK, F_ULOCK, F_LOCK, F_TLOCK, F_TEST, type Flock, type FlockResult,
} from './sys-lock.ts';
export { heldLocks, type LockInfo } from './locks.ts';
export { POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLWRNORM, POLLRDHUP, formatPollEvents, type PollFd, type PollResult } from './poll.ts';
export { PIPE_BUF, PIPE_DEFAULT_SIZE, F_GETPIPE_SZ, F_SETPIPE_SZ } from './pipe.ts';
export { EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC, EVENTFD_MAX, u64le, eventfdValue } from './eventfd.ts';
export { PIDFD_NONBLOCK } from './pidfd.ts';
export { O_DIRECTORY, O_NOFOLLOW, O_SHLOCK, O_EXLOCK, SEEK_SET, SEEK_CUR, SEEK_END, type Stat } from './sys-file.ts';
export { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_ISREG, S_ISDIR, S_ISLNK, type DeviceKind } from './inode.ts';
export { DiskImage, DEFAULT_DEVICES, type DeviceImage, type DeviceSpec, type DurableInode } from './disk-image.ts';
export type { DiskOptions, DiskFaults, DiskRecording, RecordedOp } from './vfs.ts';
export { bootSim, type Survival, type RebootOptions } from './power.ts';
export { enumerateCrashStates, CrashStates, type CrashState, type EnumerateOptions, type EnumerationStats } from './crash.ts';
// The calls each area adds to `Sys` (interface merging in api-*.ts). Re-exporting nothing from them
// keeps them in the generated declarations, so the editor's completion sees every call.
export {} from './api-fd.ts';
export {} from './api-file.ts';
export {} from './api-lock.ts';
export {} from './api-ipc.ts';
export {} from './api-cgroup.ts';
export {} from './win32/api-win32.ts';
