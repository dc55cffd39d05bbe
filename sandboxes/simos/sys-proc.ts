/**
 * Process system calls: argument checking and the rules of each man page; the life-cycle
 * mechanics they rely on live in kernel.ts.
 */
import { argFunction, argInt, argString, argStrings } from './args.ts';
import type { Call } from './call.ts';
import type { SyscallTable } from './kernel.ts';
import type { Disposition, Process } from './proc.ts';
import { SIGCHLD, isUncatchable, isValidSignal, signalName } from './signals.ts';
import { PR_GET_CHILD_SUBREAPER, PR_GET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG } from './sys.ts';
import { CONTINUED_STATUS, WCONTINUED, WNOHANG, WUNTRACED, exitedStatus } from './wait-status.ts';

/** The process `pid` names for calls where 0 means the caller; zombies included. */
function target(call: Call, pid: number): Process | undefined {
  return pid === 0 ? call.proc : call.kernel.procs.get(pid);
}

/** Processes (alive or zombie) in group `pgid`. */
function groupMembers(call: Call, pgid: number): Process[] {
  return [...call.kernel.procs.values()].filter((p) => p.pgid === pgid && p.pid !== 1);
}

function childMatches(call: Call, child: Process, pid: number): boolean {
  if (pid > 0) return child.pid === pid;
  if (pid === -1) return true;
  if (pid === 0) return child.pgid === call.proc.pgid;
  return child.pgid === -pid;
}

function describeWaitTarget(pid: number): string {
  if (pid > 0) return `child ${pid} to change state`;
  if (pid === -1) return 'any child to change state';
  if (pid === 0) return "any child in the caller's process group to change state";
  return `any child in process group ${-pid} to change state`;
}

