import { describe, expect, it } from 'vitest';
import {
  Sim, F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLK, F_UNLCK, F_WRLCK, LOCK_EX, LOCK_NB, O_CREAT, O_RDWR,
  SimulationError, type Flock, type Sys,
} from '../../../sandboxes/simos/index.ts';
import { outcome, runSim } from './lock-helpers.ts';

const P = '/tmp/ofd';
const WHOLE: Flock = { type: F_WRLCK };

async function inChild(k: Sys, probe: (c: Sys) => Promise<void>): Promise<void> {
  await k.waitpid(await k.fork(probe));
}

describe('OFD locks (F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK)', () => {
  it('l_pid must be 0', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      seen.push(await outcome(k.fcntl(fd, F_OFD_SETLK, { type: F_WRLCK, pid: await k.getpid() })));
      seen.push(await outcome(k.fcntl(fd, F_OFD_GETLK, { type: F_WRLCK, pid: 1 })));
      seen.push(await outcome(k.fcntl(fd, F_OFD_SETLK, { type: F_WRLCK, pid: 0 })));
    });
    expect(seen).toEqual(['EINVAL', 'EINVAL', 'ok']);
  });

  it('two open()s in one process conflict, and an OFD lock conflicts with a POSIX lock of the same process and fd', async () => {
    const seen: unknown[] = [];
    await runSim(async (k) => {
      const a = await k.open(P, O_RDWR | O_CREAT);
      const b = await k.open(P, O_RDWR);
      await k.fcntl(a, F_OFD_SETLK, { type: F_WRLCK, start: 0, len: 10 });
      seen.push(await outcome(k.fcntl(b, F_OFD_SETLK, WHOLE)));
      seen.push(await k.fcntl(b, F_OFD_GETLK, WHOLE));
      seen.push(await outcome(k.fcntl(a, F_SETLK, WHOLE))); // POSIX lock, same process, same fd
      seen.push((await k.fcntl(a, F_GETLK, WHOLE)).pid);
      seen.push(await outcome(k.fcntl(a, F_OFD_SETLK, { type: F_WRLCK, start: 5, len: 10 }))); // same description: fine
    });
    expect(seen).toEqual(['EAGAIN', { type: F_WRLCK, whence: 0, start: 0, len: 10, pid: -1 }, 'EAGAIN', -1, 'ok']);
  });

  it('a forked child shares the lock (same description) but its own open() conflicts', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_OFD_SETLK, WHOLE);
      await inChild(k, async (c) => {
        seen.push(await outcome(c.fcntl(fd, F_OFD_SETLK, WHOLE)));
        const own = await c.open(P, O_RDWR);
        seen.push(await outcome(c.fcntl(own, F_OFD_SETLK, WHOLE)));
        await c.close(own);
        await c.close(fd); // not the last reference: the parent still has it
      });
      await inChild(k, async (c) => {
        const own = await c.open(P, O_RDWR);
        seen.push(await outcome(c.fcntl(own, F_OFD_SETLK, WHOLE)));
      });
    });
    expect(seen).toEqual(['ok', 'EAGAIN', 'EAGAIN']);
  });

  it('closing another fd of the file keeps OFD and flock locks, unlike POSIX locks (D2b)', async () => {
    for (const kind of ['ofd', 'flock'] as const) {
      let child = '';
      await runSim(async (k) => {
        const fd1 = await k.open(P, O_RDWR | O_CREAT);
        const fd2 = await k.open(P, O_RDWR);
        if (kind === 'ofd') await k.fcntl(fd1, F_OFD_SETLK, WHOLE);
        else await k.flock(fd1, LOCK_EX);
        await k.close(fd2);
        await inChild(k, async (c) => {
          const own = await c.open(P, O_RDWR);
          child = await outcome(kind === 'ofd' ? c.fcntl(own, F_OFD_SETLK, WHOLE) : c.flock(own, LOCK_EX | LOCK_NB));
        });
      });
      expect(child, kind).toBe('EAGAIN');
    }
  });

  it('the lock goes with the last fd of its description', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      const other = await k.open(P, O_RDWR);
      await k.fcntl(fd, F_OFD_SETLK, WHOLE);
      const d = await k.dup(fd);
      await k.close(fd);
      seen.push(await outcome(k.fcntl(other, F_OFD_SETLK, WHOLE)));
      await k.close(d);
      seen.push(await outcome(k.fcntl(other, F_OFD_SETLK, WHOLE)));
      await k.fcntl(other, F_OFD_SETLK, { type: F_UNLCK });
    });
    expect(seen).toEqual(['EAGAIN', 'ok']);
  });

  it('F_OFD_SETLKW waits; OFD waits are not deadlock-checked, so a cycle is a simulation deadlock', async () => {
    let at = -1;
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_OFD_SETLK, WHOLE);
      const child = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        await c.fcntl(own, F_OFD_SETLKW, WHOLE);
        at = await c.now();
      });
      await k.sleep(25);
      await k.fcntl(fd, F_OFD_SETLK, { type: F_UNLCK });
      await k.waitpid(child);
    });
    expect(at).toBe(25);

    const sim = new Sim({ seed: 1, console: () => {} });
    const run = sim.run(async (k) => {
      const a = await k.open(P, O_RDWR | O_CREAT);
      const b = await k.open(P, O_RDWR);
      await k.fcntl(a, F_OFD_SETLK, { type: F_WRLCK, start: 0, len: 1 });
      await k.fcntl(b, F_OFD_SETLK, { type: F_WRLCK, start: 1, len: 1 });
      const child = await k.fork(async (c) => {
        await c.sleep(10);
        await c.fcntl(b, F_OFD_SETLKW, { type: F_WRLCK, start: 0, len: 1 });
      });
      await k.fcntl(a, F_OFD_SETLKW, { type: F_WRLCK, start: 1, len: 1 });
      await k.waitpid(child);
    });
    await expect(run).rejects.toBeInstanceOf(SimulationError);
    await expect(run).rejects.toThrow(/in fcntl\(\), waiting for fcntl\(\/tmp\/ofd, F_OFD_SETLKW, F_WRLCK 1\.\.1\) — held by pid 2, 3/);
  });
});
