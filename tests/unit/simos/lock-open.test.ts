import { describe, expect, it } from 'vitest';
import {
  Sim, LOCK_EX, LOCK_NB, LOCK_SH, O_CREAT, O_EXLOCK, O_NONBLOCK, O_RDONLY, O_RDWR, O_SHLOCK, SimulationError, isErrno,
  type Sys,
} from '../../../sandboxes/simos/index.ts';
import { outcome, runSim } from './lock-helpers.ts';

const P = '/tmp/job.lock';

async function inChild(k: Sys, probe: (c: Sys) => Promise<void>): Promise<void> {
  await k.waitpid(await k.fork(probe));
}

describe('open with O_EXLOCK / O_SHLOCK (flock semantics)', () => {
  it('takes the lock as part of the open; with O_NONBLOCK a conflict fails the open with EWOULDBLOCK', async () => {
    const seen: string[] = [];
    let ewouldblock = false;
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT | O_EXLOCK);
      await inChild(k, async (c) => {
        try {
          await c.open(P, O_RDWR | O_EXLOCK | O_NONBLOCK);
          seen.push('opened');
        } catch (e) {
          ewouldblock = isErrno(e, 'EWOULDBLOCK');
          seen.push((e as { code: string }).code);
        }
        seen.push(await outcome(c.open(P, O_RDONLY | O_SHLOCK | O_NONBLOCK)));
        const plain = await c.open(P, O_RDWR);
        seen.push(await outcome(c.flock(plain, LOCK_SH | LOCK_NB)));
      });
      await k.close(fd);
      await inChild(k, async (c) => {
        const a = await c.open(P, O_RDONLY | O_SHLOCK | O_NONBLOCK);
        const b = await c.open(P, O_RDONLY | O_SHLOCK | O_NONBLOCK); // shared locks coexist
        seen.push(`${a >= 0 && b >= 0}`);
        seen.push(await outcome(c.open(P, O_RDWR | O_EXLOCK | O_NONBLOCK)));
      });
    });
    expect(seen).toEqual(['EAGAIN', 'EAGAIN', 'EAGAIN', 'true', 'EAGAIN']);
    expect(ewouldblock).toBe(true);
  });

  it('without O_NONBLOCK the open waits for the lock; a wait with no end is a deadlock naming the holder', async () => {
    let openedAt = -1;
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.flock(fd, LOCK_EX);
      const child = await k.fork(async (c) => {
        await c.close(fd); // the inherited fd shares our description, and with it our lock
        await c.open(P, O_RDWR | O_EXLOCK);
        openedAt = await c.now();
      });
      await k.sleep(40);
      await k.close(fd);
      await k.waitpid(child);
    });
    expect(openedAt).toBe(40);

    const sim = new Sim({ seed: 1, console: () => {} });
    const run = sim.run(async (k) => {
      await k.open(P, O_RDWR | O_CREAT | O_EXLOCK);
      await k.open(P, O_RDWR | O_EXLOCK); // a second description: conflicts with our own lock
    });
    await expect(run).rejects.toBeInstanceOf(SimulationError);
    await expect(run).rejects.toThrow(/pid 2 \(main\): in open\(\), waiting for flock\(\/tmp\/job.lock, LOCK_EX\) — held by pid 2/);
  });

  it('a filesystem without locking (cgroupfs) refuses O_EXLOCK with EOPNOTSUPP; flock there is EINVAL', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      seen.push(await outcome(k.open('/sys/fs/cgroup/cgroup.procs', O_RDONLY | O_EXLOCK)));
      const fd = await k.open('/sys/fs/cgroup/cgroup.procs', O_RDONLY);
      seen.push(await outcome(k.flock(fd, LOCK_SH)));
    });
    expect(seen).toEqual(['EOPNOTSUPP', 'EINVAL']);
  });

  it('D2a: the holder unlinks the file; a new open(O_CREAT) makes a new inode whose LOCK_EX|LOCK_NB succeeds', async () => {
    const seen: Record<string, unknown> = {};
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.flock(fd, LOCK_EX);
      await k.unlink(P);
      await inChild(k, async (c) => {
        const fresh = await c.open(P, O_RDWR | O_CREAT);
        seen.lock = await outcome(c.flock(fresh, LOCK_EX | LOCK_NB));
        seen.freshIno = (await c.fstat(fresh)).st_ino;
      });
      const mine = await k.fstat(fd);
      seen.mineIno = mine.st_ino;
      seen.mineNlink = mine.st_nlink;
    });
    expect(seen.lock).toBe('ok');
    expect(seen.freshIno).not.toBe(seen.mineIno);
    expect(seen.mineNlink).toBe(0);
  });
});

