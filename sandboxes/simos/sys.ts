/**
 * `Sys`: the system call interface a simulated program receives as `k`. Every method is one
 * system call and one scheduling point: `await` it. A failed call rejects with `SysError`, whose
 * `code` is the errno name (`'ECHILD'`).
 *
 * This file holds the process calls. Other areas add their calls to the same class from their own
 * api-*.ts files (TypeScript interface merging), so each area's calls sit next to its docs.
 */
import type { Kernel } from './kernel.ts';
import type { Disposition, Thread } from './proc.ts';

/** What waitpid returns: the child's pid (0 with WNOHANG when none is ready) and its wait status. */
export interface WaitResult {
  pid: number;
  status: number;
}

/** prctl(2) options simos implements. */
export const PR_SET_PDEATHSIG = 1;
export const PR_GET_PDEATHSIG = 2;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;

export class Sys {
  readonly #kernel: Kernel;
  readonly #thread: Thread;

  /** @internal Created by the kernel, one per thread. */
  constructor(kernel: Kernel, thread: Thread) {
    this.#kernel = kernel;
    this.#thread = thread;
  }

  /** @internal Enter the kernel: used by every method; programs call the named methods instead. */
  call<T>(name: string, args: unknown[]): Promise<T> {
    return this.#kernel.enter(this.#thread, name, args) as Promise<T>;
  }

  // ------------------------------------------------------------------ identity

  /** getpid(2): the caller's process ID. */
  getpid(): Promise<number> {
    return this.call('getpid', []);
  }

  /**
   * getppid(2): the parent's process ID. After the parent exits this is the pid of the process
   * that adopted the caller: the nearest subreaper ancestor, or 1 (init).
   */
  getppid(): Promise<number> {
    return this.call('getppid', []);
  }

  /** gettid(2): the calling thread's ID (equal to the pid in the main thread). */
  gettid(): Promise<number> {
    return this.call('gettid', []);
  }

  /** getpgid(2): the process group of `pid` (0 = the caller). ESRCH if there is no such process. */
  getpgid(pid = 0): Promise<number> {
    return this.call('getpgid', [pid]);
  }

  /**
   * setpgid(2): move process `pid` (0 = the caller) into group `pgid` (0 = a new group whose ID
   * is `pid`). Only the caller or one of its children may be moved, and only within the caller's
   * session. Errors: ESRCH (not the caller or its child), EACCES (the child has already called
   * execve), EPERM (the target group is in another session, or the target leads a session),
   * EINVAL (negative pgid).
   */
  setpgid(pid: number, pgid: number): Promise<0> {
    return this.call('setpgid', [pid, pgid]);
  }

  /** getsid(2): the session ID of `pid` (0 = the caller). */
  getsid(pid = 0): Promise<number> {
    return this.call('getsid', [pid]);
  }

  /**
   * setsid(2): start a new session and a new process group, both with the caller's pid as ID.
   * EPERM if the caller already leads a process group (fork first, then setsid in the child).
   */
  setsid(): Promise<number> {
    return this.call('setsid', []);
  }

  // ------------------------------------------------------------------ life cycle

  /**
   * fork(2), JavaScript-style: create a child process that runs `child` with its own `k`, and
   * return the child's pid to the caller. The child shares the caller's open file descriptions
   * (fds are copied), process group, session and signal dispositions; not pending signals, the
   * PDEATHSIG setting or the subreaper flag. The child starts running whenever the scheduler
   * picks it: maybe before the parent's next line, maybe much later.
   * The child's return value is its exit code. Errors: EAGAIN (process limit or cgroup pids.max).
   */
  fork(child: (k: Sys) => Promise<number | void> | number | void): Promise<number> {
    return this.call('fork', [child]);
  }

  /**
   * fork + execve in one call (like posix_spawn): start registered program `program` with
   * `argv` in a new child and return its pid. ENOENT if no such program is registered.
   */
  spawn(program: string, argv: string[] = [program]): Promise<number> {
    return this.call('spawn', [program, argv]);
  }

  /**
   * execve(2): replace the caller's program with registered program `program`. On success it
   * never returns. Signal handlers reset to default (ignored signals stay ignored), other threads
   * end, close-on-exec descriptors close; pid, group, session and PDEATHSIG are kept.
   */
  execve(program: string, argv: string[] = [program]): Promise<never> {
    return this.call('execve', [program, argv]);
  }

