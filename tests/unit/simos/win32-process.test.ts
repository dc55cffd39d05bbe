import { describe, expect, it } from 'vitest';
import {
  Sim, Win32Error, isWin32Error, CREATE_SUSPENDED, INFINITE, STILL_ACTIVE, WAIT_OBJECT_0, WAIT_TIMEOUT,
  HANDLE_FLAG_INHERIT, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

describe('CreateProcess and process handles', () => {
  it('starts a registered program as a simos child, waitable and with an exit code', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    let argvSeen: string[] = [];
    sim.register('worker', async (k, argv) => {
      argvSeen = argv;
      await k.sleep(40);
      return 7;
    });
    await sim.run(async (k) => {
      const pi = await k.CreateProcess('worker', ['worker', '--fast']);
      expect(pi.hProcess % 4).toBe(0);
      expect(pi.dwProcessId).toBeGreaterThan(2);
      expect(sim.process(pi.dwProcessId)).toMatchObject({ ppid: await k.getpid(), program: 'worker', state: 'alive' });
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(STILL_ACTIVE);
      expect(await k.WaitForSingleObject(pi.hProcess, 10)).toBe(WAIT_TIMEOUT);
      expect(await k.now()).toBe(10);
      expect(await k.WaitForSingleObject(pi.hProcess, INFINITE)).toBe(WAIT_OBJECT_0);
      expect(await k.now()).toBe(40);
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(7);
      expect(await k.WaitForSingleObject(pi.hThread)).toBe(WAIT_OBJECT_0);
      expect(await k.GetProcessId(pi.hProcess)).toBe(pi.dwProcessId);
      // The zombie lives while a handle refers to it, and is freed with the last one.
      expect(sim.process(pi.dwProcessId)?.state).toBe('zombie');
      await k.CloseHandle(pi.hProcess);
      expect(sim.process(pi.dwProcessId)?.state).toBe('zombie');
      await k.CloseHandle(pi.hThread);
      expect(sim.process(pi.dwProcessId)).toBeUndefined();
    });
    expect(argvSeen).toEqual(['worker', '--fast']);
  });

  it('fails with Win32Error carrying the error name and number', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    await sim.run(async (k) => {
      const missing = await k.CreateProcess('nope').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(Win32Error);
      expect(missing).toMatchObject({ code: 'ERROR_FILE_NOT_FOUND', lastError: 2, function: 'CreateProcess' });
      await expect(k.CloseHandle(4)).rejects.toMatchObject({ code: 'ERROR_INVALID_HANDLE', lastError: 6 });
      await expect(k.CreateProcess('nope', ['nope'], false, 0x10)).rejects.toMatchObject({ code: 'ERROR_INVALID_PARAMETER', lastError: 87 });
      const hJob = await k.CreateJobObject();
      await expect(k.ResumeThread(hJob)).rejects.toSatisfy((e: unknown) => isWin32Error(e, 'ERROR_INVALID_HANDLE'));
      await expect(k.GetExitCodeProcess(hJob)).rejects.toMatchObject({ code: 'ERROR_INVALID_HANDLE' });
    });
    expect(sim.traceText()).toMatch(/CreateProcess\("nope", \["nope"\], false, 0\) = -1 ERROR_FILE_NOT_FOUND/);
  });

  it('CREATE_SUSPENDED: the program does not run until ResumeThread', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    const ran: number[] = [];
    sim.register('child', async (k) => {
      ran.push(await k.now());
    });
    await sim.run(async (k) => {
      const pi = await k.CreateProcess('child', ['child'], false, CREATE_SUSPENDED);
      await k.sleep(100);
      expect(ran).toEqual([]);
      expect(sim.process(pi.dwProcessId)?.state).toBe('alive');
      expect(await k.ResumeThread(pi.hThread)).toBe(1);
      expect(await k.ResumeThread(pi.hThread)).toBe(0);
      await k.WaitForSingleObject(pi.hProcess);
      expect(ran).toEqual([100]);
    });
  });

  it('cgroup.kill reaches a process that is still suspended', async () => {
    const sim = new Sim({ seed: 9, ...quiet });
    sim.register('child', async () => 0);
    await sim.run(async (k) => {
      await k.cgroupMkdir('/box');
      const pi = await k.CreateProcess('child', ['child'], false, CREATE_SUSPENDED);
      await k.cgroupWrite('/box', 'cgroup.procs', pi.dwProcessId);
      await k.cgroupWrite('/box', 'cgroup.kill', 1);
      expect(await k.WaitForSingleObject(pi.hProcess, 100)).toBe(WAIT_OBJECT_0);
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(128 + 9);
    });
  });

  it('a forgotten ResumeThread shows in the deadlock report', async () => {
    const sim = new Sim({ seed: 4, ...quiet });
    sim.register('child', async () => 0);
    const run = sim.run(async (k) => {
      const pi = await k.CreateProcess('child', ['child'], false, CREATE_SUSPENDED);
      await k.WaitForSingleObject(pi.hProcess);
    });
    await expect(run).rejects.toThrow(/ResumeThread: the process was created with CREATE_SUSPENDED/);
  });

  it('TerminateProcess sets the exit code; a second one is ERROR_ACCESS_DENIED', async () => {
    const sim = new Sim({ seed: 5, ...quiet });
    sim.register('forever', async (k) => {
      await k.sleep(1e6);
    });
    await sim.run(async (k) => {
      const pi = await k.CreateProcess('forever');
      await k.TerminateProcess(pi.hProcess, 0xdead);
      expect(await k.WaitForSingleObject(pi.hProcess, 0)).toBe(WAIT_OBJECT_0);
      expect(await k.GetExitCodeProcess(pi.hProcess)).toBe(0xdead);
      await expect(k.TerminateProcess(pi.hProcess, 1)).rejects.toMatchObject({ code: 'ERROR_ACCESS_DENIED' });
    });
  });

  it('passes inheritable handles, and only those, at the same values', async () => {
    const sim = new Sim({ seed: 6, ...quiet });
    const seen: Record<string, unknown> = {};
    sim.register('probe', async (k, argv) => {
      for (const h of argv.slice(1).map(Number)) {
        seen[h] = await k.GetHandleInformation(h).catch((e: Win32Error) => e.code);
      }
    });
    await sim.run(async (k) => {
      const a = await k.CreateJobObject({ bInheritHandle: true });
      const b = await k.CreateJobObject();
      const c = await k.CreateJobObject();
      await k.SetHandleInformation(c, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
      expect(await k.GetHandleInformation(b)).toBe(0);
      const args = ['probe', String(a), String(b), String(c)];
      const p1 = await k.CreateProcess('probe', args, true);
      await k.WaitForSingleObject(p1.hProcess);
      expect(seen).toEqual({ [a]: HANDLE_FLAG_INHERIT, [b]: 'ERROR_INVALID_HANDLE', [c]: HANDLE_FLAG_INHERIT });
      const p2 = await k.CreateProcess('probe', args, false);
      await k.WaitForSingleObject(p2.hProcess);
      expect(seen).toEqual({ [a]: 'ERROR_INVALID_HANDLE', [b]: 'ERROR_INVALID_HANDLE', [c]: 'ERROR_INVALID_HANDLE' });
    });
  });

  it('fails with ERROR_NOT_ENOUGH_QUOTA when the cgroup\'s pids.max says no', async () => {
    const sim = new Sim({ seed: 8, ...quiet });
    sim.register('child', async () => 0);
    await sim.run(async (k) => {
      await k.cgroupMkdir('/box');
      await k.cgroupWrite('/box', 'pids.max', 1);
      await k.cgroupWrite('/box', 'cgroup.procs', 0);
      await expect(k.CreateProcess('child')).rejects.toMatchObject({ code: 'ERROR_NOT_ENOUGH_QUOTA', lastError: 1816 });
    });
  });

  it('OpenProcess and GetCurrentProcess reach processes that CreateProcess did not make', async () => {
    const sim = new Sim({ seed: 7, ...quiet });
    await sim.run(async (k: Sys) => {
      const child = await k.fork(async (c) => {
        await c.sleep(20);
        return 3;
      });
      const h = await k.OpenProcess(0x1f0fff, false, child);
      expect(await k.WaitForSingleObject(h)).toBe(WAIT_OBJECT_0);
      expect(await k.GetExitCodeProcess(h)).toBe(3);
      expect(await k.GetExitCodeProcess(await k.GetCurrentProcess())).toBe(STILL_ACTIVE);
      await expect(k.OpenProcess(0, false, 999)).rejects.toMatchObject({ code: 'ERROR_INVALID_PARAMETER' });
      // A POSIX child stays the parent's to reap.
      expect((await k.waitpid(child)).pid).toBe(child);
    });
  });
});