describe('the unlink race of lock-on-open (SYLLABUS L2.4)', () => {
  /**
   * Four workers follow the protocol "open(p, O_CREAT|O_EXLOCK|O_NONBLOCK); skip on EWOULDBLOCK;
   * work (1 ms); unlink(p); close". Two start at 0 ms, two at 1 ms, just when the first holder
   * unlinks and closes. A late worker whose open looked the path up before the unlink locks the
   * orphan, while the other late worker creates a new file and locks that: two inside at once.
   */
  async function protocol(seed: number): Promise<{ orphanLocks: number; overlaps: number }> {
    const inside = new Set<string>();
    let orphanLocks = 0;
    let overlaps = 0;
    const worker = (name: string, startMs: number) => async (c: Sys) => {
      if (startMs) await c.sleep(startMs);
      let fd: number;
      try {
        fd = await c.open(P, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK);
      } catch (e) {
        if (isErrno(e, 'EWOULDBLOCK')) return;
        throw e;
      }
      const st = await c.fstat(fd);
      if (st.st_nlink === 0) orphanLocks++;
      if (inside.size > 0) overlaps++;
      inside.add(name);
      await c.sleep(1); // work
      inside.delete(name);
      await c.unlink(P).catch(() => {});
      await c.close(fd);
    };
    await runSim(async (k) => {
      const pids = [];
      for (const [name, start] of [['A', 0], ['B', 0], ['C', 1], ['D', 1]] as const) pids.push(await k.fork(worker(name, start)));
      for (const pid of pids) await k.waitpid(pid);
    }, { seed });
    return { orphanLocks, overlaps };
  }

  it('under some seeds a worker locks an orphaned inode, and under others nobody does', async () => {
    const results = [];
    for (let seed = 1; seed <= 60; seed++) results.push(await protocol(seed));
    expect(results.some((r) => r.orphanLocks > 0)).toBe(true);
    expect(results.some((r) => r.orphanLocks === 0)).toBe(true);
    // The orphan lock is harmful: some seed has two workers inside at once.
    expect(results.some((r) => r.overlaps > 0)).toBe(true);
  });

  it('B resolves the path to I1 and waits for the lock; A unlinks and closes; B gets the lock on the orphan I1', async () => {
    const runs: { bIno: number; bNlink: number; aIno: number }[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const r = { bIno: -1, bNlink: -1, aIno: -1 };
      await runSim(async (k) => {
        const a = await k.open(P, O_RDWR | O_CREAT | O_EXLOCK);
        r.aIno = (await k.fstat(a)).st_ino;
        const b = await k.fork(async (c) => {
          await c.close(a);
          const fd = await c.open(P, O_RDWR | O_CREAT | O_EXLOCK);
          const st = await c.fstat(fd);
          r.bIno = st.st_ino;
          r.bNlink = st.st_nlink;
        });
        await k.sleep(1);
        await k.unlink(P);
        await k.close(a);
        await k.waitpid(b);
        await k.unlink(P).catch(() => {});
      }, { seed });
      runs.push(r);
    }
    // B's open always resolved the path while I1 still had its name (A slept before unlinking),
    // so B always ends up holding I1 after its last name is gone.
    expect(runs.every((r) => r.bIno === r.aIno && r.bNlink === 0)).toBe(true);
  });

  it('flock-style locks from O_EXLOCK conflict with flock(2) on the same file', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      await k.open(P, O_RDWR | O_CREAT | O_SHLOCK);
      const plain = await k.open(P, O_RDWR);
      seen.push(await outcome(k.flock(plain, LOCK_SH | LOCK_NB)));
      seen.push(await outcome(k.flock(plain, LOCK_EX | LOCK_NB)));
    });
    expect(seen).toEqual(['ok', 'EAGAIN']);
  });
});
