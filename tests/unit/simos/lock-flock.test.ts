import { describe, expect, it } from 'vitest';
import {
  Sim, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, O_CREAT, O_RDWR, SIGUSR1, SimulationError, isErrno,
} from '../../../sandboxes/simos/index.ts';
import { outcome, runSim } from './lock-helpers.ts';

const P = '/tmp/lockfile';

describe('flock(2): ownership by open file description', () => {
  it('shared locks coexist; an exclusive one conflicts; LOCK_NB then fails with EWOULDBLOCK (EAGAIN)', async () => {
    const seen: Record<string, string> = {};
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.flock(fd, LOCK_SH);
      const child = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        seen.childShared = await outcome(c.flock(own, LOCK_SH | LOCK_NB));
        seen.childUpgrade = await outcome(c.flock(own, LOCK_EX | LOCK_NB));
        await c.flock(own, LOCK_UN);
        try {
          await c.flock(own, LOCK_EX | LOCK_NB);
        } catch (e) {
          seen.isEwouldblock = String(isErrno(e, 'EWOULDBLOCK'));
          seen.message = (e as Error).message;
        }
      });
      await k.waitpid(child);
    });
    expect(seen).toMatchObject({ childShared: 'ok', childUpgrade: 'EAGAIN', isEwouldblock: 'true' });
    expect(seen.message).toMatch(/^flock: EAGAIN .*EWOULDBLOCK: \/tmp\/lockfile is locked \(LOCK_SH\).*held by pid 2/);
  });

  it('dup and fork share one lock; a second open() in the same process is a separate owner (D2c)', async () => {
    const seen: Record<string, string> = {};
    await runSim(async (k) => {
      const a = await k.open(P, O_RDWR | O_CREAT);
      const b = await k.open(P, O_RDWR);
      await k.flock(a, LOCK_EX);
      const d = await k.dup(a);
      seen.dupRelock = await outcome(k.flock(d, LOCK_EX | LOCK_NB));
      seen.secondOpenEx = await outcome(k.flock(b, LOCK_EX | LOCK_NB));
      seen.secondOpenSh = await outcome(k.flock(b, LOCK_SH | LOCK_NB));
      const child = await k.fork(async (c) => {
        // The child's fd `a` is the same description: it already holds the lock...
        seen.childRelock = await outcome(c.flock(a, LOCK_EX | LOCK_NB));
        // ...and unlocking through it unlocks the parent too.
        await c.flock(a, LOCK_UN);
      });
      await k.waitpid(child);
      seen.afterChildUnlock = await outcome(k.flock(b, LOCK_EX | LOCK_NB));
    });
    expect(seen).toEqual({ dupRelock: 'ok', secondOpenEx: 'EAGAIN', secondOpenSh: 'EAGAIN', childRelock: 'ok', afterChildUnlock: 'ok' });
  });

  it('the lock lasts until the last descriptor of its description closes, in any process', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const a = await k.open(P, O_RDWR | O_CREAT);
      const other = await k.open(P, O_RDWR);
      await k.flock(a, LOCK_EX);
      const d = await k.dup(a);
      await k.close(a);
      seen.push(`dup open: ${await outcome(k.flock(other, LOCK_EX | LOCK_NB))}`);
      const child = await k.fork(async (c) => {
        await c.sleep(100); // holds the inherited description
      });
      await k.close(d);
      seen.push(`child holds it: ${await outcome(k.flock(other, LOCK_EX | LOCK_NB))}`);
      await k.waitpid(child);
      seen.push(`child exited: ${await outcome(k.flock(other, LOCK_EX | LOCK_NB))}`);
    });
    expect(seen).toEqual(['dup open: EAGAIN', 'child holds it: EAGAIN', 'child exited: ok']);
  });

  it('bad arguments: EINVAL for an unknown operation or a pipe, EBADF for a closed fd', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      seen.push(await outcome(k.flock(fd, LOCK_SH | LOCK_EX)));
      seen.push(await outcome(k.flock(fd, LOCK_NB)));
      seen.push(await outcome(k.flock(fd, 'x' as unknown as number)));
      seen.push(await outcome(k.flock(99, LOCK_EX)));
      const [r] = await k.pipe();
      seen.push(await outcome(k.flock(r!, LOCK_EX)));
      seen.push(await outcome(k.flock(fd, LOCK_UN))); // unlocking with no lock is fine
    });
    expect(seen).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EBADF', 'EINVAL', 'ok']);
  });
});

