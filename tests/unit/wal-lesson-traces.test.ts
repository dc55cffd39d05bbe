/**
 * Traces and disk dumps quoted in the WAL lessons (lessons/wal/*.mdx), produced here by simos, so a
 * change in simos cannot leave a lesson showing output simos no longer produces. Each test names
 * the lesson that quotes its output; the strings are the lesson's text, verbatim.
 */
import { describe, expect, it } from 'vitest';
import {
  DiskImage,
  O_APPEND,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  Sim,
  bootSim,
  enumerateCrashStates,
  type Sys,
} from '../../sandboxes/simos/index.ts';
import { checkpoint } from '../../lessons/wal/checkpoint/solution.ts';
import { recover } from '../../lessons/wal/recover/solution.ts';
import { Database, encodeSnapshot, encodeUpdate } from '../../lessons/wal/capstone/solution.ts';

const DIR = '/data/db';
const quiet = (seed = 1) => new Sim({ seed, console: () => {} });
/** The lines of DiskImage.describe() for the database directory. */
const dbFiles = (img: DiskImage) => img.describe().split('\n').filter((l) => l.startsWith(`${DIR}/`));

function generation(n: number, log: Uint8Array | string, state = new Map<string, string>()): Record<string, string | Uint8Array> {
  return { [`${DIR}/Version_Number`]: String(n), [`${DIR}/Snapshot.${n}`]: encodeSnapshot(state), [`${DIR}/Logfile.${n}`]: log };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** `xxd`-style lines: offset, 16 bytes in hex, printable ASCII. */
function hexdump(bytes: Uint8Array, from: number, to: number): string {
  const lines: string[] = [];
  for (let at = from - (from % 16); at < to; at += 16) {
    const row = [...bytes.subarray(at, Math.min(at + 16, to))];
    const hex = row.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${String(at).padStart(4)}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join('\n');
}

describe('wal/design', () => {
  it('one update: write(2) reaches the page cache, fdatasync(2) the disk', async () => {
    const sim = quiet().configureDisk({ files: { [`${DIR}/Logfile.1`]: '' } });
    const seen: string[] = [];
    await sim.run(async (k) => {
      const fd = await k.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
      await k.write(fd, encodeUpdate('alice', '100'));
      seen.push(...dbFiles(sim.diskImage('cache')), ...dbFiles(sim.diskImage('durable')));
      await k.fdatasync(fd);
      seen.push(...dbFiles(sim.diskImage('durable')));
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] open("/data/db/Logfile.1", O_WRONLY|O_APPEND) = 3',
        '    0ms [pid 2] write(3, "\\x0f\\x00\\x00\\x00\\xff%3\\x1f[\\x22alice\\x22,\\x22100\\x22]") = 23',
        '    0ms [pid 2] fdatasync(3) = 0',
      ].join('\n'),
    );
    // after write: cache, durable; after fdatasync: durable
    expect(seen).toEqual(['/data/db/Logfile.1 (23 bytes)', '/data/db/Logfile.1 (0 bytes)', '/data/db/Logfile.1 (23 bytes)']);
  });

  it('visible before durable: the map changes, then fdatasync fails with EIO', async () => {
    const LOG = `${DIR}/Logfile.1`;
    const sim = quiet().configureDisk({ files: { [LOG]: '' }, faults: { fsyncEio: { path: LOG, nth: 3 } } });
    let shown: string | undefined;
    await sim.run(async (k) => {
      const fd = await k.open(LOG, O_WRONLY | O_APPEND);
      const state = new Map<string, string>();
      const update = async (key: string, value: string) => {
        state.set(key, value); // the bug: visible before the record is durable
        await k.write(fd, encodeUpdate(key, value));
        await k.fdatasync(fd);
      };
      await update('x', '1');
      await update('x', '2');
      await update('x', '3').catch(() => undefined);
      shown = state.get('x');
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] write(3, "\\x09\\x00\\x00\\x00\\x8bY\\x19\\xcc[\\x22x\\x22,\\x223\\x22]") = 17',
        '    0ms [pid 2] fdatasync(3) = -1 EIO',
      ].join('\n'),
    );
    expect(shown).toBe('3');
    expect(sim.powerCut('synced').readFile(LOG)?.length).toBe(34); // two 17-byte records: x=1, x=2
  });
});