  /** _exit(2): end the whole process (all threads) with exit code `code & 0xff`. Never returns. */
  exit(code = 0): Promise<never> {
    return this.call('exit_group', [code]);
  }

  /**
   * waitpid(2): wait for a child to change state and reap it if it terminated.
   * `pid` > 0: that child; -1: any child; 0: any child in the caller's process group;
   * < -1: any child whose process group is `-pid`. Only *children* are ever waited for.
   * `options`: WNOHANG (return `{pid: 0}` instead of blocking), WUNTRACED, WCONTINUED.
   * Decode `status` with WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG.
   * Errors: ECHILD (no child matches), EINTR (a signal handler ran while waiting), EINVAL.
   */
  waitpid(pid: number, options = 0): Promise<WaitResult> {
    return this.call('waitpid', [pid, options]);
  }

  /**
   * The pids of the caller's children (running, stopped or zombie), in ascending order. Linux
   * exposes this list as /proc/self/task/<tid>/children (one file per thread; proc(5)); simos
   * returns the whole process's children in one call. Like any such listing it is a snapshot:
   * a child may exit or fork the moment after.
   */
  listChildren(): Promise<number[]> {
    return this.call('proc_children', []);
  }

  // ------------------------------------------------------------------ signals

  /**
   * kill(2): send `sig` to `pid` > 0; to every process in the caller's group if `pid` is 0; to
   * every process in group `-pid` if `pid` < -1; to every process the caller may signal except
   * init and itself if `pid` is -1. `sig` 0 only checks that the target exists.
   * Errors: ESRCH (no such process or group), EINVAL (unknown signal).
   */
  kill(pid: number, sig: number): Promise<0> {
    return this.call('kill', [pid, sig]);
  }

  /**
   * sigaction(2), simplified: set what `sig` does — `'default'`, `'ignore'`, or a handler
   * function (which may be async and make calls). With `{ restart: true }` (SA_RESTART) a
   * blocking call the handler interrupted is restarted instead of failing with EINTR.
   * Returns the previous disposition. EINVAL for SIGKILL, SIGSTOP or an unknown signal.
   * A handler is called as `handler(signo, k)`: make calls inside it through that `k`, because a
   * forked child inherits the handler and then runs it as itself.
   */
  sigaction(sig: number, handler: Disposition, opts: { restart?: boolean } = {}): Promise<Disposition> {
    return this.call('sigaction', [sig, handler, opts.restart ?? false]);
  }

  /** pause(2): sleep until a signal handler runs; always fails with EINTR. */
  pause(): Promise<never> {
    return this.call('pause', []);
  }

  // ------------------------------------------------------------------ prctl

  /**
   * prctl(2). Implemented options:
   * PR_SET_PDEATHSIG (signal to receive when the *thread* that created this process exits; 0
   * clears it), PR_GET_PDEATHSIG, PR_SET_CHILD_SUBREAPER (1: orphaned descendants are reparented
   * to this process instead of init), PR_GET_CHILD_SUBREAPER. EINVAL for anything else.
   */
  prctl(option: number, arg = 0): Promise<number> {
    return this.call('prctl', [option, arg]);
  }

  // ------------------------------------------------------------------ threads and time

  /**
   * Start a thread in this process running `fn` with its own `k`; returns its tid. Threads share
   * the fd table, signal dispositions, and children. The thread ends when `fn` returns.
   */
  thread(fn: (k: Sys) => Promise<unknown> | unknown): Promise<number> {
    return this.call('clone_thread', [fn]);
  }

  /** Wait for thread `tid` of this process to end (like pthread_join). EINVAL if unknown. */
  join(tid: number): Promise<0> {
    return this.call('thread_join', [tid]);
  }

  /** nanosleep(2) in milliseconds of virtual time. EINTR if a signal handler runs meanwhile. */
  sleep(ms: number): Promise<0> {
    return this.call('sleep', [ms]);
  }

  /** clock_gettime(CLOCK_MONOTONIC) in virtual milliseconds since boot. */
  now(): Promise<number> {
    return this.call('clock_gettime', []);
  }

  /** Write a line to the console (stdout), like `write(1, text + "\n")`. */
  print(text: string): Promise<number> {
    return this.call('print', [text]);
  }
}
