import { describe, expect, it } from 'vitest';
import { Sim, O_CREAT, O_RDONLY, O_WRONLY, O_APPEND, O_TRUNC, bootSim, enumerateCrashStates, type Sys, type CrashState, type DiskRecording } from '../../../sandboxes/simos/index.ts';
import { DiskState, isBarrier, streamOf } from '../../../sandboxes/simos/disk.ts';

const text = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

/** Run `work` with recording on, on a disk holding `files`; return every crash state. */
async function states(work: (k: Sys) => Promise<void>, files: Record<string, string> = {}, opts = {}): Promise<CrashState[]> {
  const sim = new Sim({ console: () => {} }).configureDisk({ record: true, files });
  await sim.run(work);
  return [...enumerateCrashStates(sim.diskRecording(), opts)];
}

async function fsyncDir(k: Sys, path: string): Promise<void> {
  const d = await k.open(path, O_RDONLY);
  await k.fsync(d);
  await k.close(d);
}

const X1000 = 'x'.repeat(1000);

/** Replace /data/v via a temporary file: write, (fsync), rename, fsync the directory. */
const replaceVersion = (syncTmp: boolean) => async (k: Sys) => {
  const fd = await k.open('/data/v.tmp', O_CREAT | O_WRONLY);
  await k.write(fd, X1000);
  if (syncTmp) await k.fsync(fd);
  await k.close(fd);
  await k.rename('/data/v.tmp', '/data/v');
  await fsyncDir(k, '/data');
};

