import { describe, expect, it } from 'vitest';
import { Sim, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_WRONLY, O_NOFOLLOW, O_DIRECTORY, O_TRUNC, S_ISLNK, S_ISREG, type Sys } from '../../../sandboxes/simos/index.ts';

const quiet = () => new Sim({ console: () => {} });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function put(k: Sys, path: string, data: string): Promise<void> {
  const fd = await k.open(path, O_CREAT | O_WRONLY | O_TRUNC);
  await k.write(fd, data);
  await k.close(fd);
}

async function cat(k: Sys, path: string): Promise<string> {
  const fd = await k.open(path, O_RDONLY);
  const b = await k.read(fd, 1 << 16);
  await k.close(fd);
  return text(b);
}

describe('unlink, and open(O_CREAT) afterwards', () => {
  it('keeps an unlinked file alive through its fd, and O_CREAT of the path makes a new inode', async () => {
    await quiet().run(async (k) => {
      const fd = await k.open('/data/lock', O_CREAT | O_RDWR, 0o600);
      await k.write(fd, 'old');
      const before = await k.fstat(fd);
      await k.unlink('/data/lock');
      await expect(k.stat('/data/lock')).rejects.toMatchObject({ code: 'ENOENT' });
      const orphan = await k.fstat(fd);
      expect([orphan.st_ino, orphan.st_nlink]).toEqual([before.st_ino, 0]);
      await k.write(fd, '+more');
      expect(text(await k.pread(fd, 100, 0))).toBe('old+more');
      const fd2 = await k.open('/data/lock', O_CREAT | O_RDWR);
      const fresh = await k.fstat(fd2);
      expect(fresh.st_dev).toBe(before.st_dev);
      expect(fresh.st_ino).not.toBe(before.st_ino);
      expect(fresh.st_size).toBe(0);
      expect((await k.fstat(fd)).st_size).toBe(8); // the orphan is untouched
    });
  });

  it('O_CREAT|O_EXCL fails with EEXIST when the name exists, even as a dangling symlink', async () => {
    await quiet().run(async (k) => {
      await k.close(await k.open('/data/f', O_CREAT | O_EXCL | O_WRONLY));
      await expect(k.open('/data/f', O_CREAT | O_EXCL | O_WRONLY)).rejects.toMatchObject({ code: 'EEXIST' });
      await k.symlink('/data/nowhere', '/data/dangling');
      await expect(k.open('/data/dangling', O_CREAT | O_EXCL | O_WRONLY)).rejects.toMatchObject({ code: 'EEXIST' });
      // Without O_EXCL, O_CREAT through a dangling symlink creates its target.
      await k.close(await k.open('/data/dangling', O_CREAT | O_WRONLY));
      expect((await k.stat('/data/nowhere')).st_size).toBe(0);
    });
  });

  it('unlink of a directory is EISDIR; of a missing name ENOENT; through a file ENOTDIR', async () => {
    await quiet().run(async (k) => {
      await put(k, '/data/f', 'x');
      await expect(k.unlink('/data')).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(k.unlink('/data/nope')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.unlink('/data/f/x')).rejects.toMatchObject({ code: 'ENOTDIR' });
      await expect(k.open('/nope/f', O_CREAT | O_WRONLY)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.open('/data/f/', O_RDONLY)).rejects.toMatchObject({ code: 'ENOTDIR' });
    });
  });
});

