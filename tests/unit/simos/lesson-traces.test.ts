import { describe, expect, it } from 'vitest';
import { PR_SET_PDEATHSIG, SIGKILL, SIGTERM, Sim, type Sys } from '../../../sandboxes/simos/index.ts';

const tiedChild = (k: Sys) =>
  k.fork(async (c) => {
    await c.prctl(PR_SET_PDEATHSIG, SIGKILL);
    await c.execve('worker', ['worker']);
  });

function simWithWorker(seed: number): Sim {
  const sim = new Sim({ seed, console: () => {} });
  sim.register('worker', async (k) => {
    for (;;) await k.pause().catch(() => 0);
  });
  return sim;
}

// Traces quoted in lessons are checked here, so a change in simos cannot leave a lesson showing
// output simos no longer produces.
describe('traces quoted in lessons', () => {
  it('processes/reaping: a zombie reaped 20 ms later', async () => {
    const sim = new Sim({ console: () => {} });
    await sim.run(async (k) => {
      await k.fork(async () => 4);
      await k.sleep(20);
      await k.waitpid(-1);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms +++ pid 3 created by 2 (main) pgid=2 sid=2',
        '    0ms [pid 2] fork(<fn>) = 3',
        '    0ms [pid 3] exit_group(4) = ?',
        '    0ms +++ pid 3 exited 4 (zombie until reaped)',
        '    0ms --- SIGCHLD to pid 2 from kernel (child 3 exited)',
        '   20ms [pid 2] sleep(20) = 0 <blocked>',
        '   20ms +++ pid 3 reaped by 2',
        '   20ms [pid 2] waitpid(-1, 0) = {pid: 3, status: 1024}',
      ].join('\n'),
    );
  });

  it('processes/groups-and-sessions: setpgid only in the child loses the race under seed 3', async () => {
    const sim = new Sim({ seed: 3, console: () => {} });
    sim.register('server', async (k) => {
      for (;;) await k.pause().catch(() => 0);
    });
    await sim.run(async (k) => {
      const pid = await k.fork(async (c) => {
        await c.setpgid(0, 0);
        await c.execve('server', ['server']);
      });
      await k.kill(-pid, SIGTERM).catch(() => 0);
      await k.sleep(1);
      await k.kill(pid, 9);
      await k.waitpid(pid);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] fork(<fn>) = 3',
        '    0ms [pid 2] kill(-3, SIGTERM) = -1 ESRCH',
        '    0ms +++ pid 3 now in group 3',
        '    0ms [pid 3] setpgid(0, 0) = 0',
        '    0ms [pid 3] execve("server", ["server"]) = ?',
      ].join('\n'),
    );
  });

  it('processes/death-notification: PDEATHSIG follows the parent thread', async () => {
    const sim = simWithWorker(1);
    await sim.run(async (k) => {
      const tid = await k.thread(async (t) => {
        await tiedChild(t);
        await t.sleep(10);
      });
      await k.join(tid);
      await k.sleep(5);
      await k.waitpid(-1);
    });
    const text = sim.traceText();
    for (const line of [
      '    0ms [pid 2] clone_thread(<fn>) = 3',
      '    0ms [pid 2/3] fork(<fn>) = 4',
      '    0ms [pid 4] prctl(PR_SET_PDEATHSIG, SIGKILL) = 0',
      '    0ms [pid 4] execve("worker", ["worker"]) = ?',
      '   10ms [pid 2/3] thread_exit() = ?',
      '   10ms --- SIGKILL to pid 4 from kernel (parent thread 3 exited (PR_SET_PDEATHSIG))',
    ]) expect(text).toContain(line);
  });

  it('processes/death-notification: a parent that exits before prctl leaves an orphan (seed 1)', async () => {
    const sim = simWithWorker(1);
    await sim.run(async (k) => {
      const m = await k.fork(async (mm) => {
        await tiedChild(mm);
      });
      await k.waitpid(m);
      await k.sleep(5);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 3] fork(<fn>) = 4',
        '    0ms [pid 3] exit_group(0) = ?',
        '    0ms +++ pid 3 exited 0 (zombie until reaped)',
        '    0ms +++ pid 4 orphaned: parent 3 -> 1',
      ].join('\n'),
    );
    expect(sim.traceText()).toContain(['    0ms [pid 4] prctl(PR_SET_PDEATHSIG, SIGKILL) = 0', '    0ms [pid 4] execve("worker", ["worker"]) = ?'].join('\n'));
  });
});

