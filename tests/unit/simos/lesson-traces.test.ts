import { describe, expect, it } from 'vitest';
import { SIGTERM, Sim } from '../../../sandboxes/simos/index.ts';

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
});
