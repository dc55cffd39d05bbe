import { describe, expect, it } from 'vitest';
import {
  Sim, CREATE_SUSPENDED, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JobObjectExtendedLimitInformation, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };
const SEEDS = 60;

type Order = 'suspend-assign-resume' | 'resume-then-assign' | 'not-suspended';

/**
 * Run a child that creates a grandchild on its very first instruction, put the child in a
 * KILL_ON_JOB_CLOSE job in the given order, close the job, and report whether the grandchild
 * outlived the job.
 */
async function grandchildEscapes(seed: number, order: Order): Promise<boolean> {
  const sim = new Sim({ seed, ...quiet });
  let grandchild = 0;
  sim.register('grandchild', async (k) => {
    await k.sleep(10_000);
  });
  sim.register('forks-at-once', async (k) => {
    grandchild = (await k.CreateProcess('grandchild')).dwProcessId;
    await k.sleep(10_000);
  });
  await sim.run(async (k: Sys) => {
    const hJob = await k.CreateJobObject();
    await k.SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, {
      BasicLimitInformation: { LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE },
    });
    const flags = order === 'not-suspended' ? 0 : CREATE_SUSPENDED;
    const pi = await k.CreateProcess('forks-at-once', ['forks-at-once'], false, flags);
    if (order === 'suspend-assign-resume') {
      await k.AssignProcessToJobObject(hJob, pi.hProcess);
      await k.ResumeThread(pi.hThread);
    } else {
      if (order === 'resume-then-assign') await k.ResumeThread(pi.hThread);
      await k.AssignProcessToJobObject(hJob, pi.hProcess);
    }
    await k.sleep(5);
    expect(grandchild).toBeGreaterThan(0);
    await k.CloseHandle(hJob); // the last handle: every process in the job is terminated
    expect(sim.process(pi.dwProcessId)?.state).not.toBe('alive');
  });
  return sim.process(grandchild)?.state === 'alive';
}

async function escapes(order: Order): Promise<number[]> {
  const seeds: number[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) if (await grandchildEscapes(seed, order)) seeds.push(seed);
  return seeds;
}

describe('creating a process in a job (Chen 2013-12-09)', () => {
  it('create suspended, assign, then resume: the grandchild is in the job under every seed', async () => {
    expect(await escapes('suspend-assign-resume')).toEqual([]);
  });

  it('resume, then assign: the grandchild escapes under some seeds but not all (a race)', async () => {
    const seeds = await escapes('resume-then-assign');
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds.length).toBeLessThan(SEEDS);
  });

  it('not suspended at all: the same race', async () => {
    const seeds = await escapes('not-suspended');
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds.length).toBeLessThan(SEEDS);
  });
});
