import { describe, expect, it } from 'vitest';
import {
  F_GETLK, F_SETLK, F_UNLCK, F_WRLCK, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY,
  type Sys,
} from '../../../sandboxes/simos/index.ts';
import { outcome, runSim } from './lock-helpers.ts';

const LOCAL = '/tmp/portable.lock';
const NFS = '/mnt/nfs/portable.lock';
const WHOLE = { type: F_WRLCK };

async function inChild(k: Sys, probe: (c: Sys) => Promise<void>): Promise<void> {
  await k.waitpid(await k.fork(probe));
}

/** Process A holds `first` on the file; process B tries `second` with a fresh open. */
async function crossCheck(path: string, first: 'flock' | 'fcntl', second: 'flock' | 'fcntl'): Promise<string> {
  let result = '';
  await runSim(async (k) => {
    const fd = await k.open(path, O_RDWR | O_CREAT);
    if (first === 'flock') await k.flock(fd, LOCK_EX);
    else await k.fcntl(fd, F_SETLK, WHOLE);
    await inChild(k, async (c) => {
      const own = await c.open(path, O_RDWR);
      result = await outcome(second === 'flock' ? c.flock(own, LOCK_EX | LOCK_NB) : c.fcntl(own, F_SETLK, WHOLE));
    });
  });
  return result;
}

describe('flock on an NFS mount (emulated as a whole-file fcntl lock)', () => {
  it('locally flock and fcntl ignore each other; on NFS they conflict both ways', async () => {
    expect(await crossCheck(LOCAL, 'flock', 'fcntl')).toBe('ok');
    expect(await crossCheck(LOCAL, 'fcntl', 'flock')).toBe('ok');
    expect(await crossCheck(NFS, 'flock', 'fcntl')).toBe('EAGAIN');
    expect(await crossCheck(NFS, 'fcntl', 'flock')).toBe('EAGAIN');
    // Same kind still conflicts as before.
    expect(await crossCheck(NFS, 'flock', 'flock')).toBe('EAGAIN');
    expect(await crossCheck(NFS, 'fcntl', 'fcntl')).toBe('EAGAIN');
  });

  it('an exclusive flock needs an fd open for writing on NFS (EBADF), not locally', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      await k.close(await k.open(NFS, O_RDWR | O_CREAT));
      await k.close(await k.open(LOCAL, O_RDWR | O_CREAT));
      const nfsRo = await k.open(NFS, O_RDONLY);
      const localRo = await k.open(LOCAL, O_RDONLY);
      seen.push(await outcome(k.flock(localRo, LOCK_EX)));
      seen.push(await outcome(k.flock(nfsRo, LOCK_EX)));
      seen.push(await outcome(k.flock(nfsRo, LOCK_SH)));
      const nfsWo = await k.open(NFS, O_WRONLY);
      seen.push(await outcome(k.flock(nfsWo, LOCK_SH))); // a shared one needs an fd open for reading
    });
    expect(seen).toEqual(['ok', 'EBADF', 'ok', 'EBADF']);
  });

  it('the emulated lock still belongs to the description: F_GETLK reports pid -1, a second open() conflicts, closing another fd keeps it', async () => {
    const seen: unknown[] = [];
    await runSim(async (k) => {
      const a = await k.open(NFS, O_RDWR | O_CREAT);
      const b = await k.open(NFS, O_RDWR);
      await k.flock(a, LOCK_EX);
      seen.push(await outcome(k.flock(b, LOCK_EX | LOCK_NB)));
      seen.push(await k.fcntl(b, F_GETLK, WHOLE));
      await k.close(b);
      await inChild(k, async (c) => {
        const own = await c.open(NFS, O_RDWR);
        seen.push(await outcome(c.flock(own, LOCK_EX | LOCK_NB)));
      });
      await k.flock(a, LOCK_UN);
      seen.push((await k.fcntl(a, F_GETLK, WHOLE)).type === F_UNLCK);
    });
    expect(seen).toEqual(['EAGAIN', { type: F_WRLCK, whence: 0, start: 0, len: 0, pid: -1 }, 'EAGAIN', true]);
  });
});