describe('wal/checkpoints', () => {
  async function recordedCheckpoint() {
    const sim = quiet().configureDisk({ record: true, files: generation(1, encodeUpdate('alice', '100')) });
    await sim.run(async (k) => {
      await checkpoint(k, DIR, new Map([['alice', '100']]));
    });
    return sim;
  }

  it('the checkpoint, call by call', async () => {
    const sim = await recordedCheckpoint();
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] open("/data/db/Snapshot.2", O_WRONLY|O_CREAT|O_TRUNC) = 3',
        '    0ms [pid 2] write(3, "\\x11\\x00\\x00\\x00\\xaaI(\\xf3[[\\x22alice\\x22,\\x22100\\x22]"... (25 bytes)) = 25',
        '    0ms [pid 2] fsync(3) = 0',
        '    0ms [pid 2] close(3) = 0',
        '    0ms [pid 2] open("/data/db/Logfile.2", O_WRONLY|O_CREAT|O_TRUNC|O_APPEND) = 3',
        '    0ms [pid 2] fsync(3) = 0',
        '    0ms [pid 2] close(3) = 0',
        '    0ms [pid 2] open("/data/db/Version_Number.tmp", O_WRONLY|O_CREAT|O_TRUNC) = 3',
        '    0ms [pid 2] write(3, "2") = 1',
        '    0ms [pid 2] fsync(3) = 0',
        '    0ms [pid 2] close(3) = 0',
        '    0ms [pid 2] rename("/data/db/Version_Number.tmp", "/data/db/Version_Number") = 0',
        '    0ms [pid 2] open("/data/db", O_RDONLY) = 3',
        '    0ms [pid 2] fsync(3) = 0',
        '    0ms [pid 2] close(3) = 0',
        '    0ms [pid 2] unlink("/data/db/Snapshot.1") = 0',
        '    0ms [pid 2] unlink("/data/db/Logfile.1") = 0',
      ].join('\n'),
    );
  });

  it('every disk a power cut during the checkpoint can leave', async () => {
    const sim = await recordedCheckpoint();
    const rows = [...enumerateCrashStates(sim.diskRecording())].map(
      (c) => `${c.description.replace(/^power cut /, '').split('. ')[0]!.padEnd(62)} ${JSON.stringify(c.image.readText(`${DIR}/Version_Number`))}`,
    );
    expect(rows).toEqual([
      'before any disk operation                                      "1"',
      'after #1 create /data/db/Snapshot.2                            "1"',
      'after #2 write /data/db/Snapshot.2 [0, 25)                     "1"',
      'after #4 create /data/db/Logfile.2                             "1"',
      'after #6 create /data/db/Version_Number.tmp                    "1"',
      'after #7 write /data/db/Version_Number.tmp [0, 1)              "1"',
      'after #9 rename /data/db/Version_Number.tmp -> /data/db/Version_Number "2"',
      'after #11 remove /data/db/Snapshot.1                           "2"',
      'after #12 remove /data/db/Logfile.1                            "2"',
    ]);
  });

  it('Version_Number overwritten in place, on a disk that can tear between any two bytes', async () => {
    const img = DiskImage.create([{ dev: 2049, kind: 'disk', mountPath: '/', dirs: [DIR], sectorBytes: 1 }], generation(11, ''));
    const sim = bootSim(img, { console: () => {}, disk: { record: true } });
    await sim.run(async (k) => {
      const fd = await k.open(`${DIR}/Version_Number`, O_WRONLY | O_TRUNC);
      await k.write(fd, '12');
      await k.fsync(fd);
    });
    expect(sim.traceText()).toContain(
      ['    0ms [pid 2] open("/data/db/Version_Number", O_WRONLY|O_TRUNC) = 3', '    0ms [pid 2] write(3, "12") = 2', '    0ms [pid 2] fsync(3) = 0'].join('\n'),
    );
    const rows = [...enumerateCrashStates(sim.diskRecording())].map((c) => `${JSON.stringify(c.image.readText(`${DIR}/Version_Number`)).padEnd(5)} ${c.description}`);
    expect(rows).toEqual([
      '"11"  power cut before any disk operation. every issued operation reached the disk',
      '""    power cut after #1 truncate /data/db/Version_Number to 0 bytes. every issued operation reached the disk',
      '"12"  power cut after #2 write /data/db/Version_Number [0, 2). lost: truncate /data/db/Version_Number to 0 bytes',
      '"1"   power cut after #2 write /data/db/Version_Number [0, 2). torn: write /data/db/Version_Number [0, 2) (only its first 1 bytes)',
    ]);
  });

  it('a checkpoint without the directory fsync, then an acknowledged update', async () => {
    const sim = quiet().configureDisk({ files: generation(1, encodeUpdate('alice', '100')) });
    const seen: string[][] = [];
    await sim.run(async (k) => {
      const put = async (path: string, data: Uint8Array | string) => {
        const fd = await k.open(path, O_WRONLY | O_CREAT | O_TRUNC);
        await k.write(fd, data);
        await k.fsync(fd);
        await k.close(fd);
      };
      await put(`${DIR}/Snapshot.2`, encodeSnapshot(new Map([['alice', '100']])));
      await put(`${DIR}/Logfile.2`, '');
      await put(`${DIR}/Version_Number.tmp`, '2');
      await k.rename(`${DIR}/Version_Number.tmp`, `${DIR}/Version_Number`);
      await k.unlink(`${DIR}/Snapshot.1`);
      await k.unlink(`${DIR}/Logfile.1`);
      const log = await k.open(`${DIR}/Logfile.2`, O_WRONLY | O_APPEND);
      await k.write(log, encodeUpdate('bob', '50'));
      await k.fdatasync(log); // bob=50 is acknowledged here
      seen.push(dbFiles(sim.diskImage('cache')), dbFiles(sim.diskImage('durable')));
    });
    expect(seen).toEqual([
      ['/data/db/Logfile.2 (20 bytes)', '/data/db/Snapshot.2 (25 bytes)', '/data/db/Version_Number (1 bytes)'],
      ['/data/db/Logfile.1 (23 bytes)', '/data/db/Snapshot.1 (10 bytes)', '/data/db/Version_Number (1 bytes)'],
    ]);
    expect(sim.powerCut('synced').readText(`${DIR}/Version_Number`)).toBe('1');
  });
});

