/**
 * System calls that create wake-up and notification descriptors (pipe2, eventfd2, pidfd_open),
 * wait on descriptors (poll), signal through a pidfd (pidfd_send_signal), and the pipe fcntl
 * commands. The objects' behaviour lives in pipe.ts, eventfd.ts and pidfd.ts.
 */
import { argFlags, argInt, describeValue } from './args.ts';
import type { Call } from './call.ts';
import { EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, createEventfd } from './eventfd.ts';
import { OpenFile, O_CLOEXEC, O_NONBLOCK } from './file.ts';
import type { SyscallTable } from './kernel.ts';
import { PIDFD_NONBLOCK, createPidfd, pidfdProcess } from './pidfd.ts';
import { F_GETPIPE_SZ, F_SETPIPE_SZ, createPipe, pipeOf, setPipeSize, type Pipe } from './pipe.ts';
import { POLLERR, POLLHUP, fileReadiness, formatPollEvents, revents, type PollFd, type PollResult } from './poll.ts';
import { isValidSignal } from './signals.ts';
import { fdFile, fdInstall } from './sys-fd.ts';

/** O_DIRECT: packet-mode pipes, which simos does not implement. */
const O_DIRECT = 0o40000;

/** The pollfd array, checked and copied once so later retries see what the caller passed. */
function argPollFds(call: Call, v: unknown): PollFd[] {
  if (!Array.isArray(v)) call.fail('EINVAL', `fds must be an array of { fd, events }, got ${describeValue(v)}`);
  const limit = call.kernel.limits.maxFds;
  // poll(2): EINVAL when nfds exceeds RLIMIT_NOFILE.
  if (v.length > limit) call.fail('EINVAL', `${v.length} entries is more than the descriptor limit (${limit})`);
  return v.map((entry: unknown, i) => {
    if (!entry || typeof entry !== 'object') call.fail('EINVAL', `fds[${i}] must be an object { fd, events }, got ${describeValue(entry)}`);
    const { fd, events } = entry as Record<string, unknown>;
    return {
      fd: argInt(call, fd, `fds[${i}].fd`),
      // events is a C short: 16 bits.
      events: argFlags(call, events, `fds[${i}].events`, 0xffff),
    };
  });
}

function pipeArg(call: Call, file: unknown): Pipe {
  if (!(file instanceof OpenFile)) return call.fail('EINVAL', 'pipe fcntl commands are reached through fcntl(fd, cmd, arg)');
  const pipe = pipeOf(file);
  if (!pipe) call.fail('EBADF', `${file.describe()} is not a pipe`);
  return pipe;
}

