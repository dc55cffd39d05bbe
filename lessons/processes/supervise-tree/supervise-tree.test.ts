import { describe, expect, it } from 'vitest';
import { SIGKILL, SIGTERM, WEXITSTATUS, WIFEXITED, WIFSIGNALED, WTERMSIG, type Sim, type Sys } from 'simos';
import { describeProcesses, explore } from 'simos/testing';
import { superviseTree } from './solution';

async function forever(k: Sys): Promise<never> {
  await k.sigaction(SIGTERM, 'ignore');
  for (;;) await k.pause().catch(() => 0);
}

/**
 * "leaky" leaves three kinds of leftovers: a worker in its own group, a grandchild of a child that
 * is still alive, and a daemon that escaped with fork + setsid + fork. It exits 7 after 10 ms.
 * "quick-daemon" double-forks on its very first instruction, then exits 0 after 5 ms.
 */
function registerPrograms(sim: Sim): void {
  sim.register('leaky', async (k) => {
    await k.fork(forever);
    await k.fork(async (c) => {
      await c.fork(forever);
      await forever(c);
    });
    const mid = await k.fork(async (c) => {
      await c.setsid();
      await c.fork(forever);
    });
    await k.waitpid(mid);
    await k.sleep(10);
    return 7;
  });
  sim.register('quick-daemon', async (k) => {
    await k.fork(async (c) => {
      await c.fork(forever);
    });
    await k.sleep(5);
    return 0;
  });
}

async function scenario(sim: Sim, program: string) {
  registerPrograms(sim);
  let bystander = 0;
  let supervisor = 0;
  let statusSeen: number | undefined;
  let leftovers: ReturnType<Sim['alive']> = [];
  const run = await sim.run(async (k) => {
    bystander = await k.fork(async (b) => {
      await b.pause().catch(() => 0);
    });
    supervisor = await k.fork(async (s) => {
      statusSeen = await superviseTree(s, program, [program]);
    });
    await k.waitpid(supervisor);
    await k.sleep(5);
    leftovers = sim.alive().filter((p) => p.pid !== bystander && p.pid !== supervisor && p.program !== 'main');
    await k.kill(bystander, SIGKILL);
    await k.waitpid(bystander);
  });
  return { run, statusSeen, leftovers, bystander };
}

describe('superviseTree', () => {
  it('returns the program\'s own exit status', async () => {
    await explore({ seeds: 10, label: 'superviseTree: status' }, async (sim) => {
      const { statusSeen } = await scenario(sim, 'leaky');
      expect(statusSeen, 'superviseTree never returned').toBeDefined();
      expect(
        WIFEXITED(statusSeen!) && WEXITSTATUS(statusSeen!),
        `"leaky" exits with code 7 after 10 ms; superviseTree should wait for that and return its status` +
          (WIFSIGNALED(statusSeen!) ? ` (it was killed by signal ${WTERMSIG(statusSeen!)} instead)` : ''),
      ).toBe(7);
    });
  });

  it('leaves nothing behind: workers, grandchildren and daemons that called setsid', async () => {
    await explore({ seeds: 20, label: 'superviseTree: leftovers' }, async (sim) => {
      const { leftovers } = await scenario(sim, 'leaky');
      expect(leftovers, `After superviseTree returned, these descendants of the program were still running:\n${describeProcesses(leftovers)}`).toEqual([]);
    });
  });

  it('catches a daemon that double-forks on its first instruction', async () => {
    await explore({ seeds: 60, label: 'superviseTree: early double fork' }, async (sim, seed) => {
      const { leftovers } = await scenario(sim, 'quick-daemon');
      expect(
        leftovers,
        `With seed ${seed}, "quick-daemon" double-forked and its middle process exited before the supervisor was ready to ` +
          `adopt orphans; the grandchild went to init (ppid 1) and escaped:\n${describeProcesses(leftovers)}`,
      ).toEqual([]);
    });
  });

  it('touches nothing outside the tree', async () => {
    await explore({ seeds: 5, label: 'superviseTree: bystanders' }, async (sim) => {
      const { run } = await scenario(sim, 'leaky');
      expect(
        run.status !== null && WIFSIGNALED(run.status) ? `killed by signal ${WTERMSIG(run.status)}` : 'fine',
        'The test process itself (the supervisor\'s parent) was killed: only the program\'s own descendants may be signalled',
      ).toBe('fine');
    });
  });
});
