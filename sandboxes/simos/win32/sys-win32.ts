/**
 * Win32 system calls, named after the API functions they model, so traces read
 * `AssignProcessToJobObject(4, 8) = true`. Failures throw Win32Error (what GetLastError would
 * say); the rules of each function come from its Microsoft Learn page, cited in api-win32.ts.
 */
import type { Call } from '../call.ts';
import { SysError } from '../errno.ts';
import type { SyscallTable } from '../kernel.ts';
import type { Sys } from '../sys.ts';
import {
  CREATE_BREAKAWAY_FROM_JOB,
  CREATE_SUSPENDED,
  CURRENT_PROCESS_PSEUDO_HANDLE,
  END_OF_JOB_TIME_EXIT_CODE,
  HANDLE_FLAG_INHERIT,
  INFINITE,
  INVALID_HANDLE_VALUE,
  JOB_OBJECT_LIMIT_BREAKAWAY_OK,
  JOB_OBJECT_LIMIT_JOB_TIME,
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
  JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK,
  JobObjectAssociateCompletionPortInformation,
  JobObjectBasicAccountingInformation,
  JobObjectBasicLimitInformation,
  JobObjectExtendedLimitInformation,
  WAIT_OBJECT_0,
  WAIT_TIMEOUT,
  type HANDLE,
} from './constants.ts';
import { Win32Error, type Win32ErrorName } from './errors.ts';
import type { KernelObject, ObjectKind } from './handle.ts';
import { CompletionPort } from './iocp.ts';
import { JobObject } from './job.ts';
import { Win32 } from './personality.ts';
import { ProcessObject, ThreadObject } from './process.ts';

/** LimitFlags that need JobObjectExtendedLimitInformation (the basic class rejects them). */
const EXTENDED_ONLY_LIMITS = JOB_OBJECT_LIMIT_BREAKAWAY_OK | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK | JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
const SUPPORTED_LIMITS = JOB_OBJECT_LIMIT_JOB_TIME | EXTENDED_ONLY_LIMITS;

function fail(c: Call, code: Win32ErrorName, detail?: string): never {
  throw new Win32Error(code, c.name, detail);
}

function win32(c: Call): Win32 {
  return Win32.of(c.kernel);
}

function int(c: Call, v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(c, 'ERROR_INVALID_PARAMETER', `${name} must be an integer, got ${typeof v === 'string' ? JSON.stringify(v) : typeof v}`);
  return v;
}

function flagsArg(c: Call, v: unknown, name: string, known: number): number {
  const n = int(c, v ?? 0, name);
  if (n < 0 || (n & ~known) !== 0) fail(c, 'ERROR_INVALID_PARAMETER', `${name} has bits simos does not support: 0x${((n & ~known) >>> 0).toString(16)}`);
  return n;
}

/** Milliseconds of a wait: a count, or INFINITE. Returns undefined for INFINITE. */
function timeoutArg(c: Call, v: unknown): number | undefined {
  const ms = int(c, v ?? INFINITE, 'dwMilliseconds');
  if (ms === INFINITE) return undefined;
  if (ms < 0 || ms > INFINITE) fail(c, 'ERROR_INVALID_PARAMETER', `dwMilliseconds must be 0..0xFFFFFFFE or INFINITE, got ${ms}`);
  return ms;
}

/** The object `h` refers to in the caller's handle table; it must be one of `kinds`. */
function objectOf(c: Call, h: unknown, kinds: ObjectKind[]): KernelObject {
  const w = win32(c);
  if (h === CURRENT_PROCESS_PSEUDO_HANDLE && kinds.includes('process')) return w.process(c.proc).object;
  if (typeof h !== 'number' || !Number.isInteger(h)) fail(c, 'ERROR_INVALID_HANDLE', `a handle is a number, got ${typeof h}`);
  const e = w.process(c.proc).handles.get(h);
  if (!e) fail(c, 'ERROR_INVALID_HANDLE', `handle ${h} is not open in pid ${c.proc.pid}`);
  if (!kinds.includes(e.object.kind)) fail(c, 'ERROR_INVALID_HANDLE', `handle ${h} refers to ${e.object.describe()}, not a ${kinds.join(' or ')}`);
  return e.object;
}

function job(c: Call, h: unknown): JobObject {
  return objectOf(c, h, ['job']) as JobObject;
}
function processObj(c: Call, h: unknown): ProcessObject {
  return objectOf(c, h, ['process']) as ProcessObject;
}
function port(c: Call, h: unknown): CompletionPort {
  return objectOf(c, h, ['port']) as CompletionPort;
}

