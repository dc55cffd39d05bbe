import { describe, expect, it } from 'vitest';
import {
  Sim, configureWin32, CREATE_BREAKAWAY_FROM_JOB, CREATE_SUSPENDED, JOB_OBJECT_LIMIT_BREAKAWAY_OK,
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK, JobObjectBasicAccountingInformation,
  JobObjectBasicLimitInformation, JobObjectExtendedLimitInformation, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

/** Registers `spawner`: creates `argv[1]` children of program `argv[2]` with creation flags `argv[3]`, reports their pids. */
function withPrograms(sim: Sim, pidsOut: number[], errors: string[] = []): Sim {
  sim.register('sleeper', async (k) => {
    await k.sleep(1000);
  });
  sim.register('spawner', async (k, argv) => {
    const [, count = '1', program = 'sleeper', flags = '0'] = argv;
    for (let i = 0; i < Number(count); i++) {
      try {
        const pi = await k.CreateProcess(program, [program], false, Number(flags));
        pidsOut.push(pi.dwProcessId);
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
    }
    await k.sleep(1000);
  });
  return sim;
}

async function accounting(k: Sys, hJob: number) {
  return k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation);
}

describe('job membership', () => {
  it('children of a process in a job join the job; children it made before stay out', async () => {
    const made: number[] = [];
    const sim = withPrograms(new Sim({ seed: 1, ...quiet }), made);
    await sim.run(async (k) => {
      const hJob = await k.CreateJobObject();
      const early = await k.CreateProcess('sleeper');
      const pi = await k.CreateProcess('spawner', ['spawner', '2'], false, CREATE_SUSPENDED);
      await k.AssignProcessToJobObject(hJob, pi.hProcess);
      await k.ResumeThread(pi.hThread);
      await k.sleep(10);
      expect(made).toHaveLength(2);
      for (const pid of made) {
        const h = await k.OpenProcess(0, false, pid);
        expect(await k.IsProcessInJob(h, hJob)).toBe(true);
      }
      expect(await k.IsProcessInJob(early.hProcess, hJob)).toBe(false);
      expect(await k.IsProcessInJob(early.hProcess, null)).toBe(false);
      expect(await accounting(k, hJob)).toEqual({ TotalProcesses: 3, ActiveProcesses: 3, TotalTerminatedProcesses: 0 });
      await k.TerminateJobObject(hJob, 9);
      expect(await accounting(k, hJob)).toMatchObject({ TotalProcesses: 3, ActiveProcesses: 0 });
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(9);
      expect(sim.process(early.dwProcessId)?.state).toBe('alive');
      await k.TerminateProcess(early.hProcess, 0);
    });
  });

  it('POSIX fork inside a job inherits the job too', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    await sim.run(async (k) => {
      const hJob = await k.CreateJobObject();
      await k.AssignProcessToJobObject(hJob, await k.GetCurrentProcess());
      const child = await k.fork(async (c) => {
        await c.sleep(50);
      });
      expect(await k.IsProcessInJob(await k.OpenProcess(0, false, child), hJob)).toBe(true);
      expect((await accounting(k, hJob)).ActiveProcesses).toBe(2);
      await k.waitpid(child);
      expect((await accounting(k, hJob)).ActiveProcesses).toBe(1);
    });
  });
});

