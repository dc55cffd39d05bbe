/**
 * Lock calls on `k`: flock(2), lockf(3), and typed forms of fcntl(2)'s lock commands.
 * Semantics and simplifications: docs/simos.md, "Locks".
 */
import { Sys } from './sys.ts';
import type { Flock, FlockResult } from './sys-lock.ts';

declare module './sys.ts' {
  interface Sys {
    /**
     * flock(2): lock the whole file behind `fd`. `operation` is LOCK_SH (shared), LOCK_EX
     * (exclusive) or LOCK_UN (unlock), optionally `| LOCK_NB` to fail instead of waiting.
     *
     * The lock belongs to the open file description: descriptors made by dup and fork share it,
     * and it goes away with LOCK_UN or when the last descriptor of that description closes. A
     * second open() of the same file, even in the same process, is a different owner and can
     * conflict. Converting SH <-> EX is not atomic: the old lock is dropped first, then the new
     * one requested, so another waiter can get the lock in between (and under LOCK_NB the
     * conversion can fail with no lock left). On a local filesystem flock and fcntl locks ignore
     * each other; on NFS flock is a whole-file fcntl lock, so they conflict, and LOCK_EX needs an
     * fd open for writing.
     *
     * Errors: EBADF (bad fd; on NFS, wrong access mode), EINVAL (bad operation),
     * EWOULDBLOCK (= EAGAIN; locked and LOCK_NB), EINTR (a signal handler ran while waiting).
     */
    flock(fd: number, operation: number): Promise<0>;

    /**
     * lockf(3): POSIX record locks (the same as fcntl F_SETLK locks, owned by the process) on
     * `len` bytes from the current offset; `len` 0 means to end of file and beyond.
     * `cmd`: F_LOCK (wait), F_TLOCK (fail with EAGAIN instead), F_ULOCK (unlock), F_TEST (0 if
     * unlocked or locked by the caller, else EACCES). F_LOCK/F_TLOCK need an fd open for writing.
     * Errors: EBADF, EAGAIN, EACCES, EDEADLK, EINTR, EINVAL.
     */
    lockf(fd: number, cmd: number, len?: number): Promise<0>;

    /**
     * fcntl(2) F_SETLK / F_SETLKW / F_OFD_SETLK / F_OFD_SETLKW: place, change or remove a
     * byte-range lock described by `lock` (`{ type: F_WRLCK }` = whole file).
     * POSIX locks (F_SETLK, F_SETLKW) belong to the process: closing ANY fd of the file drops
     * them all, fork does not inherit them, execve keeps them. OFD locks (F_OFD_*) belong to the
     * open file description, are shared across fork, go on its last close, need `lock.pid` 0,
     * and conflict with POSIX locks even of the same process.
     * Errors: EAGAIN (conflict with F_SETLK), EDEADLK (F_SETLKW would deadlock with other POSIX
     * lock owners), EBADF (F_RDLCK needs an fd open for reading, F_WRLCK one open for writing),
     * EINVAL (bad type, whence or range; l_pid not 0 for OFD), EINTR (signal while waiting).
     */
    fcntl(fd: number, cmd: 6 | 7 | 37 | 38, lock: Flock): Promise<0>;

    /**
     * fcntl(2) F_GETLK / F_OFD_GETLK: which lock would stop `lock` from being placed? Returns
     * the first conflicting lock (`pid` is its owner, -1 for an OFD lock), or `lock` with `type`
     * F_UNLCK when there is none. Unlike C, `lock` itself is not modified. The answer can be stale by
     * the time you act on it. Errors: EBADF, EINVAL (type F_UNLCK; l_pid not 0 for OFD).
     */
    fcntl(fd: number, cmd: 5 | 36, lock: Flock): Promise<FlockResult>;
  }
}

Sys.prototype.flock = function (fd, operation) {
  return this.call('flock', [fd, operation]);
};
Sys.prototype.lockf = function (fd, cmd, len = 0) {
  return this.call('lockf', [fd, cmd, len]);
};