describe('enumerateCrashStates', () => {
  it('tmp + fsync + rename + dir fsync: exactly the 5 images counted by hand, and v is never empty or torn', async () => {
    // ops: 1 create v.tmp, 2 write [0,1000), 3 fsync v.tmp, 4 rename, 5 fsync /data.
    // point 0: {v=1}; after 1: v.tmp empty; after 2: v.tmp whole or torn at 512 (without the
    // create the data is unreachable: a repeat); after 4: v = the new file. 5 distinct images.
    const all = await states(replaceVersion(true), { '/data/v': '1' });
    // Each is possible up to lastPoint: until the tmp file's fsync (3) makes its write durable, or
    // the directory fsync (5) its name and the rename.
    const seen = all.map((s) => [s.point, s.lastPoint, text(s.image.readFile('/data/v')), s.image.readFile('/data/v.tmp')?.length ?? null]);
    expect(seen).toEqual([
      [0, 4, '1', null],
      [1, 2, '1', 0],
      [2, 4, '1', 1000],
      [2, 2, '1', 512],
      [4, 5, X1000, null],
    ]);
  });

  it('without fsync before the rename, v can come back empty or torn (7 images)', async () => {
    const all = await states(replaceVersion(false), { '/data/v': '1' });
    expect(all.length).toBe(7);
    const vs = new Set(all.map((s) => s.image.readFile('/data/v')!.length));
    expect([...vs].sort((a, b) => a - b)).toEqual([0, 1, 512, 1000]);
    const empty = all.find((s) => s.image.readFile('/data/v')!.length === 0)!;
    expect(empty.description).toMatch(/after #3 rename \/data\/v\.tmp -> \/data\/v/);
    expect(empty.description).toMatch(/lost: write \/data\/v\.tmp \[0, 1000\)/);
  });

  it('a log appended with write + fdatasync: every image is a prefix of the records, tears only inside the last', async () => {
    const rec = (i: number) => `r${i}:`.padEnd(300, '.');
    const all = await states(async (k) => {
      const fd = await k.open('/data/log', O_WRONLY | O_APPEND);
      for (let i = 0; i < 3; i++) {
        await k.write(fd, rec(i));
        await k.fdatasync(fd);
      }
    }, { '/data/log': '' });
    // [0,300) no boundary; [300,600) tears at 512; [600,900) no boundary: 0, 300, 600, 512, 900.
    expect(all.map((s) => s.image.readFile('/data/log')!.length)).toEqual([0, 300, 600, 512, 900]);
    const full = rec(0) + rec(1) + rec(2);
    for (const s of all) expect(full.startsWith(text(s.image.readFile('/data/log'))!)).toBe(true);
  });

  it('enumerates every subset of up to maxSubsetOps pending writes, then only prefixes', async () => {
    const work = async (k: Sys) => {
      const fd = await k.open('/data/f', O_WRONLY);
      for (let i = 0; i < 4; i++) await k.pwrite(fd, String(i).repeat(100), i * 100);
    };
    expect((await states(work, { '/data/f': '' })).length).toBe(16);
    // Subsets while <= 2 are pending: {}, {w0}, {w1}, {w0,w1}; then prefixes {w0..w2}, {w0..w3}.
    const bounded = await states(work, { '/data/f': '' }, { maxSubsetOps: 2 });
    expect(bounded.length).toBe(6);
    // A write without the earlier ones leaves a hole of zeros before it.
    const hole = bounded.find((s) => s.image.readFile('/data/f')![0] === 0)!;
    expect(text(hole.image.readFile('/data/f')!.subarray(100))).toBe('1'.repeat(100));
  });

  it('keeps name operations of one directory in order (prefixes) and treats directories independently', async () => {
    const all = await states(async (k) => {
      await k.mkdir('/data/a');
      await k.mkdir('/data/b');
      await k.close(await k.open('/tmp/c', O_CREAT | O_WRONLY));
    });
    const shapes = all.map((s) => `${(s.image.list('/data') ?? []).join(',')}|${(s.image.list('/tmp') ?? []).join(',')}`);
    // /data: {}, {a}, {a,b} (never b without a); /tmp on another device: with or without c.
    expect(shapes.sort()).toEqual(['a,b|', 'a,b|c', 'a|', 'a|c', '|', '|c'].sort());
  });

  it('boots a machine on a crash state to run recovery', async () => {
    const all = await states(replaceVersion(false), { '/data/v': '1' });
    const results: string[] = [];
    for (const s of all) {
      const sim = bootSim(s.image, { console: () => {} });
      await sim.run(async (k) => {
        const fd = await k.open('/data/v', O_RDONLY);
        const v = text(await k.read(fd, 2000))!;
        results.push(v === '1' ? 'old' : v === X1000 ? 'new' : 'broken');
        // Recovery can write and sync on the booted disk.
        const t = await k.open('/data/recovered', O_CREAT | O_WRONLY | O_TRUNC);
        await k.fsync(t);
      });
    }
    expect(results.filter((r) => r === 'broken').length).toBe(2);
  });

  it('is fast enough to sweep a WAL run: measure distinct states per second', async () => {
    const sim = new Sim({ console: () => {} }).configureDisk({ record: true, files: { '/data/log': '' } });
    await sim.run(async (k) => {
      const fd = await k.open('/data/log', O_WRONLY | O_APPEND);
      // 300 records of 700 bytes, fdatasync after every 3 (an "fsync every N" writer).
      for (let i = 0; i < 300; i++) {
        await k.write(fd, `rec${i}`.padEnd(700, '.'));
        if (i % 3 === 2) await k.fdatasync(fd);
      }
      // then a checkpoint: snapshot via tmp + fsync + rename + dir fsync
      const t = await k.open('/data/snap.tmp', O_CREAT | O_WRONLY);
      await k.write(t, new Uint8Array(64 * 1024).fill(7));
      await k.fsync(t);
      await k.rename('/data/snap.tmp', '/data/snap');
      await fsyncDir(k, '/data');
    });
    const rec = sim.diskRecording();
    const t0 = performance.now();
    const e = enumerateCrashStates(rec);
    let n = 0;
    for (const s of e) {
      n++;
      expect(s.image.readFile('/data/log')!.length % 1).toBe(0);
    }
    const ms = performance.now() - t0;
    console.log(`enumerator: ${rec.ops.length} ops, ${e.stats.points} points, ${e.stats.built} images built, ${n} distinct in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} distinct/s, ${Math.round((e.stats.built / ms) * 1000)} built/s`);
    expect(n).toBe(e.stats.distinct);
    expect(e.stats.sampledPoints).toBe(0);
    expect(n).toBeGreaterThan(300);
  });
});

/** A random mix of name and data operations, syncs and directory syncs, from `seed`. */
const randomWork = (seed: number) => async (k: Sys) => {
  let x = seed * 7919 + 17;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648) >>> 8) % n;
  const names = ['/data/a', '/data/b', '/data/sub/c', '/data/sub/d'];
  const pick = () => names[rnd(names.length)]!;
  for (let i = 0; i < 24; i++) {
    try {
      switch (rnd(7)) {
        case 0: {
          const fd = await k.open(pick(), O_CREAT | O_WRONLY | O_TRUNC);
          await k.write(fd, 'x'.repeat(1 + rnd(700)));
          if (rnd(4) === 0) await k.fsync(fd);
          await k.close(fd);
          break;
        }
        case 1: {
          const fd = await k.open(pick(), O_WRONLY | O_APPEND);
          await k.write(fd, 'y'.repeat(1 + rnd(300)));
          if (rnd(4) === 0) await k.fdatasync(fd);
          await k.close(fd);
          break;
        }
        case 2:
          await k.rename(pick(), pick());
          break;
        case 3:
          await k.unlink(pick());
          break;
        case 4:
          await k.link(pick(), pick());
          break;
        default:
          await fsyncDir(k, rnd(2) ? '/data' : '/data/sub');
      }
    } catch (e) {
      if (!(e instanceof Error) || !/ENOENT|EEXIST|EIO/.test(e.message)) throw e;
    }
  }
};