describe('breakaway', () => {
  const cases = [
    { limits: 0, flags: CREATE_BREAKAWAY_FROM_JOB, expectErr: 'ERROR_ACCESS_DENIED', inJob: undefined },
    { limits: JOB_OBJECT_LIMIT_BREAKAWAY_OK, flags: CREATE_BREAKAWAY_FROM_JOB, expectErr: undefined, inJob: false },
    { limits: JOB_OBJECT_LIMIT_BREAKAWAY_OK, flags: 0, expectErr: undefined, inJob: true },
    { limits: JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK, flags: 0, expectErr: undefined, inJob: false },
    { limits: JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK, flags: CREATE_BREAKAWAY_FROM_JOB, expectErr: undefined, inJob: false },
  ];
  for (const c of cases) {
    it(`limits 0x${c.limits.toString(16)}, creation flags 0x${c.flags.toString(16)}`, async () => {
      const made: number[] = [];
      const errors: string[] = [];
      const sim = withPrograms(new Sim({ seed: 3, ...quiet }), made, errors);
      await sim.run(async (k) => {
        const hJob = await k.CreateJobObject();
        await k.SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, { BasicLimitInformation: { LimitFlags: c.limits } });
        const pi = await k.CreateProcess('spawner', ['spawner', '1', 'sleeper', String(c.flags)], false, CREATE_SUSPENDED);
        await k.AssignProcessToJobObject(hJob, pi.hProcess);
        await k.ResumeThread(pi.hThread);
        await k.sleep(10);
        if (c.expectErr) {
          expect(errors).toEqual([c.expectErr]);
          expect(made).toEqual([]);
        } else {
          expect(errors).toEqual([]);
          const h = await k.OpenProcess(0, false, made[0]!);
          expect(await k.IsProcessInJob(h, hJob)).toBe(c.inJob);
        }
        await k.TerminateJobObject(hJob, 1);
        for (const pid of made) if (sim.process(pid)?.state === 'alive') await k.kill(pid, 9);
      });
    });
  }

  it('rejects the extended-only limits in the basic information class', async () => {
    const sim = new Sim({ seed: 4, ...quiet });
    await sim.run(async (k) => {
      const hJob = await k.CreateJobObject();
      await expect(
        k.SetInformationJobObject(hJob, JobObjectBasicLimitInformation, { LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE }),
      ).rejects.toMatchObject({ code: 'ERROR_INVALID_PARAMETER' });
      await expect(
        k.SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, { BasicLimitInformation: { LimitFlags: 0x100 } }),
      ).rejects.toMatchObject({ code: 'ERROR_INVALID_PARAMETER' });
      await k.SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, { BasicLimitInformation: { LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE } });
      expect(await k.QueryInformationJobObject(hJob, JobObjectExtendedLimitInformation)).toEqual({
        BasicLimitInformation: { LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, PerJobUserTimeLimit: 0 },
      });
    });
  });
});

describe('a process never leaves its job; jobs nest', () => {
  it('assigning a member to an empty job nests that job inside the first', async () => {
    const sim = new Sim({ seed: 5, ...quiet });
    sim.register('sleeper', async (k) => {
      await k.sleep(1000);
    });
    await sim.run(async (k) => {
      const outer = await k.CreateJobObject();
      const inner = await k.CreateJobObject();
      const a = await k.CreateProcess('sleeper');
      const b = await k.CreateProcess('sleeper');
      await k.AssignProcessToJobObject(outer, a.hProcess);
      await k.AssignProcessToJobObject(outer, b.hProcess);
      await k.AssignProcessToJobObject(inner, a.hProcess);
      expect(await k.IsProcessInJob(a.hProcess, inner)).toBe(true);
      expect(await k.IsProcessInJob(a.hProcess, outer)).toBe(true);
      expect(await k.IsProcessInJob(b.hProcess, inner)).toBe(false);
      expect((await accounting(k, outer)).ActiveProcesses).toBe(2);
      expect((await accounting(k, inner)).ActiveProcesses).toBe(1);
      // A third job with a process of its own cannot take a member of `outer`.
      const other = await k.CreateJobObject();
      const c = await k.CreateProcess('sleeper');
      await k.AssignProcessToJobObject(other, c.hProcess);
      await expect(k.AssignProcessToJobObject(other, b.hProcess)).rejects.toMatchObject({ code: 'ERROR_ACCESS_DENIED' });
      // Terminating the outer job takes the nested one's processes too.
      await k.TerminateJobObject(outer, 3);
      expect((await accounting(k, inner)).ActiveProcesses).toBe(0);
      expect(await k.GetExitCodeProcess(a.hProcess)).toBe(3);
      await k.TerminateJobObject(other, 3);
    });
  });

  it('with Windows 7 rules a process already in a job cannot be assigned again', async () => {
    const sim = new Sim({ seed: 6, ...quiet });
    configureWin32(sim, { noNestedJobs: true });
    await sim.run(async (k) => {
      const first = await k.CreateJobObject();
      const second = await k.CreateJobObject();
      const me = await k.GetCurrentProcess();
      await k.AssignProcessToJobObject(first, me);
      await expect(k.AssignProcessToJobObject(second, me)).rejects.toMatchObject({ code: 'ERROR_ACCESS_DENIED' });
      expect(await k.AssignProcessToJobObject(first, me)).toBe(true);
    });
  });
});
