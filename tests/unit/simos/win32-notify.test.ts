import { describe, expect, it } from 'vitest';
import {
  Sim, SimulationError, configureWin32, isWin32Error, CREATE_SUSPENDED, INFINITE, WAIT_OBJECT_0, WAIT_TIMEOUT,
  JOB_OBJECT_LIMIT_JOB_TIME, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, JOB_OBJECT_MSG_EXIT_PROCESS, JOB_OBJECT_MSG_NEW_PROCESS,
  JobObjectAssociateCompletionPortInformation, JobObjectBasicAccountingInformation, JobObjectBasicLimitInformation,
  INVALID_HANDLE_VALUE, type CompletionPacket, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

function register(sim: Sim): void {
  sim.register('brief', async (k, argv) => {
    await k.sleep(Number(argv[1] ?? 10));
  });
  sim.register('parent-of-two', async (k) => {
    await k.CreateProcess('brief', ['brief', '30']);
    await k.CreateProcess('brief', ['brief', '50']);
    await k.sleep(5);
  });
}

/** A job with a completion port, running `parent-of-two` (3 processes in all). */
async function jobWithPort(k: Sys, key: unknown = 'job-key') {
  const hJob = await k.CreateJobObject();
  const hPort = await k.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0, 1);
  await k.SetInformationJobObject(hJob, JobObjectAssociateCompletionPortInformation, { CompletionKey: key, CompletionPort: hPort });
  const pi = await k.CreateProcess('parent-of-two', ['parent-of-two'], false, CREATE_SUSPENDED);
  await k.AssignProcessToJobObject(hJob, pi.hProcess);
  await k.ResumeThread(pi.hThread);
  return { hJob, hPort, pi };
}

describe('WaitForSingleObject on a job handle', () => {
  it('never returns when waiting for the processes to finish: the run deadlocks', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    register(sim);
    const run = sim.run(async (k) => {
      const { hJob } = await jobWithPort(k);
      await k.WaitForSingleObject(hJob, INFINITE);
    });
    await expect(run).rejects.toThrow(SimulationError);
    await expect(run).rejects.toThrow(/job 1 to be signaled.*only when its end-of-job time limit runs out/);
  });

  it('times out even though every process of the job has exited', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    register(sim);
    await sim.run(async (k) => {
      const { hJob } = await jobWithPort(k);
      expect(await k.WaitForSingleObject(hJob, 500)).toBe(WAIT_TIMEOUT);
      expect(await k.now()).toBe(500);
      expect((await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation)).ActiveProcesses).toBe(0);
    });
  });

  it('is signaled when the end-of-job time limit runs out, which terminates the processes', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    register(sim);
    await sim.run(async (k) => {
      const hJob = await k.CreateJobObject();
      await k.SetInformationJobObject(hJob, JobObjectBasicLimitInformation, { LimitFlags: JOB_OBJECT_LIMIT_JOB_TIME, PerJobUserTimeLimit: 20 * 10_000 });
      const pi = await k.CreateProcess('brief', ['brief', '1000'], false, CREATE_SUSPENDED);
      await k.AssignProcessToJobObject(hJob, pi.hProcess);
      await k.ResumeThread(pi.hThread);
      expect(await k.WaitForSingleObject(hJob)).toBe(WAIT_OBJECT_0);
      expect(await k.now()).toBe(20);
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(1816); // ERROR_NOT_ENOUGH_QUOTA
      expect(await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation)).toEqual({
        TotalProcesses: 1, ActiveProcesses: 0, TotalTerminatedProcesses: 1,
      });
      const late = await k.CreateProcess('brief', ['brief'], false, CREATE_SUSPENDED);
      await expect(k.AssignProcessToJobObject(hJob, late.hProcess)).rejects.toMatchObject({ code: 'ERROR_NOT_ENOUGH_QUOTA' });
    });
  });
});