describe('rename', () => {
  it('replaces the target atomically; an fd opened before keeps the old content', async () => {
    await quiet().run(async (k) => {
      await put(k, '/data/v', 'one');
      const old = await k.open('/data/v', O_RDONLY);
      await put(k, '/data/v.tmp', 'two');
      const tmpIno = (await k.stat('/data/v.tmp')).st_ino;
      await k.rename('/data/v.tmp', '/data/v');
      expect(await cat(k, '/data/v')).toBe('two');
      expect((await k.stat('/data/v')).st_ino).toBe(tmpIno);
      await expect(k.stat('/data/v.tmp')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(text(await k.read(old, 10))).toBe('one');
      expect((await k.fstat(old)).st_nlink).toBe(0);
    });
  });

  it('follows the directory rules of rename(2)', async () => {
    await quiet().run(async (k) => {
      await k.mkdir('/data/a');
      await k.mkdir('/data/a/sub');
      await k.mkdir('/data/full');
      await put(k, '/data/full/x', '1');
      await k.mkdir('/data/empty');
      await put(k, '/data/f', 'f');
      await expect(k.rename('/data/a', '/data/a/sub/inside')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.rename('/data/f', '/data/a')).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(k.rename('/data/a', '/data/f')).rejects.toMatchObject({ code: 'ENOTDIR' });
      await expect(k.rename('/data/a', '/data/full')).rejects.toMatchObject({ code: 'ENOTEMPTY' });
      await expect(k.rename('/data/missing', '/data/g')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.rename('/data/f', '/tmp/f')).rejects.toMatchObject({ code: 'EXDEV' });
      await expect(k.rename('/tmp', '/data/t')).rejects.toMatchObject({ code: 'EBUSY' }); // a mount point
      await expect(k.rename('/data/f', '/data/nodir/f')).rejects.toMatchObject({ code: 'ENOENT' });
      // A directory may replace an empty one; the moved directory's '..' follows it.
      await k.rename('/data/a', '/data/empty');
      expect(await k.readdir('/data/empty')).toEqual(['sub']);
      expect((await k.stat('/data/empty/sub/..')).st_ino).toBe((await k.stat('/data/empty')).st_ino);
      // Two names of one file: rename does nothing and succeeds.
      await k.link('/data/f', '/data/f2');
      await k.rename('/data/f', '/data/f2');
      expect((await k.stat('/data/f')).st_nlink).toBe(2);
    });
  });
});

describe('link, mkdir, rmdir, readdir', () => {
  it('link refuses directories (EPERM), existing names (EEXIST) and other devices (EXDEV)', async () => {
    await quiet().run(async (k) => {
      await put(k, '/data/f', 'x');
      await expect(k.link('/data', '/data/d2')).rejects.toMatchObject({ code: 'EPERM' });
      await expect(k.link('/data/f', '/data/f')).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(k.link('/data/f', '/tmp/f')).rejects.toMatchObject({ code: 'EXDEV' });
      await expect(k.link('/data/none', '/data/g')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('mkdir EEXIST/ENOENT; rmdir ENOTEMPTY/ENOTDIR/EBUSY/EINVAL; readdir is sorted', async () => {
    await quiet().run(async (k) => {
      await k.mkdir('/data/d');
      await expect(k.mkdir('/data/d')).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(k.mkdir('/data/x/y')).rejects.toMatchObject({ code: 'ENOENT' });
      for (const n of ['zeta', 'alpha', 'mid']) await put(k, `/data/d/${n}`, n);
      expect(await k.readdir('/data/d')).toEqual(['alpha', 'mid', 'zeta']);
      await expect(k.rmdir('/data/d')).rejects.toMatchObject({ code: 'ENOTEMPTY' });
      await expect(k.rmdir('/data/d/alpha')).rejects.toMatchObject({ code: 'ENOTDIR' });
      await expect(k.rmdir('/tmp')).rejects.toMatchObject({ code: 'EBUSY' });
      await expect(k.rmdir('/data/d/.')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.readdir('/data/d/alpha')).rejects.toMatchObject({ code: 'ENOTDIR' });
      for (const n of ['zeta', 'alpha', 'mid']) await k.unlink(`/data/d/${n}`);
      await k.rmdir('/data/d');
      await expect(k.stat('/data/d')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('opens a directory only O_RDONLY; O_DIRECTORY on a file is ENOTDIR; reading a directory EISDIR', async () => {
    await quiet().run(async (k) => {
      await put(k, '/data/f', 'x');
      await expect(k.open('/data', O_WRONLY)).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(k.open('/data', O_CREAT | O_RDONLY)).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(k.open('/data/f', O_RDONLY | O_DIRECTORY)).rejects.toMatchObject({ code: 'ENOTDIR' });
      const d = await k.open('/data', O_RDONLY | O_DIRECTORY);
      await expect(k.read(d, 10)).rejects.toMatchObject({ code: 'EISDIR' });
      await k.fsync(d);
    });
  });
});

describe('symlinks, lstat, cwd', () => {
  it('stat follows a symlink, lstat reports the link itself; loops give ELOOP', async () => {
    await quiet().run(async (k) => {
      await put(k, '/data/real', 'content');
      await k.symlink('/data/real', '/data/link');
      const s = await k.stat('/data/link');
      const l = await k.lstat('/data/link');
      expect(S_ISREG(s.st_mode) && S_ISLNK(l.st_mode)).toBe(true);
      expect(l.st_ino).not.toBe(s.st_ino);
      expect(await k.readlink('/data/link')).toBe('/data/real');
      expect(await cat(k, '/data/link')).toBe('content');
      await expect(k.readlink('/data/real')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.open('/data/link', O_RDONLY | O_NOFOLLOW)).rejects.toMatchObject({ code: 'ELOOP' });
      await k.symlink('b', '/data/a');
      await k.symlink('a', '/data/b');
      await expect(k.stat('/data/a')).rejects.toMatchObject({ code: 'ELOOP' });
      // unlink removes the link, not its target
      await k.unlink('/data/link');
      expect(await cat(k, '/data/real')).toBe('content');
    });
  });

  it('resolves relative paths from the working directory, which children inherit', async () => {
    await quiet().run(async (k) => {
      expect(await k.getcwd()).toBe('/');
      await k.mkdir('/data/work');
      await k.chdir('/data/work');
      await put(k, 'notes', 'n');
      expect(await cat(k, '/data/work/notes')).toBe('n');
      expect(await k.getcwd()).toBe('/data/work');
      await expect(k.chdir('notes')).rejects.toMatchObject({ code: 'ENOTDIR' });
      const child = await k.fork(async (c) => ((await c.getcwd()) === '/data/work' && (await cat(c, 'notes')) === 'n' ? 0 : 1));
      expect((await k.waitpid(child)).status).toBe(0);
      await k.chdir('../../tmp');
      expect(await k.getcwd()).toBe('/tmp');
      expect((await k.stat('..')).st_ino).toBe(2); // '..' of a mount's root leaves the mount
      expect((await k.stat('..')).st_dev).toBe((await k.stat('/')).st_dev);
    });
  });
});

describe('bad arguments', () => {
  it('gets EINVAL/EBADF/ENOENT, never a TypeError', async () => {
    await quiet().run(async (k) => {
      await expect(k.open(5 as unknown as string, O_RDONLY)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.open('', O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.open('/data/f', 0x40000000)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.open('/data/f', O_CREAT | 3)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.open('/data/f', 'r' as unknown as number)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.fstat(99)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.fsync(-1)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.stat(null as unknown as string)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.open('/data/' + 'x'.repeat(300), O_CREAT | O_WRONLY)).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
      const [r] = await k.pipe();
      await expect(k.fsync(r)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.lseek(r, 0, 0)).rejects.toMatchObject({ code: 'ESPIPE' });
    });
  });
});
