import { describe, expect, it } from 'vitest';
import { Sim } from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

const events = async (k: import('../../../sandboxes/simos/index.ts').Sys, path: string) =>
  Object.fromEntries(
    (await k.cgroupRead(path, 'cgroup.events'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([key, v]) => [key, Number(v)]),
  );

describe('cgroup.events populated', () => {
  it('follows the example of cgroup-v2.rst: A(4) - B(0) - C(1), D(0)', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    await sim.run(async (k) => {
      for (const p of ['/A', '/A/B', '/A/B/C', '/A/B/D']) await k.cgroupMkdir(p);
      const sleeper = (ms: number) => async (c: typeof k) => {
        await c.sleep(ms);
      };
      const inA = [];
      for (let i = 0; i < 4; i++) inA.push(await k.fork(sleeper(1000)));
      for (const pid of inA) await k.cgroupWrite('/A', 'cgroup.procs', pid);
      const inC = await k.fork(sleeper(10));
      await k.cgroupWrite('/A/B/C', 'cgroup.procs', inC);
      expect(await events(k, '/A')).toEqual({ populated: 1, frozen: 0 });
      expect((await events(k, '/A/B')).populated).toBe(1);
      expect((await events(k, '/A/B/C')).populated).toBe(1);
      expect((await events(k, '/A/B/D')).populated).toBe(0);
      await k.sleep(20); // C's process exits (and stays an unreaped zombie)
      expect((await events(k, '/A/B/C')).populated).toBe(0);
      expect((await events(k, '/A/B')).populated).toBe(0);
      expect((await events(k, '/A')).populated).toBe(1);
      for (const pid of inA) await k.kill(pid, 9);
      expect((await events(k, '/A')).populated).toBe(0);
    });
    expect(sim.traceText()).toMatch(/cgroup \/A\/B\/C: populated 0/);
    expect(sim.traceText()).toMatch(/cgroup \/A\/B: populated 0/);
  });
});

describe('pids controller', () => {
  it('fails fork with EAGAIN at pids.max; zombies count until reaped', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    sim.register('true', async () => 0);
    const log: string[] = [];
    await sim.run(async (k) => {
      await k.cgroupMkdir('/lim');
      await k.cgroupWrite('/lim', 'pids.max', '3');
      expect(await k.cgroupRead('/lim', 'pids.max')).toBe('3\n');
      const worker = await k.fork(async (c) => {
        await c.cgroupWrite('/lim', 'cgroup.procs', 0); // the worker itself is charged too
        const kids: number[] = [];
        for (let i = 0; i < 3; i++) {
          try {
            kids.push(await c.fork(async () => 0));
            log.push('ok');
          } catch (e) {
            log.push((e as { code: string }).code);
          }
        }
        await c.sleep(5); // both children are zombies now, still charged
        log.push(`current ${(await c.cgroupRead('/lim', 'pids.current')).trim()}`);
        try {
          await c.spawn('true');
        } catch (e) {
          log.push(`spawn ${(e as { code: string }).code}`);
        }
        await c.waitpid(kids[0]!);
        log.push(`current ${(await c.cgroupRead('/lim', 'pids.current')).trim()}`);
        await c.fork(async () => 0);
        log.push('ok after reap');
      });
      await k.waitpid(worker);
    });
    expect(log).toEqual(['ok', 'ok', 'EAGAIN', 'current 3', 'spawn EAGAIN', 'current 2', 'ok after reap']);
    expect(sim.traceText()).toMatch(/\] fork\(.*\) = -1 EAGAIN/);
  });

  it('applies every ancestor\'s limit, and lets migration exceed a limit', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    sim.register('true', async () => 0);
    await sim.run(async (k) => {
      await k.cgroupMkdir('/outer');
      await k.cgroupMkdir('/outer/inner');
      await k.cgroupWrite('/outer', 'pids.max', 1);
      const a = await k.fork(async (c) => {
        await c.sleep(100);
      });
      const b = await k.fork(async (c) => {
        await c.sleep(100);
      });
      await k.cgroupWrite('/outer/inner', 'cgroup.procs', a);
      await k.cgroupWrite('/outer/inner', 'cgroup.procs', b); // migration is not limited
      expect(await k.cgroupRead('/outer', 'pids.current')).toBe('2\n');
      expect(await k.cgroupRead('/outer/inner', 'pids.max')).toBe('max\n');
      await k.cgroupWrite('/outer/inner', 'cgroup.procs', 0);
      await expect(k.fork(async () => 0)).rejects.toMatchObject({ code: 'EAGAIN' });
      await k.cgroupWrite('/outer', 'pids.max', 'max');
      const c = await k.fork(async () => 0);
      await k.waitpid(c);
      for (const bad of ['-1', 'lots', '4194305']) {
        await expect(k.cgroupWrite('/outer', 'pids.max', bad)).rejects.toMatchObject({ code: 'EINVAL' });
      }
      await k.kill(a, 9);
      await k.kill(b, 9);
      await k.waitpid(a);
      await k.waitpid(b);
      await k.cgroupWrite('/', 'cgroup.procs', 0);
      expect(await k.cgroupRead('/outer', 'pids.current')).toBe('0\n');
    });
  });
});
