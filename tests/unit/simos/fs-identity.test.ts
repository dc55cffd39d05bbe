import { describe, expect, it } from 'vitest';
import { Sim, O_CREAT, O_RDWR, O_WRONLY, O_RDONLY, S_ISDIR, S_ISREG, type Sys } from '../../../sandboxes/simos/index.ts';
import { inodeOf } from '../../../sandboxes/simos/inode.ts';

const quiet = () => new Sim({ console: () => {} });

async function create(k: Sys, path: string, text = ''): Promise<number> {
  const fd = await k.open(path, O_CREAT | O_RDWR, 0o644);
  if (text) await k.write(fd, text);
  return fd;
}

describe('file identity is (st_dev, st_ino)', () => {
  it('gives the first file on / and on /tmp the same st_ino but different st_dev', async () => {
    await quiet().run(async (k) => {
      const a = await k.fstat(await create(k, '/data/a'));
      const b = await k.fstat(await create(k, '/tmp/b'));
      expect(a.st_ino).toBe(b.st_ino);
      expect(a.st_dev).not.toBe(b.st_dev);
      expect(S_ISREG(a.st_mode)).toBe(true);
      // The device roots collide too: ino 2 on both.
      const root = await k.stat('/');
      const tmp = await k.stat('/tmp');
      expect([root.st_ino, tmp.st_ino]).toEqual([2, 2]);
      expect(root.st_dev).not.toBe(tmp.st_dev);
      expect(S_ISDIR(tmp.st_mode)).toBe(true);
    });
  });

  it('mounts an NFS device at /mnt/nfs whose inodes say kind "nfs"', async () => {
    const sim = quiet();
    const kinds: string[] = [];
    await sim.run(async (k) => {
      const fds = [await create(k, '/mnt/nfs/lock'), await create(k, '/data/lock')];
      const [nfs, local] = [await k.fstat(fds[0]!), await k.fstat(fds[1]!)];
      expect(nfs.st_dev).not.toBe(local.st_dev);
      const p = sim.kernel.procs.get(await k.getpid())!;
      for (const fd of fds) kinds.push(inodeOf(p.fds.get(fd)!.file)!.device.kind);
    });
    expect(kinds).toEqual(['nfs', 'disk']);
  });

  it('an Inode object is stable per file and carries (dev, ino)', async () => {
    const sim = quiet();
    const seen: unknown[] = [];
    await sim.run(async (k) => {
      await create(k, '/data/x', 'hi');
      const fd1 = await k.open('/data/x', O_RDONLY);
      const fd2 = await k.open('/data/x', O_WRONLY);
      const p = [...sim.kernel.procs.values()].find((q) => q.pid !== 1)!;
      const i1 = inodeOf(p.fds.get(fd1)!.file)!;
      const i2 = inodeOf(p.fds.get(fd2)!.file)!;
      seen.push(i1 === i2, i1.key, i1.openCount);
    });
    expect(seen).toEqual([true, '2049:11', 3]);
  });

  it('a hard link is the same file: same (dev, ino), st_nlink counts the names', async () => {
    await quiet().run(async (k) => {
      await create(k, '/data/a', 'x');
      await k.link('/data/a', '/data/b');
      const a = await k.stat('/data/a');
      const b = await k.stat('/data/b');
      expect([b.st_dev, b.st_ino, b.st_nlink]).toEqual([a.st_dev, a.st_ino, 2]);
      await k.unlink('/data/a');
      expect((await k.stat('/data/b')).st_nlink).toBe(1);
    });
  });

  it('directories count their subdirectories in st_nlink', async () => {
    await quiet().run(async (k) => {
      await k.mkdir('/data/d');
      expect((await k.stat('/data/d')).st_nlink).toBe(2);
      await k.mkdir('/data/d/e');
      await k.mkdir('/data/d/f');
      expect((await k.stat('/data/d')).st_nlink).toBe(4);
      await k.rmdir('/data/d/e');
      expect((await k.stat('/data/d')).st_nlink).toBe(3);
    });
  });
});
