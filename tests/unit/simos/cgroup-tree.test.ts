import { describe, expect, it } from 'vitest';
import { Sim, SimulationError } from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

const pidsOf = (text: string) => text.split('\n').filter(Boolean).map(Number);

describe('cgroup tree and membership', () => {
  it('puts every process in the root at first, and a forked child in its parent\'s cgroup', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    await sim.run(async (k) => {
      expect(await k.cgroupOf()).toBe('/');
      await k.cgroupMkdir('/job');
      await k.cgroupWrite('/job', 'cgroup.procs', '0');
      expect(await k.cgroupOf()).toBe('/job');
      const child = await k.fork(async (c) => {
        await c.sleep(10);
      });
      expect(await k.cgroupOf(child)).toBe('/job');
      expect(pidsOf(await k.cgroupRead('/job', 'cgroup.procs'))).toEqual([await k.getpid(), child]);
      expect(pidsOf(await k.cgroupRead('/', 'cgroup.procs'))).toEqual([1]);
      await k.waitpid(child);
    });
  });

  it('moves the whole process on a cgroup.procs write; its existing children stay, later ones follow', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/a');
      const before = await k.fork(async (c) => {
        await c.sleep(50);
      });
      const worker = await k.fork(async (c) => {
        await c.sleep(5); // moved meanwhile
        const late = await c.fork(async (g) => {
          await g.sleep(10);
        });
        await c.print(String(late));
        await c.waitpid(late);
      });
      await k.cgroupWrite('/a', 'cgroup.procs', String(worker));
      expect(await k.cgroupOf(worker)).toBe('/a');
      expect(await k.cgroupOf(before)).toBe('/');
      await k.sleep(7);
      const inA = pidsOf(await k.cgroupRead('/a', 'cgroup.procs'));
      expect(inA).toHaveLength(2);
      expect(inA[0]).toBe(worker);
      await k.waitpid(worker);
      await k.waitpid(before);
    });
  });

  it('lists only the cgroup\'s own live processes, not descendants and not zombies', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/a');
      await k.cgroupMkdir('/a/b');
      const deep = await k.fork(async (c) => {
        await c.sleep(100);
      });
      const quick = await k.fork(async () => 0);
      await k.cgroupWrite('/a/b', 'cgroup.procs', deep);
      await k.sleep(1); // `quick` is a zombie by now
      await k.cgroupWrite('/a', 'cgroup.procs', quick); // a zombie is skipped silently
      expect(await k.cgroupOf(quick)).toBe('/');
      expect(await k.cgroupRead('/a', 'cgroup.procs')).toBe('');
      expect(pidsOf(await k.cgroupRead('/a/b', 'cgroup.procs'))).toEqual([deep]);
      expect(await k.cgroupList('/a')).toEqual(['b']);
      await k.kill(deep, 9);
      await k.waitpid(deep);
      await k.waitpid(quick);
    });
  });

  it('reports mkdir, path and pid errors with the Linux errno', async () => {
    const sim = new Sim({ seed: 4, ...quiet });
    await sim.run(async (k) => {
      await expect(k.cgroupMkdir('/x/y')).rejects.toMatchObject({ code: 'ENOENT' });
      await k.cgroupMkdir('/x');
      await expect(k.cgroupMkdir('/x')).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(k.cgroupMkdir('/x/cgroup.procs')).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(k.cgroupMkdir('/')).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(k.cgroupMkdir('/x/../y')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.cgroupRead('/nope', 'cgroup.procs')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.cgroupRead('/x', 'memory.max')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.cgroupRead('/', 'cgroup.events')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.cgroupRead('/', 'pids.max')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.cgroupRead('/x', 'cgroup.kill')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.cgroupWrite('/x', 'pids.current', '1')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.cgroupWrite('/x', 'cgroup.procs', '4242')).rejects.toMatchObject({ code: 'ESRCH' });
      await expect(k.cgroupWrite('/x', 'cgroup.procs', 'me')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.cgroupWrite('/x', 'cgroup.procs', '1')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.cgroupOf(4242)).rejects.toMatchObject({ code: 'ESRCH' });
    });
  });
});

describe('rmdir', () => {
  it('fails with EBUSY while a live process or a child cgroup remains', async () => {
    const sim = new Sim({ seed: 5, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/a');
      await k.cgroupMkdir('/a/b');
      await expect(k.cgroupRmdir('/a')).rejects.toMatchObject({ code: 'EBUSY' });
      const child = await k.fork(async (c) => {
        await c.sleep(10);
      });
      await k.cgroupWrite('/a/b', 'cgroup.procs', child);
      await expect(k.cgroupRmdir('/a/b')).rejects.toMatchObject({ code: 'EBUSY' });
      await expect(k.cgroupRmdir('/')).rejects.toMatchObject({ code: 'EBUSY' });
      await k.waitpid(child);
      await k.cgroupRmdir('/a/b');
      await k.cgroupRmdir('/a');
      expect(await k.cgroupList('/')).toEqual([]);
      await expect(k.cgroupRmdir('/a')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('succeeds when only zombies remain; they keep the removed cgroup until reaped', async () => {
    const sim = new Sim({ seed: 6, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/a');
      const child = await k.fork(async (c) => {
        await c.sleep(5);
      });
      await k.cgroupWrite('/a', 'cgroup.procs', child);
      await k.sleep(10); // the child is a zombie now
      await k.cgroupRmdir('/a');
      expect(await k.cgroupOf(child)).toBe('/a (deleted)');
      await k.waitpid(child);
      await k.cgroupMkdir('/a'); // the name is free again
    });
  });
});

describe('waiting for a cgroup to empty', () => {
  it('returns when the last process exits, even before it is reaped', async () => {
    const sim = new Sim({ seed: 7, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/a');
      const child = await k.fork(async (c) => {
        await c.sleep(30);
      });
      await k.cgroupWrite('/a', 'cgroup.procs', child);
      expect(await k.cgroupWaitEmpty('/a')).toBe(true);
      expect(await k.now()).toBe(30);
      expect(sim.process(child)?.state).toBe('zombie');
      await k.waitpid(child);
    });
  });

  it('gives up after the timeout, in virtual time', async () => {
    const sim = new Sim({ seed: 8, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/a');
      const child = await k.fork(async (c) => {
        await c.sleep(1000);
      });
      await k.cgroupWrite('/a', 'cgroup.procs', child);
      expect(await k.cgroupWaitEmpty('/a', 100)).toBe(false);
      expect(await k.now()).toBe(100);
      await k.kill(child, 9);
      expect(await k.cgroupWaitEmpty('/a', 100)).toBe(true);
      await k.waitpid(child);
      await expect(k.cgroupWaitEmpty('/')).rejects.toMatchObject({ code: 'EINVAL' });
    });
  });

  it('is a deadlock when the caller waits for its own cgroup', async () => {
    const sim = new Sim({ seed: 9, ...quiet });
    const run = sim.run(async (k) => {
      await k.cgroupMkdir('/self');
      await k.cgroupWrite('/self', 'cgroup.procs', 0);
      await k.cgroupWaitEmpty('/self');
    });
    await expect(run).rejects.toThrow(SimulationError);
    await expect(run).rejects.toThrow(/cgroup \/self to become empty.*the caller itself is inside it/);
  });
});