export const ipcSyscalls: SyscallTable = {
  /** pipe2(2). Returns [read end, write end]. */
  pipe2(c: Call, flagsArg: unknown) {
    const flags = argInt(c, flagsArg ?? 0, 'flags');
    if (flags & O_DIRECT) c.fail('EINVAL', 'O_DIRECT (packet-mode pipes) is not implemented in simos');
    argFlags(c, flags, 'flags', O_NONBLOCK | O_CLOEXEC);
    // Both descriptors or neither: find two free slots before installing anything.
    const first = c.proc.fds.lowestFree();
    if (first < 0 || c.proc.fds.lowestFree(first + 1) < 0) {
      c.fail('EMFILE', `pid ${c.proc.pid} has no room for two more descriptors (limit ${c.kernel.limits.maxFds})`);
    }
    const [r, w] = createPipe(c.kernel, flags);
    const cloexec = (flags & O_CLOEXEC) !== 0;
    return [fdInstall(c, r, cloexec), fdInstall(c, w, cloexec)];
  },

  /** eventfd2(2). */
  eventfd2(c: Call, initArg: unknown, flagsArg: unknown) {
    const initval = argInt(c, initArg ?? 0, 'initval');
    // The C prototype takes an unsigned int.
    if (initval < 0 || initval > 0xffff_ffff) c.fail('EINVAL', `initval must be an unsigned 32-bit integer, got ${initval}`);
    const flags = argFlags(c, flagsArg ?? 0, 'flags', EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    return fdInstall(c, createEventfd(initval, flags), (flags & EFD_CLOEXEC) !== 0);
  },

  /**
   * poll(2), level-triggered. Returns one PollResult per entry, in order; all revents are 0 when
   * the timeout passed. As in Linux's do_poll, the files behind the fds at the first scan are what
   * can wake the call: closing a watched fd (from another thread) wakes nobody, but every rescan
   * (after a wake-up or at the timeout) looks the fds up again, so a closed one then reports
   * POLLNVAL. The deadline is fixed on the first attempt, so retries do not stretch it.
   */
  poll(c: Call, fdsArg: unknown, timeoutArg: unknown) {
    const state = c.state as { fds?: PollFd[]; watched?: (OpenFile | null)[]; deadline?: number | null };
    const first = !state.fds;
    if (first) {
      const fds = argPollFds(c, fdsArg);
      const timeout = argInt(c, timeoutArg ?? -1, 'timeout');
      state.fds = fds;
      state.watched = fds.map(({ fd }) => (fd >= 0 ? (c.proc.fds.get(fd)?.file ?? null) : null));
      state.deadline = timeout < 0 ? null : c.nowMs + timeout;
    }
    const fds = state.fds!;
    const deadline = state.deadline ?? null;
    const timedOut = deadline !== null && c.nowMs >= deadline;
    const woken = first || timedOut || state.watched!.some((f, i) => f && fileReadiness(f) & (fds[i]!.events | POLLERR | POLLHUP));
    if (woken) {
      const results: PollResult[] = fds.map(({ fd, events }) => ({ fd, events, revents: revents(c.proc.fds, fd, events) }));
      if (timedOut || results.some((r) => r.revents !== 0)) return results;
    }
    const watched = fds
      .map((e, i) => (e.fd >= 0 ? `fd ${e.fd} (${state.watched![i]?.describe()}) for ${formatPollEvents(e.events)}` : ''))
      .filter(Boolean);
    return c.block({
      reason: `${watched.length ? watched.join(', ') : 'no descriptors'} ${deadline === null ? 'with no timeout' : `or the timeout at ${deadline} ms`}`,
      ...(deadline === null ? {} : { untilMs: deadline }),
      restartable: false, // poll always fails with EINTR after a handler, SA_RESTART or not (signal(7))
    });
  },

  /** pidfd_open(2). The descriptor is always close-on-exec. */
  pidfd_open(c: Call, pidArg: unknown, flagsArg: unknown) {
    const pid = argInt(c, pidArg, 'pid');
    const flags = argFlags(c, flagsArg ?? 0, 'flags', PIDFD_NONBLOCK);
    if (pid <= 0) c.fail('EINVAL', `pid must be positive, got ${pid}`);
    const p = c.kernel.procs.get(pid);
    if (!p) {
      const owner = [...c.kernel.procs.values()].find((q) => q.threads.has(pid));
      if (owner) c.fail('EINVAL', `${pid} is a thread of process ${owner.pid}, not a process`);
      c.fail('ESRCH', `no process ${pid}`);
    }
    return fdInstall(c, createPidfd(p, flags), true);
  },

  /** pidfd_send_signal(2) without the siginfo argument. */
  pidfd_send_signal(c: Call, fdArg: unknown, sigArg: unknown, flagsArg: unknown) {
    const file = fdFile(c, fdArg);
    const p = pidfdProcess(file);
    if (!p) c.fail('EBADF', `fd ${fdArg} is ${file.describe()}, not a pidfd`);
    const sig = argInt(c, sigArg, 'sig');
    if (sig !== 0 && !isValidSignal(sig)) c.fail('EINVAL', `${sig} is not a signal simos knows`);
    argFlags(c, flagsArg ?? 0, 'flags', 0);
    if (p.state === 'reaped') {
      c.fail('ESRCH', `process ${p.pid} has terminated and been reaped (its pid number may now belong to another process)`);
    }
    // A zombie still exists: like kill(2), the signal is accepted and has no effect.
    if (sig !== 0) c.kernel.sendSignal(p, sig, c.proc.pid);
    return 0;
  },

  [`fcntl:${F_GETPIPE_SZ}`](c, file: unknown) {
    return pipeArg(c, file).capacity;
  },

  [`fcntl:${F_SETPIPE_SZ}`](c, file: unknown, arg: unknown) {
    const pipe = pipeArg(c, file);
    return setPipeSize(c, pipe, argInt(c, arg, 'arg'));
  },
};
