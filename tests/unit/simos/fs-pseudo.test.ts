import { describe, expect, it } from 'vitest';
import { Sim, O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_WRONLY, S_ISDIR, S_ISREG } from '../../../sandboxes/simos/index.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('cgroupfs mounted at /sys/fs/cgroup', () => {
  it('is reached by the ordinary file calls: mkdir, readdir, open/write/read, stat, rmdir', async () => {
    await new Sim({ console: () => {} }).run(async (k) => {
      expect(await k.readdir('/sys/fs')).toEqual(['cgroup']);
      await k.mkdir('/sys/fs/cgroup/job');
      expect(await k.readdir('/sys/fs/cgroup')).toEqual(['cgroup.procs', 'job']);
      expect(await k.readdir('/sys/fs/cgroup/job')).toContain('cgroup.kill');
      const child = await k.fork(async (c) => void (await c.sleep(1000)));
      const procs = await k.open('/sys/fs/cgroup/job/cgroup.procs', O_RDWR);
      await k.write(procs, String(child));
      expect(text(await k.pread(procs, 100, 0)).trim()).toBe(String(child));
      const dir = await k.stat('/sys/fs/cgroup/job');
      const file = await k.stat('/sys/fs/cgroup/job/cgroup.procs');
      expect(S_ISDIR(dir.st_mode) && S_ISREG(file.st_mode)).toBe(true);
      expect(dir.st_dev).not.toBe((await k.stat('/')).st_dev);
      expect((await k.stat('/sys/fs/cgroup/job')).st_ino).toBe(dir.st_ino);
      await k.chdir('/sys/fs');
      expect((await k.stat('cgroup/job/../job')).st_ino).toBe(dir.st_ino); // relative paths work
      await expect(k.stat('/sys/fs/cgroup/nope')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.open('/sys/fs/cgroup/job/new-file', O_CREAT | O_WRONLY)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(k.open('/sys/fs/cgroup/job/cgroup.procs', O_CREAT | O_EXCL | O_WRONLY)).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(k.open('/sys/fs/cgroup/job', O_RDONLY)).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(k.unlink('/sys/fs/cgroup/job/cgroup.procs')).rejects.toMatchObject({ code: 'EPERM' });
      await expect(k.rename('/sys/fs/cgroup/job', '/sys/fs/cgroup/job2')).rejects.toMatchObject({ code: 'EPERM' });
      await expect(k.readdir('/sys/fs/cgroup/job/cgroup.procs')).rejects.toMatchObject({ code: 'ENOTDIR' });
      await k.kill(child, 9);
      await k.waitpid(child);
      await k.close(procs);
      await k.rmdir('/sys/fs/cgroup/job');
      expect(await k.readdir('/sys/fs/cgroup')).toEqual(['cgroup.procs']);
    });
  });
});
