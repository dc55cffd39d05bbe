import { describe, expect, it } from 'vitest';
import {
  Sim, CREATE_SUSPENDED, HANDLE_FLAG_INHERIT, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JobObjectExtendedLimitInformation,
  WAIT_OBJECT_0, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

async function killOnCloseJob(k: Sys, inheritable = false): Promise<number> {
  const hJob = await k.CreateJobObject({ bInheritHandle: inheritable });
  await k.SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, {
    BasicLimitInformation: { LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE },
  });
  return hJob;
}

/** `worker`: starts one grandchild (inheriting handles) and sleeps; the grandchild sleeps too. */
function registerWorkers(sim: Sim, pids: number[]): void {
  sim.register('sleeper', async (k) => {
    await k.sleep(10_000);
  });
  sim.register('worker', async (k) => {
    pids.push((await k.CreateProcess('sleeper', ['sleeper'], true)).dwProcessId);
    await k.sleep(10_000);
  });
}

async function startInJob(k: Sys, hJob: number, inheritHandles: boolean) {
  const pi = await k.CreateProcess('worker', ['worker'], inheritHandles, CREATE_SUSPENDED);
  await k.AssignProcessToJobObject(hJob, pi.hProcess);
  await k.ResumeThread(pi.hThread);
  await k.sleep(5);
  return pi;
}

describe('JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE', () => {
  it('closing the last handle terminates every process in the job', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    const grandchildren: number[] = [];
    registerWorkers(sim, grandchildren);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      const pi = await startInJob(k, hJob, false);
      await k.CloseHandle(hJob);
      expect(await k.WaitForSingleObject(pi.hProcess, 0)).toBe(WAIT_OBJECT_0);
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(0);
    });
    expect(sim.alive()).toEqual([]);
    expect(grandchildren).toHaveLength(1);
  });

  it('an inheritable job handle held by a child keeps the job, and the processes, alive', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    const grandchildren: number[] = [];
    registerWorkers(sim, grandchildren);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k, true);
      const pi = await startInJob(k, hJob, true);
      await k.CloseHandle(hJob); // not the last handle: the worker and the grandchild inherited one
      await k.sleep(5);
      expect(sim.process(pi.dwProcessId)?.state).toBe('alive');
      expect(sim.process(grandchildren[0]!)?.state).toBe('alive');
      await k.TerminateProcess(pi.hProcess, 1); // its handle goes; the grandchild still holds one
      await k.sleep(5);
      expect(sim.process(grandchildren[0]!)?.state).toBe('alive');
      await k.TerminateProcess(await k.OpenProcess(0, false, grandchildren[0]!), 1);
    });
  });

  it('the same handle, inheritable but not inherited (bInheritHandles false), does not keep it alive', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    registerWorkers(sim, []);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k, true);
      expect(await k.GetHandleInformation(hJob)).toBe(HANDLE_FLAG_INHERIT);
      await startInJob(k, hJob, false);
      await k.CloseHandle(hJob);
    });
    expect(sim.alive()).toEqual([]);
  });

  it('a process that exits holding the last handle takes the job down with it', async () => {
    const sim = new Sim({ seed: 4, ...quiet });
    const grandchildren: number[] = [];
    registerWorkers(sim, grandchildren);
    sim.register('owner', async (k) => {
      const hJob = await killOnCloseJob(k);
      await startInJob(k, hJob, false);
      await k.sleep(20);
      return 0; // exits without CloseHandle
    });
    await sim.run(async (k) => {
      const owner = await k.CreateProcess('owner');
      await k.sleep(10);
      expect(sim.alive()).toHaveLength(4); // main, owner, worker, grandchild
      await k.WaitForSingleObject(owner.hProcess);
      expect(sim.alive().map((p) => p.program)).toEqual(['main']);
    });
  });

  it('when the main program exits holding the last handle, nothing survives the run', async () => {
    const sim = new Sim({ seed: 5, ...quiet });
    registerWorkers(sim, []);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      await startInJob(k, hJob, false);
      await startInJob(k, hJob, false);
    });
    expect(sim.alive()).toEqual([]);
  });

  it('a child closing the last handle while its parent is in the job: the parent dies at its next step', async () => {
    const sim = new Sim({ seed: 6, ...quiet });
    sim.register('holder', async (k) => {
      await k.sleep(10);
      return 0; // exiting closes the inherited handle, the last one
    });
    sim.register('parent', async (k) => {
      const hJob = await killOnCloseJob(k, true);
      await k.AssignProcessToJobObject(hJob, await k.GetCurrentProcess());
      await k.CreateProcess('holder', ['holder'], true);
      await k.CloseHandle(hJob);
      await k.WaitForSingleObject(await k.CreateJobObject()); // blocks forever: a job is never signaled
    });
    await sim.run(async (k) => {
      const parent = await k.CreateProcess('parent');
      expect(await k.WaitForSingleObject(parent.hProcess, 1000)).toBe(WAIT_OBJECT_0);
      expect(await k.now()).toBeLessThan(20);
    });
    expect(sim.alive().map((p) => p.program)).toEqual([]);
    expect(sim.traceText()).toMatch(/terminated .*at its next step/);
  });
});