describe('wal/recovery', () => {
  const torn = () => concat(encodeUpdate('alice', '90'), encodeUpdate('bob', '51'), encodeUpdate('carol', '7').subarray(0, 5));

  it('recovery cuts the torn tail, and a power cut during it changes nothing', async () => {
    const sim = bootSim(DiskImage.create(undefined, generation(3, torn())), { console: () => {}, disk: { record: true } });
    await sim.run(async (k) => {
      await recover(k, DIR);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] open("/data/db/Logfile.3", O_RDWR|O_APPEND) = 3',
        '    0ms [pid 2] fstat(3) = {st_dev: 2049, st_ino: 14, st_mode: 33188, st_nlink: 1, st_size: 47, st_mtime_ms: 0}',
        '    0ms [pid 2] pread(3, 47, 0) = "\\x0e\\x00\\x00\\x00\\xd8cdt[\\x22alice\\x22,\\x2290\\x22]\\x0c\\x00"... (47 bytes)',
        '    0ms [pid 2] ftruncate(3, 42) = 0',
        '    0ms [pid 2] fsync(3) = 0',
      ].join('\n'),
    );
    const states = [...enumerateCrashStates(sim.diskRecording())].map((c) => `${c.description} -> Logfile.3 is ${c.image.readFile(`${DIR}/Logfile.3`)!.length} bytes`);
    expect(states).toEqual([
      'power cut before any disk operation. every issued operation reached the disk -> Logfile.3 is 47 bytes',
      'power cut after #1 truncate /data/db/Logfile.3 to 42 bytes. every issued operation reached the disk -> Logfile.3 is 42 bytes',
    ]);
  });

  it('an append behind a torn tail that was never cut off', async () => {
    const sim = bootSim(DiskImage.create(undefined, generation(3, torn())), { console: () => {} });
    await sim.run(async (k) => {
      const fd = await k.open(`${DIR}/Logfile.3`, O_WRONLY | O_APPEND); // replayed, but not truncated
      await k.write(fd, encodeUpdate('dave', '4'));
      await k.fdatasync(fd);
    });
    const bytes = sim.powerCut('synced').readFile(`${DIR}/Logfile.3`)!;
    expect(hexdump(bytes, 0, bytes.length)).toBe(
      [
        '   0  0e 00 00 00 d8 63 64 74 5b 22 61 6c 69 63 65 22  .....cdt["alice"',
        '  16  2c 22 39 30 22 5d 0c 00 00 00 b6 10 ff df 5b 22  ,"90"]........["',
        '  32  62 6f 62 22 2c 22 35 31 22 5d 0d 00 00 00 49 0c  bob","51"]....I.',
        '  48  00 00 00 99 bd 41 2d 5b 22 64 61 76 65 22 2c 22  .....A-["dave","',
        '  64  34 22 5d                                         4"]',
      ].join('\n'),
    );
  });

  it('dropping the tail by rewriting the log is not crash-safe', async () => {
    const sim = bootSim(DiskImage.create(undefined, generation(3, torn())), { console: () => {}, disk: { record: true } });
    await sim.run(async (k) => {
      const fd = await k.open(`${DIR}/Logfile.3`, O_RDWR | O_TRUNC);
      await k.write(fd, torn().subarray(0, 42));
      await k.fsync(fd);
    });
    const states = [...enumerateCrashStates(sim.diskRecording())].map((c) => `${c.description} -> Logfile.3 is ${c.image.readFile(`${DIR}/Logfile.3`)!.length} bytes`);
    expect(states).toContain('power cut after #1 truncate /data/db/Logfile.3 to 0 bytes. every issued operation reached the disk -> Logfile.3 is 0 bytes');
  });
});

