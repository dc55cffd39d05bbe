/**
 * The Win32 personality on `k`: process creation and job objects as Windows programs call them.
 * Method names and parameters follow the Windows API; each TSDoc names its Microsoft Learn page.
 * Where the C function returns FALSE or NULL, these reject with `Win32Error` (`code` is the
 * error name such as 'ERROR_ACCESS_DENIED', `lastError` its number). Processes made here are
 * ordinary simos processes: they appear in the process tree, traces and `sim.processes()`.
 */
import { Sys } from '../sys.ts';
import type {
  HANDLE,
  JobObjectAssociateCompletionPortInformation,
  JobObjectBasicAccountingInformation,
  JobObjectBasicLimitInformation,
  JobObjectExtendedLimitInformation,
} from './constants.ts';
import type { CompletionPacket } from './iocp.ts';

/** What CreateProcess returns (PROCESS_INFORMATION). dwThreadId equals dwProcessId in simos. */
export interface PROCESS_INFORMATION {
  hProcess: HANDLE;
  hThread: HANDLE;
  dwProcessId: number;
  dwThreadId: number;
}

/** SECURITY_ATTRIBUTES, reduced to the inherit flag of the new handle. */
export interface SECURITY_ATTRIBUTES {
  bInheritHandle?: boolean;
}

export interface JOBOBJECT_BASIC_LIMIT_INFORMATION {
  /** JOB_OBJECT_LIMIT_* bits. */
  LimitFlags: number;
  /** With JOB_OBJECT_LIMIT_JOB_TIME: the end-of-job limit in 100-ns ticks. */
  PerJobUserTimeLimit?: number;
}

export interface JOBOBJECT_EXTENDED_LIMIT_INFORMATION {
  BasicLimitInformation: JOBOBJECT_BASIC_LIMIT_INFORMATION;
}

export interface JOBOBJECT_ASSOCIATE_COMPLETION_PORT {
  /** Returned as CompletionKey with every message of this job. */
  CompletionKey: unknown;
  /** A port handle from CreateIoCompletionPort; null removes the association. */
  CompletionPort: HANDLE | null;
}

export interface JOBOBJECT_BASIC_ACCOUNTING_INFORMATION {
  /** Processes ever associated with the job, including those that have terminated. */
  TotalProcesses: number;
  /** Processes associated with the job now (those of nested jobs included). */
  ActiveProcesses: number;
  /** Processes terminated because of a limit violation (here: the end-of-job time limit). */
  TotalTerminatedProcesses: number;
}

export type { CompletionPacket };

declare module '../sys.ts' {
  interface Sys {
    /**
     * CreateProcess (CreateProcessW, "Process Creation Flags"): start registered program
     * `lpApplicationName` with `lpCommandLine` as argv, in a new process whose parent is the
     * caller. The child joins the caller's job (see Job Objects), unless it breaks away.
     * - `bInheritHandles`: the child receives every *inheritable* handle of the caller, at the
     *   same values (an inherited job handle keeps a KILL_ON_JOB_CLOSE job open).
     * - `dwCreationFlags`: CREATE_SUSPENDED (the program does not start until ResumeThread on
     *   hThread), CREATE_BREAKAWAY_FROM_JOB (the child is not put in the caller's job; fails with
     *   ERROR_ACCESS_DENIED unless the job sets JOB_OBJECT_LIMIT_BREAKAWAY_OK).
     * Returns handles to the new process and its primary thread; close them with CloseHandle.
     * Errors: ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER (unknown flag),
     * ERROR_NOT_ENOUGH_QUOTA (process limit or cgroup pids.max).
     */
    CreateProcess(lpApplicationName: string, lpCommandLine?: string[], bInheritHandles?: boolean, dwCreationFlags?: number): Promise<PROCESS_INFORMATION>;
    /**
     * ResumeThread: decrement the thread's suspend count; at 0 the thread runs. Returns the
     * previous count (1 for a thread created CREATE_SUSPENDED, 0 if it was running).
     * Errors: ERROR_INVALID_HANDLE.
     */
    ResumeThread(hThread: HANDLE): Promise<number>;
    /** GetCurrentProcess: the pseudo-handle (-1) for the calling process; it needs no closing. */
    GetCurrentProcess(): Promise<HANDLE>;
    /**
     * OpenProcess: a new handle to process `dwProcessId` (any access is granted in simos).
     * Errors: ERROR_INVALID_PARAMETER (no such process).
     */
    OpenProcess(dwDesiredAccess: number, bInheritHandle: boolean, dwProcessId: number): Promise<HANDLE>;
    /** GetProcessId: the process id behind a process handle. ERROR_INVALID_HANDLE. */
    GetProcessId(hProcess: HANDLE): Promise<number>;
    /**
     * TerminateProcess: end the process unconditionally with exit code `uExitCode`.
     * Errors: ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED (it has already terminated).
     */
    TerminateProcess(hProcess: HANDLE, uExitCode: number): Promise<true>;
    /**
     * GetExitCodeProcess: STILL_ACTIVE (259) while the process runs, then its exit code (or the
     * code it was terminated with). ERROR_INVALID_HANDLE.
     */
    GetExitCodeProcess(hProcess: HANDLE): Promise<number>;
    /**
     * WaitForSingleObject: wait until the object is signaled or `dwMilliseconds` (virtual; default
     * INFINITE) pass. Returns WAIT_OBJECT_0 or WAIT_TIMEOUT.
     * - A process or thread handle is signaled when the process terminates.
     * - A job handle is signaled ONLY when the job's end-of-job time limit runs out
     *   (JOBOBJECT_END_OF_JOB_TIME_INFORMATION), never when its processes exit: waiting on a job
     *   for its processes to finish never returns. Use a completion port
     *   (JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO) and poll ActiveProcesses.
     * Errors: ERROR_INVALID_HANDLE (not a process, thread or job handle).
     */
    WaitForSingleObject(hHandle: HANDLE, dwMilliseconds?: number): Promise<number>;
    /**
     * CloseHandle: close a handle. When the last handle to a job with
     * JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE closes (explicitly, or because the process holding it
     * exits), every process in the job is terminated. ERROR_INVALID_HANDLE.
     */
    CloseHandle(hObject: HANDLE): Promise<true>;
    /**
     * SetHandleInformation: with `dwMask` HANDLE_FLAG_INHERIT, make the handle inheritable
     * (`dwFlags` HANDLE_FLAG_INHERIT) or not (0). ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER.
     */
    SetHandleInformation(hObject: HANDLE, dwMask: number, dwFlags: number): Promise<true>;
    /** GetHandleInformation: HANDLE_FLAG_INHERIT if the handle is inheritable, else 0. */
    GetHandleInformation(hObject: HANDLE): Promise<number>;

