/**
 * The cgroup tree through the ordinary file calls at /sys/fs/cgroup (cgroup-mount.ts mounts
 * cgroupfs there): what a Linux supervisor does with mkdir, echo > file and cat.
 */
import { describe, expect, it } from 'vitest';
import { Sim, O_RDONLY, O_WRONLY, O_TRUNC, POLLPRI, S_ISDIR, S_ISREG, type Sys } from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };
const CG = '/sys/fs/cgroup';

async function writeFile(k: Sys, path: string, text: string): Promise<void> {
  const fd = await k.open(path, O_WRONLY | O_TRUNC);
  try {
    await k.write(fd, text);
  } finally {
    await k.close(fd);
  }
}

async function readFile(k: Sys, path: string): Promise<string> {
  const fd = await k.open(path, O_RDONLY);
  let out = '';
  for (;;) {
    const b = await k.read(fd, 3); // small reads: the contents are a snapshot taken at offset 0
    if (b.length === 0) break;
    out += new TextDecoder().decode(b);
  }
  await k.close(fd);
  return out;
}

describe('cgroupfs at /sys/fs/cgroup', () => {
  it('mkdir, move with echo > cgroup.procs, kill with echo 1 > cgroup.kill, wait with poll, rmdir', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    await sim.run(async (k) => {
      await k.mkdir(`${CG}/job`);
      expect(S_ISDIR((await k.stat(`${CG}/job`)).st_mode)).toBe(true);
      expect(S_ISREG((await k.stat(`${CG}/job/cgroup.kill`)).st_mode)).toBe(true);
      expect(await k.readdir(`${CG}/job`)).toEqual(['cgroup.events', 'cgroup.kill', 'cgroup.procs', 'pids.current', 'pids.max']);
      await writeFile(k, `${CG}/job/pids.max`, '5');
      const pid = await k.fork(async (c) => {
        await writeFile(c, `${CG}/job/cgroup.procs`, '0'); // echo $$ > cgroup.procs, before any fork
        for (;;) {
          try {
            await c.fork(async (g) => {
              await g.sleep(1000);
            });
          } catch {
            // pids.max reached
          }
          await c.sleep(1);
        }
      });
      await k.sleep(20);
      expect(await readFile(k, `${CG}/job/pids.current`)).toBe('5\n');
      const events = await k.open(`${CG}/job/cgroup.events`, O_RDONLY);
      expect(new TextDecoder().decode(await k.read(events, 100))).toBe('populated 1\nfrozen 0\n');
      await writeFile(k, `${CG}/job/cgroup.kill`, '1');
      const [r] = await k.poll([{ fd: events, events: POLLPRI }], -1);
      expect(r!.revents & POLLPRI).toBe(POLLPRI);
      expect(await readFile(k, `${CG}/job/cgroup.events`)).toBe('populated 0\nfrozen 0\n');
      await k.close(events);
      await k.waitpid(pid);
      await k.rmdir(`${CG}/job`);
      expect(await k.readdir(CG)).toEqual(['cgroup.procs']);
    });
    expect(sim.alive().map((p) => p.program)).toEqual([]);
  });

  it('gives the file errors Linux gives', async () => {
    const sim = new Sim({ seed: 2, ...quiet });
    await sim.run(async (k) => {
      await k.mkdir(`${CG}/a`);
      await expect(k.open(`${CG}/a/cgroup.kill`, O_RDONLY)).rejects.toMatchObject({ code: 'EACCES' });
      await expect(k.open(`${CG}/a/nothing`, O_WRONLY)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(writeFile(k, `${CG}/a/cgroup.kill`, '2')).rejects.toMatchObject({ code: 'ERANGE' });
      await expect(k.mkdir(`${CG}/a`)).rejects.toMatchObject({ code: 'EEXIST' });
      await writeFile(k, `${CG}/a/cgroup.procs`, '0');
      await expect(k.rmdir(`${CG}/a`)).rejects.toMatchObject({ code: 'EBUSY' });
    });
  });
});