describe('flock(2): waiting', () => {
  it('a blocked LOCK_EX is granted when the holder unlocks, and the trace marks it blocked', async () => {
    let grantedAt = -1;
    const sim = await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.flock(fd, LOCK_EX);
      const child = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        await c.flock(own, LOCK_EX);
        grantedAt = await c.now();
      });
      await k.sleep(100);
      await k.flock(fd, LOCK_UN);
      await k.waitpid(child);
    });
    expect(grantedAt).toBe(100);
    expect(sim.traceText()).toMatch(/\[pid 3\] flock\(4, 2\) = 0 <blocked>/);
  });

  it('a wait that can never end is reported as a deadlock naming the flock and the holder', async () => {
    const sim = new Sim({ seed: 1, console: () => {} });
    const run = sim.run(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.flock(fd, LOCK_EX);
      const child = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        await c.flock(own, LOCK_EX);
      });
      await k.waitpid(child); // the parent waits for the child, the child for the parent's lock
    });
    await expect(run).rejects.toBeInstanceOf(SimulationError);
    await expect(run).rejects.toThrow(/pid 3 \(main\): in flock\(\), waiting for flock\(\/tmp\/lockfile, LOCK_EX\) — held by pid 2/);
  });

  it('a signal handler interrupts the wait with EINTR; with SA_RESTART the wait goes on', async () => {
    for (const restart of [false, true]) {
      let result = '';
      await runSim(async (k) => {
        const fd = await k.open(P, O_RDWR | O_CREAT);
        await k.flock(fd, LOCK_EX);
        const child = await k.fork(async (c) => {
          await c.sigaction(SIGUSR1, () => {}, { restart });
          const own = await c.open(P, O_RDWR);
          result = await outcome(c.flock(own, LOCK_EX));
        });
        await k.sleep(10);
        await k.kill(child, SIGUSR1);
        await k.sleep(10);
        await k.flock(fd, LOCK_UN); // (closing fd would not do: the child inherited it)
        await k.waitpid(child);
      });
      expect(result).toBe(restart ? 'ok' : 'EINTR');
    }
  });
});

describe('flock(2): conversion is not atomic', () => {
  /**
   * The parent holds LOCK_SH and upgrades to LOCK_EX while a writer waits for LOCK_EX. The
   * upgrade drops the shared lock first, so depending on the schedule either the parent or the
   * waiting writer gets the exclusive lock first.
   */
  async function upgradeRace(seed: number): Promise<string[]> {
    const order: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.flock(fd, LOCK_SH);
      const writer = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        await c.flock(own, LOCK_EX);
        order.push('writer');
        await c.sleep(5);
        await c.flock(own, LOCK_UN);
      });
      await k.sleep(10); // the writer is now blocked behind our shared lock
      await k.flock(fd, LOCK_EX);
      order.push('upgrader');
      await k.sleep(5);
      await k.flock(fd, LOCK_UN);
      await k.waitpid(writer);
    }, { seed });
    return order;
  }

  it('under some seeds the waiting writer gets in between; under others the upgrade wins', async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) outcomes.add((await upgradeRace(seed)).join(' then '));
    expect(outcomes).toEqual(new Set(['writer then upgrader', 'upgrader then writer']));
  });

  it('a LOCK_NB conversion that fails leaves the caller with no lock at all', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const a = await k.open(P, O_RDWR | O_CREAT);
      const b = await k.open(P, O_RDWR);
      const c = await k.open(P, O_RDWR);
      await k.flock(a, LOCK_SH);
      await k.flock(b, LOCK_SH);
      seen.push(await outcome(k.flock(a, LOCK_EX | LOCK_NB))); // b's shared lock is in the way
      await k.flock(b, LOCK_UN);
      seen.push(await outcome(k.flock(c, LOCK_EX | LOCK_NB))); // so a's shared lock must be gone
    });
    expect(seen).toEqual(['EAGAIN', 'ok']);
  });
});
