import { describe, expect, it } from 'vitest';
import { Sim, DiskImage, O_CREAT, O_RDONLY, O_WRONLY, O_APPEND, bootSim, type Sys, type Survival } from '../../../sandboxes/simos/index.ts';

const quiet = (seed = 1) => new Sim({ seed, console: () => {} });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function writeFile(k: Sys, path: string, data: string | Uint8Array, sync: { file?: boolean; dir?: string } = {}): Promise<void> {
  const fd = await k.open(path, O_CREAT | O_WRONLY);
  await k.write(fd, data);
  if (sync.file) await k.fsync(fd);
  await k.close(fd);
  if (sync.dir) {
    const d = await k.open(sync.dir, O_RDONLY);
    await k.fsync(d);
    await k.close(d);
  }
}

/** Run `work` on a fresh machine with `seed`, cut the power, return what survived. */
async function cut(seed: number, work: (k: Sys) => Promise<void>, survive: Survival = 'random', sim = quiet(seed)): Promise<DiskImage> {
  await sim.run(work);
  return sim.powerCut(survive);
}

describe('fsync versus a power cut', () => {
  it('keeps synced data on every seed; unsynced data survives on some seeds and not on others', async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const img = await cut(seed, async (k) => {
        await writeFile(k, '/data/safe', 'durable', { file: true, dir: '/data' });
        await writeFile(k, '/data/loose', 'maybe');
      });
      expect(img.readText('/data/safe')).toBe('durable');
      outcomes.add(String(img.readText('/data/loose')));
    }
    // A name without data (''), data without name (null), both ('maybe'); never anything else.
    expect([...outcomes].sort()).toEqual(['', 'maybe', 'null']);
  });

  it("a file fsynced but whose directory was not may vanish; fsync of the directory keeps its name", async () => {
    const nameless = await cut(1, (k) => writeFile(k, '/data/f', 'x', { file: true }), 'synced');
    expect(nameless.exists('/data/f')).toBe(false);
    const named = await cut(1, (k) => writeFile(k, '/data/f', 'x', { file: true, dir: '/data' }), 'synced');
    expect(named.readText('/data/f')).toBe('x');
    // The directory alone keeps the name, with whatever data was synced: none.
    const empty = await cut(1, (k) => writeFile(k, '/data/f', 'x', { dir: '/data' }), 'synced');
    expect(empty.readText('/data/f')).toBe('');
  });

  it("'synced' keeps only what was synced, 'all' keeps the whole page cache", async () => {
    const work = async (k: Sys) => writeFile(k, '/data/f', 'cached');
    expect((await cut(1, work, 'synced')).exists('/data/f')).toBe(false);
    expect((await cut(1, work, 'all')).readText('/data/f')).toBe('cached');
  });

  it('rename is durable only after the directory fsync', async () => {
    const work = (dirSync: boolean) => async (k: Sys) => {
      await writeFile(k, '/data/v', '1', { file: true, dir: '/data' });
      await writeFile(k, '/data/v.tmp', '2', { file: true });
      await k.rename('/data/v.tmp', '/data/v');
      if (dirSync) {
        const d = await k.open('/data', O_RDONLY);
        await k.fsync(d);
      }
    };
    expect((await cut(1, work(false), 'synced')).readText('/data/v')).toBe('1');
    const img = await cut(1, work(true), 'synced');
    expect(img.readText('/data/v')).toBe('2');
    expect(img.list('/data')).toEqual(['v']);
  });

  it('fdatasync makes data and size durable but not mtime; fsync makes mtime durable too', async () => {
    const mtimeAfter = async (how: 'fsync' | 'fdatasync') => {
      const sim = quiet();
      await sim.run(async (k) => {
        await writeFile(k, '/data/f', 'a', { file: true, dir: '/data' });
        await k.sleep(100);
        const fd = await k.open('/data/f', O_WRONLY | O_APPEND);
        await k.write(fd, 'bcd');
        await (how === 'fsync' ? k.fsync(fd) : k.fdatasync(fd));
      });
      sim.powerCut('synced');
      let st = { st_size: -1, st_mtime_ms: -1 };
      await sim.reboot({ console: () => {} }).run(async (k) => {
        st = await k.stat('/data/f');
      });
      return [st.st_size, st.st_mtime_ms];
    };
    expect(await mtimeAfter('fdatasync')).toEqual([4, 0]);
    expect(await mtimeAfter('fsync')).toEqual([4, 100]);
  });
});