function record(c: Call, v: unknown, name: string): Record<string, unknown> {
  if (!v || typeof v !== 'object') fail(c, 'ERROR_INVALID_PARAMETER', `${name} must be an object`);
  return v as Record<string, unknown>;
}

/** Apply a JOBOBJECT_BASIC_LIMIT_INFORMATION; `extended` says which class carried it. */
function setLimits(c: Call, j: JobObject, basic: Record<string, unknown>, extended: boolean): void {
  const flags = int(c, basic.LimitFlags ?? 0, 'LimitFlags');
  if (flags < 0 || (flags & ~SUPPORTED_LIMITS) !== 0) {
    fail(c, 'ERROR_INVALID_PARAMETER', `LimitFlags 0x${(flags >>> 0).toString(16)}: simos supports JOB_OBJECT_LIMIT_JOB_TIME, BREAKAWAY_OK, SILENT_BREAKAWAY_OK and KILL_ON_JOB_CLOSE`);
  }
  if (!extended && flags & EXTENDED_ONLY_LIMITS) {
    fail(c, 'ERROR_INVALID_PARAMETER', 'BREAKAWAY_OK, SILENT_BREAKAWAY_OK and KILL_ON_JOB_CLOSE need JobObjectExtendedLimitInformation');
  }
  if (flags & JOB_OBJECT_LIMIT_JOB_TIME) {
    const ticks = int(c, basic.PerJobUserTimeLimit, 'PerJobUserTimeLimit');
    if (ticks <= 0) fail(c, 'ERROR_INVALID_PARAMETER', 'PerJobUserTimeLimit (100-ns ticks) must be positive');
    j.endOfJobAtMs = c.nowMs + Math.ceil(ticks / 10_000);
    j.perJobUserTimeLimit = ticks;
    j.signaled = false;
  } else {
    j.endOfJobAtMs = null;
    j.perJobUserTimeLimit = 0;
  }
  const changed = j.limitFlags !== flags;
  j.limitFlags = flags;
  if (changed) win32(c).note(c.proc.pid, `${j.describe()} limits: ${limitNames(flags)}`);
}

function limitInfo(j: JobObject): Record<string, unknown> {
  return { LimitFlags: j.limitFlags, PerJobUserTimeLimit: j.perJobUserTimeLimit };
}

/** LimitFlags in words, for the trace. */
function limitNames(flags: number): string {
  const names: [number, string][] = [
    [JOB_OBJECT_LIMIT_JOB_TIME, 'JOB_TIME'],
    [JOB_OBJECT_LIMIT_BREAKAWAY_OK, 'BREAKAWAY_OK'],
    [JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK, 'SILENT_BREAKAWAY_OK'],
    [JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, 'KILL_ON_JOB_CLOSE'],
  ];
  return names.filter(([bit]) => flags & bit).map(([, n]) => n).join(' | ') || 'none';
}