/**
 * Like randomWork, but descriptors stay open across operations (so a file can be written and
 * synced after its name is gone) and renames between the two directories are frequent.
 */
const randomHandles = (seed: number) => async (k: Sys) => {
  let x = seed * 104729 + 3;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648) >>> 8) % n;
  const names = ['/data/a', '/data/b', '/data/sub/c', '/data/sub/d'];
  const pick = () => names[rnd(names.length)]!;
  const fds: number[] = [];
  for (let i = 0; i < 20; i++) {
    try {
      switch (rnd(8)) {
        case 0:
          fds.push(await k.open(pick(), O_CREAT | O_WRONLY));
          break;
        case 1:
          if (fds.length) await k.pwrite(fds[rnd(fds.length)]!, 'z'.repeat(1 + rnd(600)), rnd(3) * 256);
          break;
        case 2:
          if (fds.length && rnd(2)) await k.fsync(fds[rnd(fds.length)]!);
          else if (fds.length) await k.fdatasync(fds[rnd(fds.length)]!);
          break;
        case 3:
        case 4:
          await k.rename(names[rnd(2)]!, names[2 + rnd(2)]!);
          break;
        case 5:
          await k.unlink(pick());
          break;
        default:
          await fsyncDir(k, rnd(2) ? '/data' : '/data/sub');
      }
    } catch (e) {
      if (!(e instanceof Error) || !/ENOENT|EEXIST|EIO/.test(e.message)) throw e;
    }
  }
};

