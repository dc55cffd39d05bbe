import { describe, expect, it } from 'vitest';
import {
  Sim, F_OFD_SETLK, F_RDLCK, F_SETLK, F_WRLCK, LOCK_EX, LOCK_SH, O_CREAT, O_RDWR, heldLocks, type LockInfo,
} from '../../../sandboxes/simos/index.ts';
import { failOnCrash } from './lock-helpers.ts';

describe('heldLocks (for visualisers)', () => {
  it('lists flock, POSIX and OFD locks with their holders, and forgets released ones', async () => {
    let during: LockInfo[] = [];
    let child = 0;
    const sim = new Sim({ seed: 1, console: () => {} });
    await sim.run(async (k) => {
      const a = await k.open('/tmp/a', O_RDWR | O_CREAT);
      const b = await k.open('/mnt/nfs/b', O_RDWR | O_CREAT);
      await k.flock(a, LOCK_SH);
      await k.fcntl(a, F_SETLK, { type: F_WRLCK, start: 5, len: 5 });
      await k.fcntl(a, F_OFD_SETLK, { type: F_RDLCK, start: 100, len: 0 });
      await k.flock(b, LOCK_EX); // NFS: a whole-file fcntl lock owned by the description
      child = await k.fork(async (c) => {
        during = heldLocks(sim.kernel);
        await c.close(a);
        await c.close(b);
      });
      await k.waitpid(child);
    });
    failOnCrash(sim);
    const me = 2;
    const strip = (l: LockInfo) => ({ file: l.file, kind: l.kind, mode: l.mode, start: l.start, end: l.end, pids: l.pids });
    expect(during.map(strip)).toEqual([
      { file: '/tmp/a', kind: 'flock', mode: 'shared', start: 0, end: Infinity, pids: [me, child] },
      { file: '/tmp/a', kind: 'posix', mode: 'exclusive', start: 5, end: 10, pids: [me] },
      { file: '/tmp/a', kind: 'ofd', mode: 'shared', start: 100, end: Infinity, pids: [me, child] },
      { file: '/mnt/nfs/b', kind: 'ofd', mode: 'exclusive', start: 0, end: Infinity, pids: [me, child] },
    ]);
    expect(during[0]!.dev).not.toBe(during[3]!.dev);
    expect(heldLocks(sim.kernel)).toEqual([]); // the main program exited: everything released
  });
});