// processes/cgroups and processes/job-objects. (Imports are hoisted; kept here so that this block
// can be appended without touching the lines above.)
import {
  CREATE_BREAKAWAY_FROM_JOB,
  CREATE_SUSPENDED,
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
  JobObjectAssociateCompletionPortInformation,
  JobObjectBasicAccountingInformation,
  JobObjectExtendedLimitInformation,
  O_RDONLY,
  O_WRONLY,
  POLLPRI,
  isErrno,
} from '../../../sandboxes/simos/index.ts';

describe('traces quoted in lessons: cgroups and job objects', () => {
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  const echo = async (k: Sys, path: string, text: string) => {
    const fd = await k.open(path, O_WRONLY);
    await k.write(fd, text);
    await k.close(fd);
  };
  const cat = async (k: Sys, path: string) => {
    const fd = await k.open(path, O_RDONLY);
    const text = decode(await k.read(fd, 4096));
    await k.close(fd);
    return text;
  };
  /** Each line is in the trace, after the one before it (the lesson elides what is between). */
  const expectInOrder = (text: string, lines: string[]) => {
    let at = -1;
    for (const line of lines) {
      const next = text.indexOf(`${line}\n`, at + 1);
      expect(next, `"${line}" should follow the previous quoted line`).toBeGreaterThan(at);
      at = next;
    }
  };

  it('processes/cgroups: membership survives setsid', async () => {
    const sim = new Sim({ seed: 1, console: () => {} });
    await sim.run(async (k) => {
      await k.mkdir('/sys/fs/cgroup/job');
      const c = await k.fork(async (c) => {
        await echo(c, '/sys/fs/cgroup/job/cgroup.procs', '0');
        await c.fork(async (g) => {
          await g.setsid();
          await g.cgroupOf(0);
        });
        await c.waitpid(-1);
      });
      await k.waitpid(c);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 3] open("/sys/fs/cgroup/job/cgroup.procs", O_WRONLY) = 3',
        '    0ms     pid 3: pid 3 moved from cgroup / to /job',
        '    0ms     pid 3: cgroup /job: populated 1',
        '    0ms [pid 3] write(3, "0") = 1',
        '    0ms [pid 3] close(3) = 0',
        '    0ms +++ pid 4 created by 3 (main) pgid=2 sid=2',
        '    0ms [pid 3] fork(<fn>) = 4',
        '    0ms +++ pid 4 leads new session 4',
        '    0ms [pid 4] setsid() = 4',
        '    0ms [pid 4] cgroup_of(0) = "/job"',
      ].join('\n'),
    );
  });

  it('processes/cgroups: listing cgroup.procs once and killing each pid loses a fork race (seed 2)', async () => {
    const bomb = async (k: Sys): Promise<void> => {
      for (;;) {
        try {
          await k.fork(bomb);
        } catch (e) {
          if (!isErrno(e, 'EAGAIN')) throw e;
        }
        await k.sleep(1);
      }
    };
    const sim = new Sim({ seed: 2, console: () => {} });
    sim.register('bomb', bomb);
    await sim.run(async (k) => {
      await k.mkdir('/sys/fs/cgroup/job');
      await k.fork(async (c) => {
        await echo(c, '/sys/fs/cgroup/job/cgroup.procs', '0');
        await c.execve('bomb', ['bomb']);
      });
      await k.sleep(1);
      const pids = (await cat(k, '/sys/fs/cgroup/job/cgroup.procs')).split('\n').filter(Boolean).map(Number);
      for (const pid of pids) await k.kill(pid, SIGKILL);
      await k.sleep(1);
      await cat(k, '/sys/fs/cgroup/job/cgroup.procs');
      await echo(k, '/sys/fs/cgroup/job/cgroup.kill', '1');
    });
    expectInOrder(sim.traceText(), [
      '    1ms [pid 2] read(3, 4096) = "3\\x0a4\\x0a5\\x0a6\\x0a7\\x0a8\\x0a9\\x0a10\\x0a11\\x0a12\\x0a1"... (179 bytes)',
      '    1ms [pid 2] kill(3, SIGKILL) = 0',
      '    1ms +++ pid 4 reaped by 1',
      '    1ms [pid 2] kill(4, SIGKILL) = 0',
      '    1ms +++ pid 65 created by 13 (bomb) pgid=2 sid=2',
      '    1ms [pid 13] fork(<fn>) = 65',
      '    1ms [pid 2] kill(64, SIGKILL) = 0',
      '    2ms [pid 2] read(3, 4096) = "65\\x0a66\\x0a67\\x0a68\\x0a69\\x0a70\\x0a71\\x0a72\\x0a"',
    ]);
    expect(sim.traceText()).toContain(
      ['    1ms [pid 2] kill(4, SIGKILL) = 0', '    1ms +++ pid 65 created by 13 (bomb) pgid=2 sid=2', '    1ms [pid 13] fork(<fn>) = 65'].join('\n'),
    );
  });

  it('processes/cgroups: cgroup.kill returns before its victims are gone; poll on cgroup.events (seed 2)', async () => {
    const sim = new Sim({ seed: 2, console: () => {} });
    await sim.run(async (k) => {
      await k.mkdir('/sys/fs/cgroup/job');
      for (let i = 0; i < 3; i++) {
        await k.fork(async (c) => {
          await echo(c, '/sys/fs/cgroup/job/cgroup.procs', '0');
          await c.sleep(1000);
        });
      }
      await k.sleep(1);
      const ev = await k.open('/sys/fs/cgroup/job/cgroup.events', O_RDONLY);
      await echo(k, '/sys/fs/cgroup/job/cgroup.kill', '1');
      while (/populated 1/.test(decode(await k.pread(ev, 100, 0)))) await k.poll([{ fd: ev, events: POLLPRI }], -1);
      await k.close(ev);
    });
    expect(sim.traceText()).toContain(
      [
        '    1ms [pid 2] open("/sys/fs/cgroup/job/cgroup.events", O_RDONLY) = 3',
        '    1ms [pid 2] open("/sys/fs/cgroup/job/cgroup.kill", O_WRONLY) = 4',
        '    1ms     pid 2: cgroup.kill /job: 3 process(es)',
        '    1ms --- SIGKILL to pid 3 from pid 2 (cgroup.kill /job)',
        '    1ms --- SIGKILL to pid 4 from pid 2 (cgroup.kill /job)',
        '    1ms --- SIGKILL to pid 5 from pid 2 (cgroup.kill /job)',
        '    1ms [pid 2] write(4, "1") = 1',
        '    1ms --- pid 3 SIGKILL: terminated',
        '    1ms +++ pid 3 killed by SIGKILL (zombie until reaped)',
        '    1ms --- SIGCHLD to pid 2 from kernel (child 3 exited)',
        '    1ms --- pid 5 SIGKILL: terminated',
        '    1ms +++ pid 5 killed by SIGKILL (zombie until reaped)',
        '    1ms --- SIGCHLD to pid 2 from kernel (child 5 exited)',
        '    1ms [pid 2] close(4) = 0',
        '    1ms [pid 2] pread(3, 100, 0) = "populated 1\\x0afrozen 0\\x0a"',
        '    1ms --- pid 4 SIGKILL: terminated',
        '    1ms +++ pid 4 killed by SIGKILL (zombie until reaped)',
        '    1ms     pid 4: cgroup /job: populated 0',
        '    1ms --- SIGCHLD to pid 2 from kernel (child 4 exited)',
        '    1ms [pid 2] poll([{fd: 3, events: 2}], -1) = [{fd: 3, events: 2, revents: 10}] <blocked>',
        '    1ms [pid 2] pread(3, 100, 0) = "populated 0\\x0afrozen 0\\x0a"',
        '    1ms [pid 2] close(3) = 0',
      ].join('\n'),
    );
  });

  it('processes/cgroups: pids.max counts zombies until they are reaped', async () => {
    const sim = new Sim({ seed: 1, console: () => {} });
    await sim.run(async (k) => {
      await k.mkdir('/sys/fs/cgroup/job');
      await echo(k, '/sys/fs/cgroup/job/pids.max', '2');
      await echo(k, '/sys/fs/cgroup/job/cgroup.procs', '0');
      const a = await k.fork(async () => 0);
      await k.sleep(1);
      await k.fork(async () => 0).catch(() => 0);
      await k.waitpid(a);
      await k.waitpid(await k.fork(async () => 0));
    });
    const text = sim.traceText();
    expectInOrder(text, [
      '    0ms [pid 2] write(3, "2") = 1',
      '    0ms [pid 2] fork(<fn>) = 3',
      '    0ms [pid 3] exit_group(0) = ?',
      '    0ms +++ pid 3 exited 0 (zombie until reaped)',
    ]);
    expect(text).toContain(
      [
        '    1ms [pid 2] fork(<fn>) = -1 EAGAIN',
        '    1ms +++ pid 3 reaped by 2',
        '    1ms [pid 2] waitpid(3, 0) = {pid: 3, status: 0}',
        '    1ms +++ pid 4 created by 2 (main) pgid=2 sid=2',
        '    1ms [pid 2] fork(<fn>) = 4',
      ].join('\n'),
    );
  });

  /** A simulation with "helper" (runs 50 ms), "eager" (starts helper first thing) and "detacher". */
  const winSim = (seed: number, opts: ConstructorParameters<typeof Sim>[0] = {}) => {
    const sim = new Sim({ seed, console: () => {}, ...opts });
    sim.register('helper', async (k) => {
      await k.sleep(50);
    });
    sim.register('eager', async (k) => {
      await k.CreateProcess('helper', ['helper'], true);
      await k.sleep(50);
    });
    sim.register('detacher', async (k) => {
      await k.CreateProcess('helper', ['helper'], true, CREATE_BREAKAWAY_FROM_JOB).catch(() => k.CreateProcess('helper', ['helper'], true));
    });
    return sim;
  };
  const killOnCloseJob = async (k: Sys) => {
    const hJob = await k.CreateJobObject();
    await k.SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, { BasicLimitInformation: { LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE } });
    return hJob;
  };
  /** Create `program` suspended, assign it to `hJob`, resume it. */
  const startInJob = async (k: Sys, hJob: number, program: string) => {
    const pi = await k.CreateProcess(program, [program], true, CREATE_SUSPENDED);
    await k.AssignProcessToJobObject(hJob, pi.hProcess);
    await k.ResumeThread(pi.hThread);
    return pi;
  };

  it('processes/job-objects: create suspended, assign, resume', async () => {
    const sim = winSim(1);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      await startInJob(k, hJob, 'eager');
      await k.sleep(1);
      await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation);
      await k.TerminateJobObject(hJob, 1);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] CreateProcess("eager", ["eager"], true, 4) = {hProcess: 8, hThread: 12, dwProcessId: 3, dwThreadId: 3}',
        '    0ms     pid 2: win32: pid 3 joined job 1',
        '    0ms [pid 2] AssignProcessToJobObject(4, 8) = true',
        '    0ms     pid 2: win32: pid 3 resumed',
        '    0ms [pid 2] ResumeThread(12) = 1',
        '    0ms [pid 3] initial_thread_suspended() = 0 <blocked>',
        '    0ms     pid 3: win32: pid 4 joined job 1',
        '    0ms +++ pid 4 created by 3 (helper) pgid=2 sid=2',
        '    0ms [pid 3] CreateProcess("helper", ["helper"], true, 0) = {hProcess: 4, hThread: 8, dwProcessId: 4, dwThreadId: 4}',
        '    1ms [pid 2] sleep(1) = 0 <blocked>',
        '    1ms [pid 2] QueryInformationJobObject(4, 1) = {TotalProcesses: 2, ActiveProcesses: 2, TotalTerminatedProcesses: 0}',
      ].join('\n'),
    );
  });

  it('processes/job-objects: resume, then assign, lets a grandchild escape (seed 1)', async () => {
    const sim = winSim(1);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      const pi = await k.CreateProcess('eager', ['eager'], true, CREATE_SUSPENDED);
      await k.ResumeThread(pi.hThread);
      await k.AssignProcessToJobObject(hJob, pi.hProcess);
      await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation);
      await k.CloseHandle(hJob);
      await k.sleep(60);
    });
    const text = sim.traceText();
    expect(text).toContain(
      [
        '    0ms [pid 2] ResumeThread(12) = 1',
        '    0ms [pid 3] initial_thread_suspended() = 0 <blocked>',
        '    0ms +++ pid 4 created by 3 (helper) pgid=2 sid=2',
        '    0ms [pid 3] CreateProcess("helper", ["helper"], true, 0) = {hProcess: 4, hThread: 8, dwProcessId: 4, dwThreadId: 4}',
        '    0ms     pid 2: win32: pid 3 joined job 1',
        '    0ms [pid 2] AssignProcessToJobObject(4, 8) = true',
        '    0ms [pid 2] QueryInformationJobObject(4, 1) = {TotalProcesses: 1, ActiveProcesses: 1, TotalTerminatedProcesses: 0}',
        '    0ms     pid 2: win32: job 1: last handle closed, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE',
        '    0ms     pid 2: win32: pid 3 terminated (job 1 closed with KILL_ON_JOB_CLOSE), exit code 0',
      ].join('\n'),
    );
    expectInOrder(text, ['    0ms     pid 2: win32: pid 3 terminated (job 1 closed with KILL_ON_JOB_CLOSE), exit code 0', '   50ms [pid 4] exit_group(0) = ?']);
  });

  it('processes/job-objects: CREATE_BREAKAWAY_FROM_JOB is refused without BREAKAWAY_OK', async () => {
    const sim = winSim(1);
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      await startInJob(k, hJob, 'detacher');
      await k.sleep(1);
      await k.TerminateJobObject(hJob, 1);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 3] CreateProcess("helper", ["helper"], true, 16777216) = -1 ERROR_ACCESS_DENIED',
        '    0ms     pid 3: win32: pid 4 joined job 1',
        '    0ms +++ pid 4 created by 3 (helper) pgid=2 sid=2',
      ].join('\n'),
    );
  });

  it('processes/job-objects: the launcher dies, its handle closes, KILL_ON_JOB_CLOSE ends the tree', async () => {
    const sim = winSim(1);
    await sim.run(async (k) => {
      const launcher = await k.fork(async (c) => {
        await startInJob(c, await killOnCloseJob(c), 'eager');
        await c.sleep(1000);
      });
      await k.sleep(10);
      await k.kill(launcher, SIGKILL);
      await k.waitpid(launcher);
    });
    expect(sim.traceText()).toContain(
      [
        '   10ms --- SIGKILL to pid 3 from pid 2',
        '   10ms --- pid 3 SIGKILL: terminated',
        '   10ms +++ pid 3 killed by SIGKILL (zombie until reaped)',
        '   10ms +++ pid 4 orphaned: parent 3 -> 1',
        '   10ms     pid 2: win32: job 1: last handle closed, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE',
        '   10ms     pid 2: win32: pid 4 terminated (job 1 closed with KILL_ON_JOB_CLOSE), exit code 0',
        '   10ms +++ pid 4 exited 0 (zombie until reaped)',
        '   10ms +++ pid 5 orphaned: parent 4 -> 1',
        '   10ms +++ pid 4 reaped by 1',
        '   10ms     pid 2: win32: pid 5 terminated (job 1 closed with KILL_ON_JOB_CLOSE), exit code 0',
      ].join('\n'),
    );
  });

  it('processes/job-objects: WaitForSingleObject on a job handle never returns', async () => {
    const sim = winSim(1);
    const run = sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      await startInJob(k, hJob, 'helper');
      await k.WaitForSingleObject(hJob);
    });
    await expect(run).rejects.toThrow(
      [
        'Deadlock: every process is waiting and no timer is pending (virtual time 50 ms).',
        '  pid 2 (main): in WaitForSingleObject(), waiting for job 1 to be signaled. A job object is signaled only when its end-of-job time limit runs out, never when its processes exit: wait for JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO on a completion port and poll ActiveProcesses',
      ].join('\n'),
    );
  });

  it('processes/job-objects: lost job messages, and the ActiveProcesses poll that notices anyway', async () => {
    const sim = winSim(1, { win32: { dropJobMessages: true } });
    await sim.run(async (k) => {
      const hJob = await killOnCloseJob(k);
      const hPort = await k.CreateIoCompletionPort();
      await k.SetInformationJobObject(hJob, JobObjectAssociateCompletionPortInformation, { CompletionKey: hJob, CompletionPort: hPort });
      await startInJob(k, hJob, 'helper');
      while ((await k.QueryInformationJobObject(hJob, JobObjectBasicAccountingInformation)).ActiveProcesses > 0) {
        await k.GetQueuedCompletionStatus(hPort, 100).catch(() => 0);
      }
    });
    const text = sim.traceText();
    expectInOrder(text, [
      '    0ms     pid 3: win32: job 1: message 6 to completion port 1 dropped (fault: delivery is not guaranteed)',
      '   50ms +++ pid 3 exited 0 (zombie until reaped)',
    ]);
    expect(text).toContain(
      [
        '   50ms +++ pid 3 exited 0 (zombie until reaped)',
        '   50ms     pid 3: win32: job 1: message 7 to completion port 1 dropped (fault: delivery is not guaranteed)',
        '   50ms     pid 3: win32: job 1: ActiveProcesses is 0',
        '   50ms     pid 3: win32: job 1: message 4 to completion port 1 dropped (fault: delivery is not guaranteed)',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        '  100ms [pid 2] GetQueuedCompletionStatus(8, 100) = -1 WAIT_TIMEOUT <blocked>',
        '  100ms [pid 2] QueryInformationJobObject(4, 1) = {TotalProcesses: 1, ActiveProcesses: 0, TotalTerminatedProcesses: 0}',
      ].join('\n'),
    );
  });
});
