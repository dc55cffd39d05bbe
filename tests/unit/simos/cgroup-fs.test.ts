/**
 * cgroupfs's file side (cgroupfs.ts) through open/read/write/poll/close at /sys/fs/cgroup:
 * seq-file snapshots, per-description change notification, access modes, removed cgroups.
 */
import { describe, expect, it } from 'vitest';
import { Sim, O_RDONLY, O_WRONLY, O_RDWR, POLLPRI, POLLERR, type Sys } from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

const open = (k: Sys, path: string, flags: number) => k.open(path, flags);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function readAll(k: Sys, fd: number, chunk = 4096): Promise<string> {
  let out = '';
  for (;;) {
    const b = await k.read(fd, chunk);
    if (b.length === 0) return out;
    out += text(b);
  }
}

describe('cgroupfs files', () => {
  it('moves, lists and kills through write(2) and read(2) on the interface files', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/job');
      const kids = [];
      for (let i = 0; i < 3; i++) {
        kids.push(await k.fork(async (c) => {
          await c.sleep(1000);
        }));
      }
      const procs = await open(k, '/sys/fs/cgroup/job/cgroup.procs', O_RDWR);
      for (const pid of kids) expect(await k.write(procs, `${pid}\n`)).toBe(String(pid).length + 1);
      expect(await readAll(k, procs, 2)).toBe(kids.map((p) => `${p}\n`).join(''));
      const kill = await open(k, '/sys/fs/cgroup/job/cgroup.kill', O_WRONLY);
      await expect(k.write(kill, '0')).rejects.toMatchObject({ code: 'ERANGE' });
      await k.write(kill, '1');
      for (const pid of kids) await k.waitpid(pid);
      const again = await open(k, '/sys/fs/cgroup/job/cgroup.procs', O_RDONLY);
      expect(await readAll(k, again)).toBe('');
      for (const fd of [procs, kill, again]) await k.close(fd);
    });
  });

  it('poll(POLLPRI) on cgroup.events wakes when populated changes, then a re-read shows it', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/job');
      const child = await k.fork(async (c) => {
        await c.sleep(40);
      });
      await k.cgroupWrite('/job', 'cgroup.procs', child);
      const ev = await open(k, '/sys/fs/cgroup/job/cgroup.events', O_RDONLY);
      expect(await readAll(k, ev)).toBe('populated 1\nfrozen 0\n');
      const [r] = await k.poll([{ fd: ev, events: POLLPRI }], -1);
      expect(await k.now()).toBe(40);
      expect(r!.revents).toBe(POLLPRI | POLLERR);
      // Re-read through a new description (pread and lseek are for inodes only in simos's VFS).
      const ev2 = await open(k, '/sys/fs/cgroup/job/cgroup.events', O_RDONLY);
      expect(await readAll(k, ev2)).toBe('populated 0\nfrozen 0\n');
      const [again] = await k.poll([{ fd: ev2, events: POLLPRI }, { fd: ev, events: POLLPRI }], 10);
      expect(again!.revents).toBe(0); // read since the change: nothing new for this description
      await k.waitpid(child);
    });
  });

  it('refuses the wrong access mode, and reads of a removed cgroup', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    await sim.run(async (k) => {
      await k.cgroupMkdir('/gone');
      await expect(open(k, '/sys/fs/cgroup/gone/cgroup.kill', O_RDONLY)).rejects.toMatchObject({ code: 'EACCES' });
      await expect(open(k, '/sys/fs/cgroup/gone/cgroup.events', O_WRONLY)).rejects.toMatchObject({ code: 'EACCES' });
      await expect(open(k, '/sys/fs/cgroup/gone', O_RDONLY)).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(open(k, '/sys/fs/cgroup/gone/memory.max', O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(open(k, '/sys/fs/cgroup/cgroup.events', O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
      const fd = await open(k, '/sys/fs/cgroup/gone/pids.max', O_RDONLY);
      await k.cgroupRmdir('/gone');
      await expect(k.read(fd, 10)).rejects.toMatchObject({ code: 'ENODEV' });
    });
  });
});
