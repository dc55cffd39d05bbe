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

/**
 * Run program `cmd` so that it and everything it ever starts is in a job that dies with the
 * caller's handle (KILL_ON_JOB_CLOSE). Wait until every process in the job has exited, then
 * return the program's exit code. Every handle opened here is closed before returning.
 */
export async function runInJob(k: Sys, cmd: string): Promise<number> {
  // This runs the program and waits for it, and only for it: whatever the program starts is on
  // its own. Put the program and its descendants in a job object.
  const pi = await k.CreateProcess(cmd, [cmd], true);
  try {
    await k.WaitForSingleObject(pi.hProcess);
    return await k.GetExitCodeProcess(pi.hProcess);
  } finally {
    await k.CloseHandle(pi.hThread);
    await k.CloseHandle(pi.hProcess);
  }
}
