import {
  CREATE_SUSPENDED,
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
  JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO,
  JobObjectAssociateCompletionPortInformation,
  JobObjectBasicAccountingInformation,
  JobObjectExtendedLimitInformation,
  isWin32Error,
  type HANDLE,
  type Sys,
} from 'simos';

/** How long to wait for a job message before asking the job itself (virtual ms). */
const RECHECK_MS = 100;

/**
 * Wait until no process is left in the job. The port's ACTIVE_PROCESS_ZERO message is the quick
 * way to learn it, but its delivery is not guaranteed, so the count is checked every RECHECK_MS too.
 */
async function waitUntilEmpty(k: Sys, hJob: HANDLE, hPort: HANDLE): Promise<void> {
  for (;;) {
    const { ActiveProcesses } = await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation);
    if (ActiveProcesses === 0) return;
    try {
      const packet = await k.GetQueuedCompletionStatus(hPort, RECHECK_MS);
      if (packet.NumberOfBytesTransferred === JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO) return;
    } catch (e) {
      if (!isWin32Error(e, 'WAIT_TIMEOUT')) throw e;
    }
  }
}

/**
 * Run program `cmd` so that it and everything it ever starts is in a job that dies with the
 * caller's handle (KILL_ON_JOB_CLOSE). Wait until every process in the job has exited, then
 * return the program's exit code. Every handle opened here is closed before returning.
 */
export async function runInJob(k: Sys, cmd: string): Promise<number> {
  const opened: HANDLE[] = [];
  try {
    // Not inheritable (the default): a process holding a copy would keep the job open.
    const hJob = await k.CreateJobObject();
    opened.push(hJob);
    // Bug: never sets JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE. The job still counts the processes, but
    // closing it (or the caller dying) leaves them running.
    const hPort = await k.CreateIoCompletionPort();
    opened.push(hPort);
    await k.SetInformationJobObject(hJob, JobObjectAssociateCompletionPortInformation, { CompletionKey: hJob, CompletionPort: hPort });
    // Suspended, so that the program cannot start anything before it is in the job.
    const pi = await k.CreateProcess(cmd, [cmd], true, CREATE_SUSPENDED);
    opened.push(pi.hThread, pi.hProcess);
    try {
      await k.AssignProcessToJobObject(hJob, pi.hProcess);
    } catch (e) {
      await k.TerminateProcess(pi.hProcess, 1); // never leave a suspended orphan behind
      throw e;
    }
    await k.ResumeThread(pi.hThread);
    await waitUntilEmpty(k, hJob, hPort);
    return await k.GetExitCodeProcess(pi.hProcess);
  } finally {
    // On an error path the job may still hold processes: closing it last kills them.
    for (const h of opened.reverse()) await k.CloseHandle(h);
  }
}