describe('wal/durability', () => {
  it('a process crash keeps the page cache; a power cut does not', async () => {
    const sim = quiet().configureDisk({ files: { [`${DIR}/Logfile.1`]: '' } });
    await sim.run(async (k) => {
      const writer = await k.fork(async (c) => {
        const fd = await c.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
        await c.write(fd, 'put alice 100\n'); // no fsync
        await c.pause();
      });
      await k.sleep(5);
      sim.crashProcess(writer);
      await k.waitpid(writer);
      const fd = await k.open(`${DIR}/Logfile.1`, O_RDONLY);
      await k.read(fd, 100);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 3] write(3, "put alice 100\\n") = 14',
        '    5ms [pid 2] sleep(5) = 0 <blocked>',
        '    5ms --- SIGKILL to pid 3 from kernel (crashProcess)',
        '    5ms --- pid 3 SIGKILL: terminated',
        '    5ms +++ pid 3 killed by SIGKILL (zombie until reaped)',
        '    5ms --- SIGCHLD to pid 2 from kernel (child 3 exited)',
        '    5ms +++ pid 3 reaped by 2',
        '    5ms [pid 2] waitpid(3, 0) = {pid: 3, status: 9}',
        '    5ms [pid 2] open("/data/db/Logfile.1", O_RDONLY) = 3',
        '    5ms [pid 2] read(3, 100) = "put alice 100\\x0a"',
      ].join('\n'),
    );
    expect(dbFiles(sim.powerCut('synced'))).toEqual(['/data/db/Logfile.1 (0 bytes)']);
  });

  it('after EIO, a second fdatasync "succeeds" and the data is still not on disk', async () => {
    const LOG = `${DIR}/Logfile.1`;
    const sim = quiet().configureDisk({ files: { [LOG]: '' }, faults: { fsyncEio: { path: LOG, nth: 2 } } });
    await sim.run(async (k) => {
      const fd = await k.open(LOG, O_WRONLY | O_APPEND);
      await k.write(fd, 'put x 1\n');
      await k.fdatasync(fd);
      await k.write(fd, 'put x 2\n');
      await k.fdatasync(fd).catch(() => 0);
      await k.fdatasync(fd);
      const r = await k.open(LOG, O_RDONLY);
      await k.read(r, 100);
    });
    expect(sim.traceText()).toContain(
      [
        '    0ms [pid 2] write(3, "put x 1\\n") = 8',
        '    0ms [pid 2] fdatasync(3) = 0',
        '    0ms [pid 2] write(3, "put x 2\\n") = 8',
        '    0ms [pid 2] fdatasync(3) = -1 EIO',
        '    0ms [pid 2] fdatasync(3) = 0',
        '    0ms [pid 2] open("/data/db/Logfile.1", O_RDONLY) = 4',
        '    0ms [pid 2] read(4, 100) = "put x 1\\x0aput x 2\\x0a"',
      ].join('\n'),
    );
    expect(sim.powerCut('synced').readText(LOG)).toBe('put x 1\n');
  });
});

describe('wal/durability: the capstone', () => {
  it('the capstone workload can leave 185 distinct disks', async () => {
    // The same workload as lessons/wal/capstone/capstone.test.ts: 54 updates, a checkpoint every 12.
    const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
    const sim = bootSim(DiskImage.create(undefined, generation(1, '')), { console: () => {}, disk: { record: true } });
    await sim.run(async (k) => {
      const db = await Database.open(k, DIR);
      for (let i = 0; i < 54; i++) {
        await db.update(keys[(i * 5) % keys.length]!, `v${i + 1}:${'#'.repeat((i * 29) % 97)}`);
        if ((i + 1) % 12 === 0) await db.checkpoint();
      }
    });
    expect([...enumerateCrashStates(sim.diskRecording())].length).toBe(185);
  });
});