    /**
     * CreateJobObject: a new job with no processes and no limits. `lpJobAttributes` with
     * `bInheritHandle: true` makes the returned handle inheritable. Named jobs are not modelled.
     */
    CreateJobObject(lpJobAttributes?: SECURITY_ATTRIBUTES | null): Promise<HANDLE>;
    /**
     * AssignProcessToJobObject: put a process in a job; it can never leave. Processes it creates
     * afterwards join the job too; processes it created before do not. If the process is already
     * in a job, the new job must be empty (it then nests inside the process's job) or already
     * nested inside that job (Windows 8+; with the `noNestedJobs` option: Windows 7 rules).
     * Errors: ERROR_ACCESS_DENIED (no valid job hierarchy; process terminated),
     * ERROR_INVALID_HANDLE, ERROR_NOT_ENOUGH_QUOTA (the job's end-of-job time has run out).
     */
    AssignProcessToJobObject(hJob: HANDLE, hProcess: HANDLE): Promise<true>;
    /** IsProcessInJob: is the process in `hJob` (or, with null, in any job)? */
    IsProcessInJob(hProcess: HANDLE, hJob: HANDLE | null): Promise<boolean>;
    /**
     * TerminateJobObject: terminate every process in the job and its nested jobs, with exit code
     * `uExitCode`, as if TerminateProcess were called for each. ERROR_INVALID_HANDLE.
     */
    TerminateJobObject(hJob: HANDLE, uExitCode: number): Promise<true>;
    /**
     * SetInformationJobObject with JobObjectBasicLimitInformation: LimitFlags
     * JOB_OBJECT_LIMIT_JOB_TIME (+ PerJobUserTimeLimit in 100-ns ticks; simos counts virtual time
     * since the call, as it has no CPU accounting). Errors: ERROR_INVALID_PARAMETER.
     */
    SetInformationJobObject(hJob: HANDLE, JobObjectInformationClass: typeof JobObjectBasicLimitInformation, info: JOBOBJECT_BASIC_LIMIT_INFORMATION): Promise<true>;
    /**
     * SetInformationJobObject with JobObjectExtendedLimitInformation: LimitFlags may also hold
     * JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, BREAKAWAY_OK (children created with
     * CREATE_BREAKAWAY_FROM_JOB leave the job) and SILENT_BREAKAWAY_OK (children never join).
     */
    SetInformationJobObject(hJob: HANDLE, JobObjectInformationClass: typeof JobObjectExtendedLimitInformation, info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION): Promise<true>;
    /**
     * SetInformationJobObject with JobObjectAssociateCompletionPortInformation: the job posts
     * JOB_OBJECT_MSG_NEW_PROCESS, _EXIT_PROCESS and _ACTIVE_PROCESS_ZERO to the port (and to the
     * ports of the jobs it is nested in). Delivery "is not guaranteed"
     * (JOBOBJECT_ASSOCIATE_COMPLETION_PORT). ERROR_INVALID_PARAMETER if another port is associated.
     */
    SetInformationJobObject(hJob: HANDLE, JobObjectInformationClass: typeof JobObjectAssociateCompletionPortInformation, info: JOBOBJECT_ASSOCIATE_COMPLETION_PORT): Promise<true>;
    /** QueryInformationJobObject: TotalProcesses, ActiveProcesses, TotalTerminatedProcesses. */
    QueryInformationJobObject(hJob: HANDLE, JobObjectInformationClass: typeof JobObjectBasicAccountingInformation): Promise<JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>;
    /** QueryInformationJobObject: the job's limits. */
    QueryInformationJobObject(hJob: HANDLE, JobObjectInformationClass: typeof JobObjectBasicLimitInformation): Promise<JOBOBJECT_BASIC_LIMIT_INFORMATION>;
    QueryInformationJobObject(hJob: HANDLE, JobObjectInformationClass: typeof JobObjectExtendedLimitInformation): Promise<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>;