describe('job notifications on a completion port', () => {
  it('posts NEW_PROCESS and EXIT_PROCESS per process, then ACTIVE_PROCESS_ZERO', async () => {
    const sim = new Sim({ seed: 4, ...quiet });
    register(sim);
    await sim.run(async (k) => {
      const { hPort, pi } = await jobWithPort(k, 42);
      const got: CompletionPacket[] = [];
      for (;;) {
        const m = await k.GetQueuedCompletionStatus(hPort, INFINITE);
        got.push(m);
        if (m.NumberOfBytesTransferred === JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO) break;
      }
      expect(await k.now()).toBe(50);
      const kinds = got.map((m) => m.NumberOfBytesTransferred);
      expect(kinds.filter((m) => m === JOB_OBJECT_MSG_NEW_PROCESS)).toHaveLength(3);
      expect(kinds.filter((m) => m === JOB_OBJECT_MSG_EXIT_PROCESS)).toHaveLength(3);
      expect(kinds.at(-1)).toBe(JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO);
      expect(got.every((m) => m.CompletionKey === 42)).toBe(true);
      expect(got[0]).toEqual({ NumberOfBytesTransferred: JOB_OBJECT_MSG_NEW_PROCESS, CompletionKey: 42, Overlapped: pi.dwProcessId });
      expect(got.at(-1)!.Overlapped).toBe(0);
    });
  });

  it('GetQueuedCompletionStatus times out in virtual time with WAIT_TIMEOUT', async () => {
    const sim = new Sim({ seed: 5, ...quiet });
    await sim.run(async (k) => {
      const hPort = await k.CreateIoCompletionPort();
      const e = await k.GetQueuedCompletionStatus(hPort, 250).catch((x: unknown) => x);
      expect(isWin32Error(e, 'WAIT_TIMEOUT')).toBe(true);
      expect(await k.now()).toBe(250);
      await k.PostQueuedCompletionStatus(hPort, 99, 'mine', 7);
      expect(await k.GetQueuedCompletionStatus(hPort, 0)).toEqual({ NumberOfBytesTransferred: 99, CompletionKey: 'mine', Overlapped: 7 });
      await expect(k.CreateIoCompletionPort(4)).rejects.toMatchObject({ code: 'ERROR_INVALID_PARAMETER' });
    });
  });

  it('a nested job\'s messages also reach the parent job\'s port', async () => {
    const sim = new Sim({ seed: 6, ...quiet });
    register(sim);
    await sim.run(async (k) => {
      const outer = await k.CreateJobObject();
      const inner = await k.CreateJobObject();
      const outerPort = await k.CreateIoCompletionPort();
      await k.SetInformationJobObject(outer, JobObjectAssociateCompletionPortInformation, { CompletionKey: 'outer', CompletionPort: outerPort });
      const pi = await k.CreateProcess('brief', ['brief', '10'], false, CREATE_SUSPENDED);
      await k.AssignProcessToJobObject(outer, pi.hProcess);
      await k.AssignProcessToJobObject(inner, pi.hProcess);
      await k.ResumeThread(pi.hThread);
      await k.WaitForSingleObject(pi.hProcess);
      const got: number[] = [];
      for (;;) {
        const m = await k.GetQueuedCompletionStatus(outerPort, 0).catch(() => null);
        if (!m) break;
        got.push(m.NumberOfBytesTransferred);
      }
      // NEW (outer), NEW (inner, relayed), EXIT, ACTIVE_PROCESS_ZERO for inner and for outer.
      expect(got).toEqual([6, 6, 7, 4, 4]);
    });
  });

  it('with the drop fault no message arrives, so waiting must fall back to polling ActiveProcesses', async () => {
    const sim = new Sim({ seed: 7, ...quiet });
    register(sim);
    configureWin32(sim, { dropJobMessages: true });
    await sim.run(async (k) => {
      const { hJob, hPort } = await jobWithPort(k);
      const e = await k.GetQueuedCompletionStatus(hPort, 200).catch((x: unknown) => x);
      expect(isWin32Error(e, 'WAIT_TIMEOUT')).toBe(true);
      let polls = 0;
      while ((await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation)).ActiveProcesses > 0) {
        polls++;
        await k.sleep(10);
      }
      expect(polls).toBe(0); // by 200 ms everything had exited; the message simply never came
    });
    expect(sim.traceText()).toMatch(/dropped \(fault: delivery is not guaranteed\)/);
  });

  it('a drop probability loses some messages and not others, the same way for the same seed', async () => {
    const delivered = async (seed: number) => {
      const sim = new Sim({ seed, ...quiet });
      register(sim);
      configureWin32(sim, { dropJobMessages: 0.5 });
      let n = 0;
      await sim.run(async (k) => {
        const { hPort } = await jobWithPort(k);
        await k.sleep(100);
        while (await k.GetQueuedCompletionStatus(hPort, 0).then(() => true, () => false)) n++;
      });
      return n;
    };
    const counts = [];
    for (let seed = 1; seed <= 8; seed++) counts.push(await delivered(seed));
    expect(Math.min(...counts)).toBeLessThan(7);
    expect(Math.max(...counts)).toBeGreaterThan(0);
    expect(await delivered(3)).toBe(counts[2]);
  });

  it('ERROR_ABANDONED_WAIT_0 when the port handle is closed during the wait', async () => {
    const sim = new Sim({ seed: 8, ...quiet });
    await sim.run(async (k) => {
      const hPort = await k.CreateIoCompletionPort();
      const closer = await k.thread(async (t) => {
        await t.sleep(30);
        await t.CloseHandle(hPort);
      });
      await expect(k.GetQueuedCompletionStatus(hPort)).rejects.toMatchObject({ code: 'ERROR_ABANDONED_WAIT_0' });
      await k.join(closer);
    });
  });
});
