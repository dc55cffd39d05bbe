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