    /**
     * CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0, 0): a new completion port. Associating
     * files with ports is not modelled (ERROR_INVALID_PARAMETER).
     */
    CreateIoCompletionPort(FileHandle?: HANDLE, ExistingCompletionPort?: HANDLE | null, CompletionKey?: unknown, NumberOfConcurrentThreads?: number): Promise<HANDLE>;
    /**
     * GetQueuedCompletionStatus: dequeue the next packet, waiting up to `dwMilliseconds` (virtual;
     * default INFINITE). Job messages carry the JOB_OBJECT_MSG_* id in NumberOfBytesTransferred,
     * the association's key in CompletionKey and the process id (or 0) in Overlapped.
     * Errors: WAIT_TIMEOUT (nothing arrived in time), ERROR_ABANDONED_WAIT_0 (the port handle was
     * closed during the wait), ERROR_INVALID_HANDLE.
     */
    GetQueuedCompletionStatus(CompletionPort: HANDLE, dwMilliseconds?: number): Promise<CompletionPacket>;
    /** PostQueuedCompletionStatus: enqueue a packet of your own. ERROR_INVALID_HANDLE. */
    PostQueuedCompletionStatus(CompletionPort: HANDLE, dwNumberOfBytesTransferred: number, dwCompletionKey?: unknown, lpOverlapped?: number): Promise<true>;
  }
}

Sys.prototype.CreateProcess = function (app, cmdline, inherit = false, flags = 0) {
  return this.call('CreateProcess', [app, cmdline ?? [app], inherit, flags]);
};
Sys.prototype.ResumeThread = function (h) {
  return this.call('ResumeThread', [h]);
};
Sys.prototype.GetCurrentProcess = function () {
  return this.call('GetCurrentProcess', []);
};
Sys.prototype.OpenProcess = function (access, inherit, pid) {
  return this.call('OpenProcess', [access, inherit, pid]);
};
Sys.prototype.GetProcessId = function (h) {
  return this.call('GetProcessId', [h]);
};
Sys.prototype.TerminateProcess = function (h, code) {
  return this.call('TerminateProcess', [h, code]);
};
Sys.prototype.GetExitCodeProcess = function (h) {
  return this.call('GetExitCodeProcess', [h]);
};
Sys.prototype.WaitForSingleObject = function (h, ms) {
  return this.call('WaitForSingleObject', ms === undefined ? [h] : [h, ms]);
};
Sys.prototype.CloseHandle = function (h) {
  return this.call('CloseHandle', [h]);
};
Sys.prototype.SetHandleInformation = function (h, mask, flags) {
  return this.call('SetHandleInformation', [h, mask, flags]);
};
Sys.prototype.GetHandleInformation = function (h) {
  return this.call('GetHandleInformation', [h]);
};
Sys.prototype.CreateJobObject = function (attrs = null) {
  return this.call('CreateJobObject', [attrs]);
};
Sys.prototype.AssignProcessToJobObject = function (hJob, hProcess) {
  return this.call('AssignProcessToJobObject', [hJob, hProcess]);
};
Sys.prototype.IsProcessInJob = function (hProcess, hJob) {
  return this.call('IsProcessInJob', [hProcess, hJob]);
};
Sys.prototype.TerminateJobObject = function (hJob, code) {
  return this.call('TerminateJobObject', [hJob, code]);
};
Sys.prototype.SetInformationJobObject = function (this: Sys, hJob: HANDLE, cls: number, info: object): Promise<true> {
  return this.call('SetInformationJobObject', [hJob, cls, info]);
};
Sys.prototype.QueryInformationJobObject = function (this: Sys, hJob: HANDLE, cls: number): Promise<never> {
  return this.call('QueryInformationJobObject', [hJob, cls]);
};
Sys.prototype.CreateIoCompletionPort = function (file = -1, existing = null, key = 0, threads = 0) {
  return this.call('CreateIoCompletionPort', [file, existing, key, threads]);
};
Sys.prototype.GetQueuedCompletionStatus = function (port, ms) {
  return this.call('GetQueuedCompletionStatus', ms === undefined ? [port] : [port, ms]);
};
Sys.prototype.PostQueuedCompletionStatus = function (port, bytes, key = 0, overlapped = 0) {
  return this.call('PostQueuedCompletionStatus', [port, bytes, key, overlapped]);
};
