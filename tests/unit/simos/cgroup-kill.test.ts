import { describe, expect, it } from 'vitest';
import { Sim, SIGKILL, WIFSIGNALED, WTERMSIG, type Sys } from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

/** A process that keeps forking copies of itself (until the process limit says EAGAIN). */
async function forker(k: Sys): Promise<void> {
  for (;;) {
    try {
      await k.fork(forker);
    } catch {
      // EAGAIN at the simulation's process limit: keep trying, like a fork bomb.
    }
    await k.sleep(1);
  }
}

/** Start a fork bomb inside cgroup `path` and let it grow for `ms`. */
async function bombIn(k: Sys, path: string, ms: number): Promise<number> {
  const pid = await k.fork(async (c) => {
    await c.cgroupWrite(path, 'cgroup.procs', 0);
    await forker(c);
  });
  await k.sleep(ms);
  return pid;
}

describe('cgroup.kill', () => {
  it('SIGKILLs every process of the cgroup and of its descendant cgroups, and no one else', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/job');
      await k.cgroupMkdir('/job/sub');
      await k.cgroupMkdir('/other');
      const sleeper = async (c: Sys) => {
        await c.sleep(1000);
      };
      const a = await k.fork(sleeper);
      const b = await k.fork(sleeper);
      const outsider = await k.fork(sleeper);
      await k.cgroupWrite('/job', 'cgroup.procs', a);
      await k.cgroupWrite('/job/sub', 'cgroup.procs', b);
      await k.cgroupWrite('/other', 'cgroup.procs', outsider);
      await k.cgroupWrite('/job', 'cgroup.kill', '1');
      for (const pid of [a, b]) {
        const w = await k.waitpid(pid);
        expect(WIFSIGNALED(w.status) && WTERMSIG(w.status)).toBe(SIGKILL);
      }
      expect(sim.process(outsider)?.state).toBe('alive');
      expect(await k.cgroupRead('/other', 'cgroup.events')).toMatch(/populated 1/);
      await k.kill(outsider, SIGKILL);
      await k.waitpid(outsider);
    });
  });

  it('rejects anything but "1", and does not exist in the root', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/job');
      await expect(k.cgroupWrite('/job', 'cgroup.kill', '0')).rejects.toMatchObject({ code: 'ERANGE' });
      await expect(k.cgroupWrite('/job', 'cgroup.kill', '2')).rejects.toMatchObject({ code: 'ERANGE' });
      await expect(k.cgroupWrite('/job', 'cgroup.kill', 'yes')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.cgroupWrite('/', 'cgroup.kill', '1')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await k.cgroupWrite('/job', 'cgroup.kill', ' 1\n')).toBe(3);
    });
  });

  it('leaves no survivor of a fork bomb racing the kill, under any of 40 seeds', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const sim = new Sim({ seed, ...quiet });
      let peak = 0;
      await sim.run(async (k) => {
        await k.cgroupMkdir('/bomb');
        await k.cgroupMkdir('/bomb/deeper');
        await k.cgroupWrite('/bomb', 'pids.max', 40); // leaves the supervisor room to fork
        const root = await bombIn(k, '/bomb', 1 + (seed % 4));
        await bombIn(k, '/bomb/deeper', 1);
        peak = Number((await k.cgroupRead('/bomb', 'pids.current')).trim());
        await k.cgroupWrite('/bomb', 'cgroup.kill', '1');
        expect(await k.cgroupWaitEmpty('/bomb', 1000)).toBe(true);
        await k.waitpid(root);
      });
      expect(peak, `seed ${seed}`).toBeGreaterThan(4);
      const survivors = sim.alive().filter((p) => p.pid !== 2);
      expect(survivors, `seed ${seed}`).toEqual([]);
    }
  });

  it('is asynchronous, as in Linux: right after the write some victims may still be live', async () => {
    const stillPopulated: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const sim = new Sim({ seed, ...quiet });
      await sim.run(async (k) => {
        await k.cgroupMkdir('/job');
        for (let i = 0; i < 3; i++) {
          const pid = await k.fork(async (c) => {
            for (;;) await c.sleep(1);
          });
          await k.cgroupWrite('/job', 'cgroup.procs', pid);
        }
        await k.cgroupWrite('/job', 'cgroup.kill', '1');
        if (/populated 1/.test(await k.cgroupRead('/job', 'cgroup.events'))) stillPopulated.push(seed);
        expect(await k.cgroupWaitEmpty('/job', 1)).toBe(true); // they die before doing anything else
        expect(await k.now()).toBe(0);
      });
    }
    expect(stillPopulated.length).toBeGreaterThan(0);
    expect(stillPopulated.length).toBeLessThan(30);
  });

  it('kills the writer itself before its write returns, when it is inside the cgroup', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    let returned = false;
    await sim.run(async (k) => {
      await k.cgroupMkdir('/job');
      const pid = await k.fork(async (c) => {
        await c.cgroupWrite('/job', 'cgroup.procs', 0);
        await c.cgroupWrite('/job', 'cgroup.kill', '1');
        returned = true;
      });
      const w = await k.waitpid(pid);
      expect(WTERMSIG(w.status)).toBe(SIGKILL);
    });
    expect(returned).toBe(false);
  });

  it('is needed: reading cgroup.procs and killing each pid loses the race under some seed', async () => {
    let escapedUnder: number | undefined;
    for (let seed = 1; seed <= 40 && escapedUnder === undefined; seed++) {
      const sim = new Sim({ seed, ...quiet });
      let populatedAfter = '';
      await sim.run(async (k) => {
        await k.cgroupMkdir('/bomb');
        await bombIn(k, '/bomb', 2);
        const pids = (await k.cgroupRead('/bomb', 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
        for (const pid of pids) await k.kill(pid, SIGKILL).catch(() => 0);
        await k.sleep(2);
        populatedAfter = await k.cgroupRead('/bomb', 'cgroup.events');
        await k.cgroupWrite('/bomb', 'cgroup.kill', '1'); // clean up for real
      });
      if (/populated 1/.test(populatedAfter)) escapedUnder = seed;
    }
    expect(escapedUnder).toBeDefined();
  });
});
