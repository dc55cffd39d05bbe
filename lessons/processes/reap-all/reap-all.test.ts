import { describe, expect, it } from 'vitest';
import { PR_SET_CHILD_SUBREAPER, SIGUSR1, WEXITSTATUS, WIFEXITED, type Sim, type Sys } from 'simos';
import { describeProcesses, explore } from 'simos/testing';
import { reapAll } from './solution';

/** Fork a child that sleeps `ms` of virtual time and exits with `code`. */
function child(k: Sys, ms: number, code: number): Promise<number> {
  return k.fork(async (c) => {
    await c.sleep(ms);
    return code;
  });
}

function zombiesOf(sim: Sim, parent: number) {
  return sim.processes().filter((p) => p.state === 'zombie' && p.ppid === parent);
}

describe('reapAll', () => {
  it('returns an empty list when there are no children', async () => {
    await explore({ seeds: 1, label: 'no children' }, async (sim) => {
      const { value } = await sim.run(async (k) => reapAll(k));
      expect(value, 'With no children, waitpid fails with ECHILD at once; reapAll should return []').toEqual([]);
    });
  });

  it('reaps every child, whatever order they exit in', async () => {
    await explore({ seeds: 20, label: 'four children' }, async (sim) => {
      let forked: number[] = [];
      let me = 0;
      const { value } = await sim.run(async (k) => {
        me = await k.getpid();
        forked = [await child(k, 30, 3), await child(k, 0, 0), await child(k, 10, 1), await child(k, 20, 2)];
        return reapAll(k);
      });
      const reaped = value ?? [];
      const left = zombiesOf(sim, me);
      expect(left, `reapAll returned, but these children were never reaped (zombies):\n${describeProcesses(left)}`).toEqual([]);
      const running = sim.alive().filter((p) => forked.includes(p.pid));
      expect(running, `reapAll returned while these children were still running:\n${describeProcesses(running)}`).toEqual([]);
      expect(reaped.map((r) => r.pid).sort(), 'reapAll should return one { pid, status } per child, each child once').toEqual([...forked].sort());
      for (const r of reaped) {
        const expected = [3, 0, 1, 2][forked.indexOf(r.pid)];
        expect(WIFEXITED(r.status) && WEXITSTATUS(r.status), `child ${r.pid} exited with code ${expected}; return the status waitpid gave you`).toBe(expected);
      }
    });
  });

  it('keeps waiting when a signal handler interrupts waitpid (EINTR)', async () => {
    await explore({ seeds: 10, label: 'EINTR' }, async (sim) => {
      let slow = 0;
      const { value } = await sim.run(async (k) => {
        let handled = 0;
        await k.sigaction(SIGUSR1, () => {
          handled++;
        });
        const parent = await k.getpid();
        await k.fork(async (c) => {
          await c.sleep(5);
          await c.kill(parent, SIGUSR1); // interrupts the parent's waitpid
        });
        slow = await child(k, 50, 7);
        const reaped = await reapAll(k);
        expect(handled, 'the test expected its SIGUSR1 handler to run once').toBe(1);
        return reaped;
      });
      const pids = (value ?? []).map((r) => r.pid);
      expect(
        pids,
        `At 5 ms a SIGUSR1 handler ran while reapAll was blocked in waitpid, so waitpid failed with EINTR. ` +
          `That only means "a signal arrived": child ${slow} was still running and had to be waited for.`,
      ).toContain(slow);
    });
  });

  it('reaps children in other process groups too', async () => {
    await explore({ seeds: 10, label: 'own group' }, async (sim) => {
      let loner = 0;
      const { value } = await sim.run(async (k) => {
        loner = await k.fork(async (c) => {
          await c.setpgid(0, 0); // this child moves to a process group of its own
          await c.sleep(10);
        });
        await child(k, 20, 0);
        return reapAll(k);
      });
      const pids = (value ?? []).map((r) => r.pid);
      expect(pids, `child ${loner} moved to its own process group; it is still your child and must be reaped`).toContain(loner);
    });
  });

  it('does not wait for grandchildren: they are not your children', async () => {
    await explore({ seeds: 10, label: 'grandchild' }, async (sim) => {
      let grandchild = 0;
      const { value } = await sim.run(async (k) => {
        await k.fork(async (c) => {
          grandchild = await c.fork(async (g) => {
            await g.sleep(100);
          });
          return 0; // exits at once: the grandchild is orphaned and adopted by init (pid 1)
        });
        const reaped = await reapAll(k);
        expect(await k.now(), 'reapAll should return as soon as the caller has no children, long before the grandchild exits at 100 ms').toBeLessThan(100);
        return reaped;
      });
      const pids = (value ?? []).map((r) => r.pid);
      expect(pids, `pid ${grandchild} is a grandchild; waitpid can never return it`).not.toContain(grandchild);
    });
  });

  it('as a subreaper, also reaps orphaned descendants that were reparented to it', async () => {
    await explore({ seeds: 10, label: 'subreaper' }, async (sim) => {
      let grandchild = 0;
      const { value } = await sim.run(async (k) => {
        await k.prctl(PR_SET_CHILD_SUBREAPER, 1);
        await k.fork(async (c) => {
          grandchild = await c.fork(async (g) => {
            await g.sleep(100);
            return 9;
          });
        });
        return reapAll(k);
      });
      const pids = (value ?? []).map((r) => r.pid);
      expect(
        pids,
        `The caller is a child subreaper, so when the middle process exited, grandchild ${grandchild} became its child: ` +
          `waitpid(-1) keeps returning children until ECHILD, and that includes adopted ones.`,
      ).toContain(grandchild);
    });
  });
});