export const win32Syscalls: SyscallTable = {
  // ------------------------------------------------------------------ handles

  CloseHandle(c, h: unknown) {
    if (h === CURRENT_PROCESS_PSEUDO_HANDLE) return true;
    if (typeof h !== 'number') fail(c, 'ERROR_INVALID_HANDLE', `a handle is a number, got ${typeof h}`);
    const o = win32(c).process(c.proc).handles.close(h);
    if (!o) fail(c, 'ERROR_INVALID_HANDLE', `handle ${h} is not open in pid ${c.proc.pid}`);
    c.kernel.scheduler.changed();
    return true;
  },

  SetHandleInformation(c, h: unknown, mask: unknown, flags: unknown) {
    const m = flagsArg(c, mask, 'dwMask', HANDLE_FLAG_INHERIT);
    const f = flagsArg(c, flags, 'dwFlags', HANDLE_FLAG_INHERIT);
    objectOf(c, h, ['job', 'process', 'thread', 'port']);
    const e = win32(c).process(c.proc).handles.get(h as HANDLE)!;
    if (m & HANDLE_FLAG_INHERIT) e.inheritable = (f & HANDLE_FLAG_INHERIT) !== 0;
    return true;
  },

  GetHandleInformation(c, h: unknown) {
    objectOf(c, h, ['job', 'process', 'thread', 'port']);
    return win32(c).process(c.proc).handles.get(h as HANDLE)!.inheritable ? HANDLE_FLAG_INHERIT : 0;
  },

  // ------------------------------------------------------------------ processes

  CreateProcess(c, appArg: unknown, argvArg: unknown, inheritArg: unknown, flagsValue: unknown) {
    if (typeof appArg !== 'string' || appArg === '') fail(c, 'ERROR_INVALID_PARAMETER', 'lpApplicationName must be the name of a registered program');
    const argv = argvArg ?? [appArg];
    if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) fail(c, 'ERROR_INVALID_PARAMETER', 'the command line must be an array of strings');
    const flags = flagsArg(c, flagsValue, 'dwCreationFlags', CREATE_SUSPENDED | CREATE_BREAKAWAY_FROM_JOB);
    const main = c.kernel.programs.get(appArg);
    if (!main) fail(c, 'ERROR_FILE_NOT_FOUND', `no program named "${appArg}" is registered (sim.register(name, main) adds one)`);
    const w = win32(c);
    const me = w.process(c.proc);
    const breakawayAsked = (flags & CREATE_BREAKAWAY_FROM_JOB) !== 0;
    if (breakawayAsked && me.job && !me.job.letsChildLeave(true)) {
      fail(c, 'ERROR_ACCESS_DENIED', `CREATE_BREAKAWAY_FROM_JOB, but ${me.job.describe()} sets neither JOB_OBJECT_LIMIT_BREAKAWAY_OK nor SILENT_BREAKAWAY_OK`);
    }
    const suspended = (flags & CREATE_SUSPENDED) !== 0;
    const args = argv as string[];
    // A suspended process's first "instruction" is a wait for ResumeThread, so nothing the
    // program does can happen before it is resumed.
    const childMain = suspended
      ? async (k: Sys) => {
          await k.call('initial_thread_suspended', []);
          return main(k, args);
        }
      : (k: Sys) => main(k, args);
    w.creating = { breakawayAsked };
    let child;
    try {
      child = c.kernel.fork(c, childMain, appArg);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EAGAIN') fail(c, 'ERROR_NOT_ENOUGH_QUOTA', e.message);
      throw e;
    } finally {
      w.creating = null;
    }
    child.argv = args;
    // A new program: like execve, it starts without the creator's signal handlers (JS functions
    // of the creator's code); ignored signals stay ignored.
    for (const [sig, act] of [...child.sigactions]) if (typeof act.handler === 'function') child.sigactions.delete(sig);
    const cs = w.process(child);
    cs.object.createdByWin32 = true;
    cs.thread.suspendCount = suspended ? 1 : 0;
    if (inheritArg === true) me.handles.inheritInto(cs.handles);
    const hProcess = me.handles.add(cs.object, false);
    const hThread = me.handles.add(cs.thread, false);
    return { hProcess, hThread, dwProcessId: child.pid, dwThreadId: child.pid };
  },

  /** The suspended initial thread of a CREATE_SUSPENDED process, waiting for ResumeThread. */
  initial_thread_suspended(c) {
    const t = win32(c).process(c.proc).thread;
    if (t.suspendCount === 0) return 0;
    return c.block({
      reason: 'ResumeThread: the process was created with CREATE_SUSPENDED',
      heldBy: c.proc.parent ? [c.proc.parent.pid] : [],
    });
  },

  ResumeThread(c, h: unknown) {
    const t = objectOf(c, h, ['thread']) as ThreadObject;
    const previous = t.suspendCount;
    if (previous > 0) t.suspendCount--;
    if (previous === 1) win32(c).note(c.proc.pid, `pid ${t.process.proc.pid} resumed`);
    c.kernel.scheduler.changed();
    return previous;
  },

  GetCurrentProcess() {
    return CURRENT_PROCESS_PSEUDO_HANDLE;
  },

  OpenProcess(c, access: unknown, inherit: unknown, pidArg: unknown) {
    int(c, access, 'dwDesiredAccess');
    const pid = int(c, pidArg, 'dwProcessId');
    const p = c.kernel.procs.get(pid);
    if (!p || p === c.kernel.init) fail(c, 'ERROR_INVALID_PARAMETER', `no process ${pid}`);
    const w = win32(c);
    return w.process(c.proc).handles.add(w.process(p).object, inherit === true);
  },

  GetProcessId(c, h: unknown) {
    return processObj(c, h).proc.pid;
  },

  TerminateProcess(c, h: unknown, code: unknown) {
    const o = processObj(c, h);
    const n = int(c, code, 'uExitCode');
    if (!o.proc.alive) fail(c, 'ERROR_ACCESS_DENIED', `process ${o.proc.pid} has already terminated`);
    win32(c).terminate(o.proc, n >>> 0, c.proc.pid, `TerminateProcess by pid ${c.proc.pid}`);
    return true;
  },

  GetExitCodeProcess(c, h: unknown) {
    return processObj(c, h).exitCode;
  },

  // ------------------------------------------------------------------ jobs

  CreateJobObject(c, attrs: unknown) {
    const inherit = attrs !== null && attrs !== undefined && record(c, attrs, 'lpJobAttributes').bInheritHandle === true;
    const w = win32(c);
    const j = w.newJob();
    w.note(c.proc.pid, `${j.describe()} created`);
    return w.process(c.proc).handles.add(j, inherit);
  },

  AssignProcessToJobObject(c, hJob: unknown, hProcess: unknown) {
    const j = job(c, hJob);
    const p = processObj(c, hProcess).proc;
    const w = win32(c);
    if (!p.alive) fail(c, 'ERROR_ACCESS_DENIED', `process ${p.pid} has already terminated`);
    w.checkEndOfJob(j, c.proc.pid);
    if (j.signaled) {
      w.terminate(p, END_OF_JOB_TIME_EXIT_CODE, c.proc.pid, `assigned to ${j.describe()} after its end-of-job time limit`);
      fail(c, 'ERROR_NOT_ENOUGH_QUOTA', `${j.describe()} has used up its end-of-job time limit; the process was terminated`);
    }
    const current = w.process(p).job;
    if (current === j || current?.chain().includes(j)) return true;
    if (current) {
      if (w.options.noNestedJobs) {
        fail(c, 'ERROR_ACCESS_DENIED', `pid ${p.pid} is already in ${current.describe()} and jobs do not nest (Windows 7 rules)`);
      }
      if (j.parent === null && j.activeProcesses().length === 0 && !j.subtree().includes(current)) {
        j.parent = current;
        current.children.add(j);
      } else if (j.parent !== current) {
        fail(c, 'ERROR_ACCESS_DENIED', `pid ${p.pid} is already in ${current.describe()}; ${j.describe()} is neither empty nor nested inside it, so no valid job hierarchy exists`);
      }
    }
    w.join(p, j, c.proc.pid);
    return true;
  },

  IsProcessInJob(c, hProcess: unknown, hJob: unknown) {
    const p = processObj(c, hProcess).proc;
    const current = win32(c).peek(p)?.job ?? null;
    if (hJob === null || hJob === undefined || hJob === 0) return current !== null;
    return current?.chain().includes(job(c, hJob)) ?? false;
  },

  TerminateJobObject(c, hJob: unknown, code: unknown) {
    const j = job(c, hJob);
    const n = int(c, code, 'uExitCode');
    win32(c).terminateJob(j, n >>> 0, c.proc.pid, `TerminateJobObject(${j.describe()}) by pid ${c.proc.pid}`);
    return true;
  },

  SetInformationJobObject(c, hJob: unknown, cls: unknown, info: unknown) {
    const j = job(c, hJob);
    const kind = int(c, cls, 'JobObjectInformationClass');
    const data = record(c, info, 'lpJobObjectInformation');
    if (kind === JobObjectBasicLimitInformation) {
      setLimits(c, j, data, false);
    } else if (kind === JobObjectExtendedLimitInformation) {
      setLimits(c, j, record(c, data.BasicLimitInformation, 'BasicLimitInformation'), true);
    } else if (kind === JobObjectAssociateCompletionPortInformation) {
      const h = data.CompletionPort;
      if (h === null || h === undefined || h === 0) {
        j.port = null; // Windows 8+: NULL removes the association.
      } else {
        const p = port(c, h);
        if (j.port && j.port.port !== p) fail(c, 'ERROR_INVALID_PARAMETER', `${j.describe()} is already associated with ${j.port.port.describe()}`);
        j.port = { port: p, key: data.CompletionKey };
      }
    } else {
      fail(c, 'ERROR_INVALID_PARAMETER', `information class ${kind} is not one simos implements`);
    }
    return true;
  },

  QueryInformationJobObject(c, hJob: unknown, cls: unknown) {
    const j = job(c, hJob);
    const kind = int(c, cls, 'JobObjectInformationClass');
    win32(c).checkEndOfJob(j, c.proc.pid);
    if (kind === JobObjectBasicAccountingInformation) {
      return {
        TotalProcesses: j.totalProcesses,
        ActiveProcesses: j.activeProcesses().length,
        TotalTerminatedProcesses: j.totalTerminatedProcesses,
      };
    }
    if (kind === JobObjectBasicLimitInformation) return limitInfo(j);
    if (kind === JobObjectExtendedLimitInformation) return { BasicLimitInformation: limitInfo(j) };
    if (kind === JobObjectAssociateCompletionPortInformation) fail(c, 'ERROR_INVALID_PARAMETER', 'the completion port association cannot be queried');
    return fail(c, 'ERROR_INVALID_PARAMETER', `information class ${kind} is not one simos implements`);
  },

  // ------------------------------------------------------------------ completion ports

  CreateIoCompletionPort(c, file: unknown, existing: unknown, _key: unknown, threads: unknown) {
    if ((file ?? INVALID_HANDLE_VALUE) !== INVALID_HANDLE_VALUE || (existing ?? 0) !== 0) {
      fail(c, 'ERROR_INVALID_PARAMETER', 'simos completion ports carry job messages and posted packets only: pass INVALID_HANDLE_VALUE and no existing port');
    }
    int(c, threads ?? 0, 'NumberOfConcurrentThreads');
    const w = win32(c);
    return w.process(c.proc).handles.add(w.newPort(), false);
  },

  PostQueuedCompletionStatus(c, h: unknown, bytes: unknown, key: unknown, overlapped: unknown) {
    const p = port(c, h);
    p.queue.push({ NumberOfBytesTransferred: int(c, bytes ?? 0, 'dwNumberOfBytesTransferred'), CompletionKey: key ?? 0, Overlapped: int(c, overlapped ?? 0, 'lpOverlapped') });
    c.kernel.scheduler.changed();
    return true;
  },

  GetQueuedCompletionStatus(c, h: unknown, ms: unknown) {
    const me = win32(c).process(c.proc);
    if (c.blockedCount === 0) c.state.port = port(c, h);
    const p = c.state.port as CompletionPort;
    if (me.handles.get(h as HANDLE)?.object !== p) fail(c, 'ERROR_ABANDONED_WAIT_0', `${p.describe()}'s handle was closed while the call waited`);
    const packet = p.queue.shift();
    if (packet) return { ...packet };
    const timeout = timeoutArg(c, ms);
    const until = timeout === undefined ? undefined : ((c.state.until ??= c.nowMs + timeout) as number);
    if (until !== undefined && c.nowMs >= until) fail(c, 'WAIT_TIMEOUT', `no packet on ${p.describe()} within ${timeout} ms`);
    return c.block({ reason: `a packet on ${p.describe()} (GetQueuedCompletionStatus)`, ...(until !== undefined ? { untilMs: until } : {}) });
  },

  // ------------------------------------------------------------------ waiting

  WaitForSingleObject(c, h: unknown, ms: unknown) {
    if (c.blockedCount === 0) c.state.object = objectOf(c, h, ['process', 'thread', 'job']);
    const o = c.state.object as ProcessObject | ThreadObject | JobObject;
    const timeout = timeoutArg(c, ms);
    const until = timeout === undefined ? undefined : ((c.state.until ??= c.nowMs + timeout) as number);
    let reason: string;
    let heldBy: number[];
    let wakeAt = until;
    if (o instanceof JobObject) {
      win32(c).checkEndOfJob(o, c.proc.pid);
      if (o.signaled) return WAIT_OBJECT_0;
      if (o.endOfJobAtMs !== null) wakeAt = Math.min(wakeAt ?? Infinity, o.endOfJobAtMs);
      reason =
        `${o.describe()} to be signaled. A job object is signaled only when its end-of-job time limit runs out, ` +
        'never when its processes exit: wait for JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO on a completion port and poll ActiveProcesses';
      heldBy = o.activeProcesses().map((p) => p.pid);
    } else {
      if (o.signaled) return WAIT_OBJECT_0;
      const pid = o instanceof ThreadObject ? o.process.proc.pid : o.proc.pid;
      reason = `${o.describe()} to terminate (WaitForSingleObject)`;
      heldBy = [pid];
    }
    if (until !== undefined && c.nowMs >= until) return WAIT_TIMEOUT;
    return c.block({ reason, heldBy, ...(wakeAt !== undefined ? { untilMs: wakeAt } : {}) });
  },
};