describe('enumerateCrashStates: leaving out unreachable files changes nothing', () => {
  it('yields the same images with and without the pruning, over 25 random workloads', async () => {
    let prunedSomething = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const sim = new Sim({ seed, console: () => {} }).configureDisk({ record: true, files: { '/data/sub/.keep': '' } });
      await sim.run(randomWork(seed));
      const opts = { maxCombinationsPerPoint: 1_000_000 };
      const pruned = enumerateCrashStates(sim.diskRecording(), opts);
      const full = enumerateCrashStates(sim.diskRecording(), { ...opts, keepUnreachableStreams: true });
      const a = new Set([...pruned].map((s) => s.hash));
      const b = new Set([...full].map((s) => s.hash));
      expect(pruned.stats.sampledPoints + full.stats.sampledPoints).toBe(0);
      expect([...a].sort(), `seed ${seed}`).toEqual([...b].sort());
      expect(pruned.stats.built).toBeLessThanOrEqual(full.stats.built);
      if (pruned.stats.built < full.stats.built) prunedSomething++;
    }
    expect(prunedSomething).toBeGreaterThan(5);
  });
});

describe('enumerateCrashStates: how long each image stays possible (lastPoint)', () => {
  it('an image that lost an unsynced rename is still possible after a later update is acknowledged', async () => {
    const sim = new Sim({ console: () => {} }).configureDisk({ record: true, files: { '/data/v': '1', '/data/log2': '' } });
    await sim.run(async (k) => {
      const fd = await k.open('/data/v.tmp', O_CREAT | O_WRONLY);
      await k.write(fd, '2');
      await k.fsync(fd);
      await k.close(fd);
      await k.rename('/data/v.tmp', '/data/v'); // /data is never fsynced
      const log = await k.open('/data/log2', O_WRONLY | O_APPEND);
      await k.write(log, 'update');
      await k.fdatasync(log); // the update is acknowledged here
    });
    const acknowledgedAt = sim.diskRecording().ops.length;
    expect(acknowledgedAt).toBe(6);
    const old = [...enumerateCrashStates(sim.diskRecording())].filter((s) => s.image.readText('/data/v') === '1' && s.image.readText('/data/log2') === 'update');
    expect(old.length).toBeGreaterThan(0);
    // First possible when the append is issued, and still possible once it is acknowledged ...
    expect(old.every((s) => s.point === 5 && s.lastPoint === 6)).toBe(true);
    // ... as a power cut right then shows.
    const survivor = sim.powerCut('synced');
    expect([survivor.readText('/data/v'), survivor.readText('/data/log2')]).toEqual(['1', 'update']);
  });

  it('an image that left out a write ends before the fsync that makes the write durable', async () => {
    const all = await states(
      async (k) => {
        const fd = await k.open('/data/f', O_WRONLY);
        await k.pwrite(fd, 'a', 0); // #1
        await k.pwrite(fd, 'b', 600); // #2
        await k.fsync(fd); // #3
        await k.pwrite(fd, 'c', 1200); // #4, never synced
      },
      { '/data/f': '' },
    );
    const f = (s: CrashState) => s.image.readFile('/data/f')!;
    const withoutA = all.filter((s) => f(s).length > 0 && f(s)[0] === 0);
    const withoutB = all.filter((s) => f(s).length < 601);
    expect(withoutA.length).toBeGreaterThan(0);
    expect(withoutB.length).toBeGreaterThan(0);
    for (const s of [...withoutA, ...withoutB]) expect(s.lastPoint, s.description).toBeLessThan(3);
    // Both writes landed: possible from #2 to the end, since #4 may always be lost.
    const both = all.filter((s) => text(f(s).subarray(0, 601)) === 'a' + '\0'.repeat(599) + 'b' && f(s).length === 601);
    expect(both.map((s) => [s.point, s.lastPoint])).toEqual([[2, 4]]);
  });

  it('an image that kept a write ends when a failed fsync drops the write (EIO)', async () => {
    const sim = new Sim({ console: () => {} }).configureDisk({ record: true, files: { '/data/f': '' }, faults: { fsyncEio: { path: '/data/f' } } });
    await sim.run(async (k) => {
      const fd = await k.open('/data/f', O_WRONLY);
      await k.write(fd, 'abc');
      await k.fsync(fd).catch(() => undefined);
    });
    expect(sim.diskRecording().ops.map((r) => r.op.op)).toEqual(['write', 'lose']);
    const all = [...enumerateCrashStates(sim.diskRecording())].map((s) => [s.point, s.lastPoint, s.image.readText('/data/f')]);
    expect(all).toEqual([
      [0, 2, ''],
      [1, 1, 'abc'],
    ]);
  });

  it('refuses an unknown dedupe option with a message', async () => {
    const sim = new Sim({ console: () => {} }).configureDisk({ record: true });
    expect(() => enumerateCrashStates(sim.diskRecording(), { dedupe: 'points' as 'point' })).toThrow(/dedupe must be 'run' or 'point', got "points"/);
  });

  it('yields an image again when it becomes possible again after a point where it was not', async () => {
    const all = await states(
      async (k) => {
        const fd = await k.open('/data/f', O_WRONLY);
        await k.pwrite(fd, '2', 0);
        await k.fsync(fd); // "1" is gone for good ...
        await k.pwrite(fd, '1', 0); // ... until it is written again
      },
      { '/data/f': '1' },
    );
    expect(all.map((s) => [s.point, s.lastPoint, s.image.readText('/data/f')])).toEqual([
      [0, 1, '1'],
      [1, 3, '2'],
      [3, 3, '1'],
    ]);
  });

  /** The most data operations pending on one file at any point of `rec`. */
  function mostPendingFileOps(rec: DiskRecording): number {
    const disks = new Map(rec.initial.devices.map((d) => [d.dev, new DiskState(d)]));
    let most = 0;
    for (const r of rec.ops) {
      const disk = disks.get(r.op.dev)!;
      disk.issue(r.seq, r.op);
      if (isBarrier(r.op) || (r.op.op !== 'write' && r.op.op !== 'truncate')) continue;
      most = Math.max(most, disk.pending.get(streamOf(r.op))!.length);
    }
    return most;
  }

  const limits = { maxSubsetOps: 8, maxCombinationsPerPoint: 1_000_000 };

  /**
   * Check the states of `rec` against an enumeration without cross-point deduplication: at every
   * point p, the images whose [point, lastPoint] holds p are exactly the images possible at p.
   */
  function expectSameAtEveryPoint(rec: DiskRecording, label: string): CrashState[] {
    // Within these limits every subset of every file's pending writes is tried at every point.
    expect(mostPendingFileOps(rec), label).toBeLessThanOrEqual(limits.maxSubsetOps);
    const run = enumerateCrashStates(rec, limits);
    const ranged = [...run];
    const perPoint = enumerateCrashStates(rec, { ...limits, dedupe: 'point' });
    const exact = [...perPoint];
    expect(run.stats.sampledPoints + perPoint.stats.sampledPoints, label).toBe(0);
    expect(exact.every((s) => s.lastPoint === s.point)).toBe(true);
    for (let p = 0; p <= rec.ops.length; p++) {
      const want = exact.filter((s) => s.point === p).map((s) => s.hash).sort();
      const got = ranged.filter((s) => s.point <= p && p <= s.lastPoint).map((s) => s.hash).sort();
      expect(got, `${label}, point ${p} (after ${rec.ops[p - 1]?.what ?? 'nothing'})`).toEqual(want);
    }
    // One state per stretch of consecutive points: two of one image never touch or overlap.
    const byHash = new Map<string, CrashState[]>();
    for (const s of ranged) byHash.set(s.hash, [...(byHash.get(s.hash) ?? []), s]);
    for (const list of byHash.values()) {
      for (let i = 1; i < list.length; i++) expect(list[i]!.point, label).toBeGreaterThan(list[i - 1]!.lastPoint + 1);
    }
    // In order of point, as before.
    expect(ranged.map((s) => s.point)).toEqual(ranged.map((s) => s.point).sort((a, b) => a - b));
    return ranged;
  }

  it('a barrier that applies a rename before the creation of its source name: new images, and an image that ends', async () => {
    const sim = new Sim({ console: () => {} }).configureDisk({ record: true, files: { '/data/sub/.keep': '' } });
    await sim.run(async (k) => {
      await k.close(await k.open('/data/a', O_CREAT | O_WRONLY)); // #1
      await k.close(await k.open('/data/b', O_CREAT | O_WRONLY)); // #2
      await k.rename('/data/a', '/data/sub/c'); // #3
      await fsyncDir(k, '/data/sub'); // #4: the rename is durable, /data's two creates are not
    });
    const all = expectSameAtEveryPoint(sim.diskRecording(), 'rename then fsync of its target directory');
    const names = (s: CrashState) => [...(s.image.list('/data') ?? []), ...(s.image.list('/data/sub') ?? [])].filter((n) => n !== 'sub' && n !== '.keep').join(',');
    // After #4 the durable rename no longer removes a name that reaches the disk later: with a
    // prefix of /data's creates, a comes back beside c ('a,c', 'a,b,c'), so 'c' and 'b,c' end at
    // #3. Without the create of a, c names an inode that never reached the disk and is dropped.
    expect(all.map((s) => [s.point, s.lastPoint, names(s)])).toEqual([
      [0, 4, ''],
      [1, 3, 'a'],
      [2, 3, 'a,b'],
      [3, 3, 'c'],
      [3, 3, 'b,c'],
      [4, 4, 'a,c'],
      [4, 4, 'a,b,c'],
    ]);
  });

  it('a sync of a file no name reaches any more does not end an image', async () => {
    const sim = new Sim({ console: () => {} }).configureDisk({ record: true, files: { '/data/f': 'old', '/data/g': '' } });
    await sim.run(async (k) => {
      const f = await k.open('/data/f', O_WRONLY);
      const g = await k.open('/data/g', O_WRONLY);
      await k.write(f, 'new'); // #1
      await k.unlink('/data/f'); // #2
      await fsyncDir(k, '/data'); // #3: f is gone for good
      await k.fsync(f); // #4: its write is durable, on an inode no image shows
      await k.write(g, 'x'); // #5
    });
    const rec = sim.diskRecording();
    const row = (s: CrashState) => [s.point, s.lastPoint, s.image.readText('/data/f'), s.image.readText('/data/g')];
    expect(expectSameAtEveryPoint(rec, 'sync of an unlinked file').map(row)).toEqual([
      [0, 2, 'old', ''],
      [1, 2, 'new', ''],
      [2, 5, null, ''],
      [5, 5, null, 'x'],
    ]);
    // With one outcome per point, #2 keeps only "unlink, write lost"; it must still last to the end.
    const sampled = enumerateCrashStates(rec, { maxCombinationsPerPoint: 1 });
    expect([...sampled].map(row)).toEqual([
      [0, 2, 'old', ''],
      [1, 2, 'new', ''],
      [2, 5, null, ''],
      [5, 5, null, 'x'],
    ]);
    expect(sampled.stats.sampledPoints).toBe(1);
  });

  it('matches a separate enumeration at every point, over 80 random workloads (some with EIO)', async () => {
    let extended = 0;
    let again = 0;
    for (const [name, work] of [
      ['randomWork', randomWork],
      ['randomHandles', randomHandles],
    ] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        const faults = seed % 3 === 0 ? { fsyncEio: { probability: 0.3 } } : {};
        const sim = new Sim({ seed, console: () => {} }).configureDisk({ record: true, files: { '/data/sub/.keep': '' }, faults });
        await sim.run(work(seed));
        const ranged = expectSameAtEveryPoint(sim.diskRecording(), `${name} seed ${seed}`);
        extended += ranged.filter((s) => s.lastPoint > s.point).length;
        again += ranged.length - new Set(ranged.map((s) => s.hash)).size;
      }
    }
    // The workloads exercise what this checks: ranges longer than one point, and images that come back.
    expect(extended).toBeGreaterThan(100);
    expect(again).toBeGreaterThan(3);
  });
});