export const procSyscalls: SyscallTable = {
  getpid: (c: Call) => c.proc.pid,
  getppid: (c: Call) => c.proc.parent?.pid ?? 0,
  gettid: (c: Call) => c.thread.tid,

  getpgid(c: Call, pid: unknown) {
    const p = target(c, argInt(c, pid, 'pid'));
    if (!p || p.state === 'reaped') c.fail('ESRCH', `no process ${pid}`);
    return p.pgid;
  },

  getsid(c: Call, pid: unknown) {
    const p = target(c, argInt(c, pid, 'pid'));
    if (!p) c.fail('ESRCH', `no process ${pid}`);
    return p.sid;
  },

  setpgid(c: Call, pidArg: unknown, pgidArg: unknown) {
    const pid = argInt(c, pidArg, 'pid');
    let pgid = argInt(c, pgidArg, 'pgid');
    if (pgid < 0) c.fail('EINVAL', `pgid ${pgid} is negative`);
    const self = c.proc;
    const p = pid === 0 ? self : c.kernel.procs.get(pid);
    if (!p || (p !== self && p.parent !== self)) {
      c.fail('ESRCH', `pid ${pid} is neither the caller nor one of its children`);
    }
    if (pgid === 0) pgid = p.pid;
    if (p !== self && p.execed) c.fail('EACCES', `child ${p.pid} has already called execve`);
    if (p.sid === p.pid) c.fail('EPERM', `pid ${p.pid} is a session leader`);
    if (p.sid !== self.sid) c.fail('EPERM', `child ${p.pid} is in another session`);
    if (pgid !== p.pid && !groupMembers(c, pgid).some((m) => m.sid === self.sid)) {
      // An unreaped zombie still keeps its group in existence, as on Linux.
      c.fail('EPERM', `no process group ${pgid} exists in the caller's session`);
    }
    if (p.pgid !== pgid) {
      p.pgid = pgid;
      c.kernel.trace.event(c.nowMs, p.pid, 'setpgid', { pgid });
    }
    return 0;
  },

  proc_children: (c: Call) => [...c.proc.children].filter((p) => p.state !== 'reaped').map((p) => p.pid).sort((a, b) => a - b),

  setsid(c: Call) {
    const p = c.proc;
    if (groupMembers(c, p.pid).length > 0) {
      c.fail('EPERM', `pid ${p.pid} already leads process group ${p.pid}; fork and call setsid in the child`);
    }
    p.sid = p.pid;
    p.pgid = p.pid;
    c.kernel.trace.event(c.nowMs, p.pid, 'setsid', { sid: p.sid });
    return p.sid;
  },

  fork(c: Call, fn: unknown) {
    const child = c.kernel.fork(c, argFunction(c, fn, 'child'));
    return child.pid;
  },

  spawn(c: Call, program: unknown, argv: unknown) {
    const name = argString(c, program, 'program');
    const args = argStrings(c, argv, 'argv');
    if (!c.kernel.programs.has(name)) c.fail('ENOENT', `no program named "${name}" is registered`);
    // posix_spawn is fork + exec: the child exists (and can be raced) before it execs.
    const child = c.kernel.fork(c, (k) => k.execve(name, args));
    return child.pid;
  },

  execve(c: Call, program: unknown, argv: unknown) {
    return c.kernel.exec(c, argString(c, program, 'program'), argStrings(c, argv, 'argv'));
  },

  exit_group(c: Call, code: unknown) {
    const n = typeof code === 'number' && Number.isInteger(code) ? code : 0;
    const r = c.noReturn();
    c.kernel.exitProcess(c.proc, exitedStatus(n));
    return r;
  },

  thread_exit(c: Call) {
    const r = c.noReturn();
    c.kernel.threadExit(c.thread);
    return r;
  },

  waitpid(c: Call, pidArg: unknown, optArg: unknown) {
    const pid = argInt(c, pidArg, 'pid');
    const options = argInt(c, optArg, 'options');
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED)) c.fail('EINVAL', `unknown option bits 0x${options.toString(16)}`);
    const matching = [...c.proc.children].filter((ch) => ch.state !== 'reaped' && childMatches(c, ch, pid));
    if (matching.length === 0) {
      c.fail('ECHILD', pid > 0 ? `${pid} is not a child of the caller` : `the caller has no ${pid === -1 ? '' : 'matching '}children to wait for`);
    }
    for (const ch of matching) {
      if (ch.state === 'zombie') {
        const status = ch.status;
        c.kernel.reap(ch, c.proc.pid);
        return { pid: ch.pid, status };
      }
    }
    for (const ch of matching) {
      const report = ch.pendingReport;
      if (report === null) continue;
      const wanted = report === CONTINUED_STATUS ? options & WCONTINUED : options & WUNTRACED;
      if (wanted) {
        ch.pendingReport = null;
        return { pid: ch.pid, status: report };
      }
    }
    if (options & WNOHANG) return { pid: 0, status: 0 };
    return c.block({ reason: describeWaitTarget(pid), heldBy: matching.filter((m) => m.alive).map((m) => m.pid) });
  },

  kill(c: Call, pidArg: unknown, sigArg: unknown) {
    const pid = argInt(c, pidArg, 'pid');
    const sig = argInt(c, sigArg, 'sig');
    if (sig !== 0 && !isValidSignal(sig)) c.fail('EINVAL', `${sig} is not a signal simos knows`);
    const self = c.proc;
    let targets: Process[];
    if (pid > 0) {
      const p = c.kernel.procs.get(pid);
      if (!p) c.fail('ESRCH', `no process ${pid}`);
      targets = [p];
    } else if (pid === -1) {
      targets = [...c.kernel.procs.values()].filter((p) => p.pid !== 1 && p !== self);
      if (targets.length === 0) c.fail('ESRCH', 'there is no other process to signal');
    } else {
      const pgid = pid === 0 ? self.pgid : -pid;
      targets = groupMembers(c, pgid);
      if (targets.length === 0) c.fail('ESRCH', `no process group ${pgid}`);
    }
    if (sig === 0) return 0;
    for (const p of targets) c.kernel.sendSignal(p, sig, self.pid);
    return 0;
  },

  sigaction(c: Call, sigArg: unknown, handler: unknown, restart: unknown) {
    const sig = argInt(c, sigArg, 'sig');
    if (!isValidSignal(sig)) c.fail('EINVAL', `${sig} is not a signal simos knows`);
    if (isUncatchable(sig)) c.fail('EINVAL', `${signalName(sig)} cannot be caught or ignored`);
    if (handler !== 'default' && handler !== 'ignore' && typeof handler !== 'function') {
      c.fail('EINVAL', "the handler must be 'default', 'ignore' or a function");
    }
    const p = c.proc;
    const previous = p.disposition(sig).handler;
    p.sigactions.set(sig, { handler: handler as Disposition, restart: restart === true });
    if (handler === 'ignore' || (handler === 'default' && sig === SIGCHLD)) {
      // Setting a signal to be ignored discards it if pending (POSIX, signal(7)).
      if (handler === 'ignore') for (const list of [p.sigPending, ...[...p.threads.values()].map((t) => t.sigPending)]) {
        const i = list.indexOf(sig);
        if (i >= 0) list.splice(i, 1);
      }
    }
    return previous;
  },

  pause(c: Call) {
    return c.block({ reason: 'a signal (pause)', restartable: false });
  },

  prctl(c: Call, optArg: unknown, argArg: unknown) {
    const option = argInt(c, optArg, 'option');
    const arg = argInt(c, argArg, 'arg');
    const p = c.proc;
    switch (option) {
      case PR_SET_PDEATHSIG:
        if (arg !== 0 && !isValidSignal(arg)) c.fail('EINVAL', `${arg} is not a signal`);
        p.pdeathsig = arg;
        return 0;
      case PR_GET_PDEATHSIG:
        return p.pdeathsig;
      case PR_SET_CHILD_SUBREAPER:
        p.childSubreaper = arg !== 0;
        return 0;
      case PR_GET_CHILD_SUBREAPER:
        return p.childSubreaper ? 1 : 0;
      default:
        return c.fail('EINVAL', `prctl option ${option} is not implemented in simos`);
    }
  },

  clone_thread(c: Call, fn: unknown) {
    return c.kernel.spawnThread(c.proc, argFunction(c, fn, 'fn')).tid;
  },

  thread_join(c: Call, tidArg: unknown) {
    const tid = argInt(c, tidArg, 'tid');
    const p = c.proc;
    if (tid === c.thread.tid) c.fail('EDEADLK', 'a thread cannot join itself');
    if (p.endedThreads.has(tid)) return 0;
    if (!p.threads.has(tid)) c.fail('ESRCH', `no thread ${tid} in this process`);
    return c.block({ reason: `thread ${tid} to end` });
  },

  sleep(c: Call, msArg: unknown) {
    const ms = argInt(c, msArg, 'ms');
    if (ms < 0) c.fail('EINVAL', `cannot sleep ${ms} ms`);
    const until = (c.state.until ??= c.nowMs + ms) as number;
    if (c.nowMs >= until) return 0;
    return c.block({ reason: `sleep until ${until} ms`, untilMs: until, restartable: false });
  },

  clock_gettime: (c: Call) => c.nowMs,

  print(c: Call, text: unknown) {
    const s = typeof text === 'string' ? text : String(text);
    c.kernel.log(c.proc.pid, s);
    return s.length + 1;
  },
};