describe('torn writes', () => {
  it('the last unsynced write may tear at a 512-byte boundary of the file, never inside a sector', async () => {
    const big = new Uint8Array(1500).fill(0x41);
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 60; seed++) {
      const img = await cut(seed, async (k) => {
        await writeFile(k, '/data/log', 'head', { file: true, dir: '/data' });
        const fd = await k.open('/data/log', O_WRONLY | O_APPEND);
        await k.write(fd, big); // bytes [4, 1504): sector boundaries at 512 and 1024
      });
      const data = img.readFile('/data/log')!;
      expect(text(data.subarray(0, 4))).toBe('head');
      expect(data.subarray(4).every((b) => b === 0x41)).toBe(true);
      sizes.add(data.length);
    }
    expect([...sizes].sort((a, b) => a - b)).toEqual([4, 512, 1024, 1504]);
  });

  it('tears at the configured sector size', async () => {
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const s = quiet(seed);
      s.configureDisk({ image: DiskImage.create([{ dev: 7, kind: 'disk', mountPath: '/', dirs: ['/data'], sectorBytes: 1 }], { '/data/version': '' }) });
      const img = await cut(seed, async (k) => {
        const fd = await k.open('/data/version', O_WRONLY);
        await k.write(fd, '12');
      }, 'random', s);
      sizes.add(img.readText('/data/version')!.length);
    }
    expect([...sizes].sort()).toEqual([0, 1, 2]); // "12" can come back as "1"
  });
});

describe('EIO on fsync (fault injection)', () => {
  it('fails the fsync, marks the pages clean, and a retried fsync falsely succeeds: the data is not durable', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = quiet(seed).configureDisk({ files: { '/data/log': '' }, faults: { fsyncEio: { path: '/data/log' } } });
      await sim.run(async (k) => {
        const fd = await k.open('/data/log', O_WRONLY | O_APPEND);
        await k.write(fd, 'record-1');
        await expect(k.fsync(fd)).rejects.toMatchObject({ code: 'EIO' });
        await k.fsync(fd); // "succeeds"
        // The page cache still serves the data: a reader sees a record recovery will not have.
        const r = await k.open('/data/log', O_RDONLY);
        expect(text(await k.read(r, 100))).toBe('record-1');
      });
      expect(sim.powerCut().readText('/data/log')).toBe('');
    }
  });

  it('is off by default, and `nth` picks which matching fsync fails', async () => {
    const sim = quiet().configureDisk({ faults: { fsyncEio: { nth: 2 } } });
    const results: string[] = [];
    await sim.run(async (k) => {
      const fd = await k.open('/data/f', O_CREAT | O_WRONLY);
      for (let i = 0; i < 3; i++) {
        await k.write(fd, 'x');
        results.push(await k.fsync(fd).then(() => 'ok', (e) => e.code));
      }
    });
    expect(results).toEqual(['ok', 'EIO', 'ok']);
    await quiet().run(async (k) => {
      const fd = await k.open('/data/f', O_CREAT | O_WRONLY);
      await k.write(fd, 'x');
      expect(await k.fsync(fd)).toBe(0);
    });
  });
});

describe('process crash versus power cut', () => {
  it('crashProcess (SIGKILL) keeps the page cache; a power cut does not', async () => {
    const sim = quiet();
    await sim.run(async (k) => {
      const child = await k.fork(async (c) => {
        await writeFile(c, '/data/unsynced', 'still here');
        await c.pause();
      });
      await k.sleep(10);
      sim.crashProcess(child);
      const w = await k.waitpid(child);
      expect(w.status & 0x7f).toBe(9);
      const fd = await k.open('/data/unsynced', O_RDONLY);
      expect(text(await k.read(fd, 100))).toBe('still here');
    });
    expect(sim.powerCut('synced').exists('/data/unsynced')).toBe(false);
  });

  it('after a power cut every process is gone and file calls fail; reboot runs recovery on the survivor', async () => {
    const sim = quiet();
    sim.register('recover', async (k) => {
      const fd = await k.open('/data/f', O_RDONLY);
      await k.print(text(await k.read(fd, 100)));
    });
    let bg = 0;
    await sim.run(async (k) => {
      await writeFile(k, '/data/f', 'kept', { file: true, dir: '/data' });
      bg = await k.fork(async (c) => void (await c.pause()));
    });
    expect(sim.alive().map((p) => p.pid)).toEqual([bg]);
    const image = sim.powerCut();
    expect(sim.alive()).toEqual([]);
    await expect(sim.run(async (k) => void (await k.open('/data/f', O_RDONLY)))).rejects.toMatchObject({ code: 'EIO' });
    expect(() => sim.powerCut()).toThrow(/already off/);
    const out: string[] = [];
    const next = sim.reboot({ console: (_p, _s, t) => out.push(t) });
    await next.run(async (k) => {
      const pid = await k.spawn('recover');
      await k.waitpid(pid);
    });
    expect(out).toEqual(['kept']);
    // bootSim does the same from an image
    const again = bootSim(image, { console: () => {} });
    await again.run(async (k) => expect((await k.stat('/data/f')).st_size).toBe(4));
  });

  it('refuses a power cut from inside a simulated program, with a message saying what to do', async () => {
    const sim = quiet();
    await expect(sim.run(async () => void sim.powerCut())).rejects.toThrow(/after sim.run\(\) returns/);
  });
});
