import { describe, expect, it } from 'vitest';
import { PR_SET_CHILD_SUBREAPER, SIGTERM, type Sim } from 'simos';
import { describeProcesses, explore } from 'simos/testing';
import { spawnTied } from './solution';

/** "worker" notes that it started, ignores SIGTERM, and would run forever. */
function registerWorker(sim: Sim, started: number[]): void {
  sim.register('worker', async (k) => {
    started.push(await k.getpid());
    await k.sigaction(SIGTERM, 'ignore');
    for (;;) await k.pause().catch(() => 0);
  });
}

function survivors(sim: Sim) {
  return sim.alive().filter((p) => p.program === 'worker');
}

describe('spawnTied', () => {
  it('starts the program as a child of the caller and returns its pid', async () => {
    await explore({ seeds: 10, label: 'spawnTied: parent alive' }, async (sim) => {
      const started: number[] = [];
      registerWorker(sim, started);
      let pid = 0;
      let me = 0;
      let ppid: number | undefined;
      await sim.run(async (k) => {
        me = await k.getpid();
        pid = await spawnTied(k, 'worker', ['worker']);
        await k.sleep(10);
        ppid = sim.process(pid)?.state === 'alive' ? sim.process(pid)?.ppid : undefined;
      });
      expect(started, 'While its parent lives, the program must start (and keep running)').toEqual([pid]);
      expect(ppid, `10 ms later the program should be running as a child of the caller (pid ${me})`).toBe(me);
    });
  });

  it('the program dies when its parent exits later, even though it ignores SIGTERM', async () => {
    await explore({ seeds: 10, label: 'spawnTied: parent exits later' }, async (sim) => {
      registerWorker(sim, []);
      let left: ReturnType<typeof survivors> = [];
      await sim.run(async (k) => {
        const middle = await k.fork(async (m) => {
          await spawnTied(m, 'worker', ['worker']);
          await m.sleep(20); // the worker is surely running by now
        });
        await k.waitpid(middle);
        await k.sleep(10);
        left = survivors(sim); // now: when the test process exits, its own children get their signals too
      });
      expect(left, `Its parent exited at 20 ms, yet the program was still running afterwards:\n${describeProcesses(left)}`).toEqual([]);
    });
  });

  it('the program does not run on if its parent was already gone when it started', async () => {
    await explore({ seeds: 60, label: 'spawnTied: parent exits at once' }, async (sim, seed) => {
      registerWorker(sim, []);
      let left: ReturnType<typeof survivors> = [];
      await sim.run(async (k) => {
        const middle = await k.fork(async (m) => {
          await spawnTied(m, 'worker', ['worker']);
          // returns at once: with some seeds the parent is gone before the child runs a single line
        });
        await k.waitpid(middle);
        await k.sleep(10);
        left = survivors(sim); // now: when the test process exits, its own children get their signals too
      });
      expect(
        left,
        `With seed ${seed} the parent exited while the child was starting, and the program outlived it:\n${describeProcesses(left)}\n` +
          `A parent-death signal only fires for deaths *after* it is set.`,
      ).toEqual([]);
    });
  });

  it('the same when the orphan is adopted by a subreaper rather than init', async () => {
    await explore({ seeds: 60, label: 'spawnTied: subreaper' }, async (sim, seed) => {
      registerWorker(sim, []);
      let left: ReturnType<typeof survivors> = [];
      await sim.run(async (k) => {
        await k.prctl(PR_SET_CHILD_SUBREAPER, 1);
        const middle = await k.fork(async (m) => {
          await spawnTied(m, 'worker', ['worker']);
        });
        await k.waitpid(middle);
        await k.sleep(10);
        left = survivors(sim); // before the subreaper exits: its exit would signal its adopted children
      });
      expect(
        left,
        `With seed ${seed} the parent exited first and the orphan was adopted by the test process (a subreaper), so its ` +
          `getppid() was not 1 — but its parent was still dead:\n${describeProcesses(left)}`,
      ).toEqual([]);
    });
  });
});
