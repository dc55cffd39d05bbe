import { describe, expect, it } from 'vitest';
import { Sim } from '../../../sandboxes/simos/index.ts';

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
});
