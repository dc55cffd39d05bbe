import { describe, expect, it } from 'vitest';
import { O_APPEND, O_RDONLY, O_WRONLY, type Sim, type Sys } from 'simos';
import { explore, reportDiskAfterRuns } from 'simos/testing';
import { durableAppend } from './solution';

const LOG = '/data/db/Logfile.1';

// ---------------------------------------------------------------------------------------------
// The log format of the log-records lesson, written and read here so that no check relies on the
// code under test: [length u32 LE][CRC-32 of length ++ payload, u32 LE][payload].
// ---------------------------------------------------------------------------------------------

/** CRC-32/IEEE; the table is built from the textbook bit-by-bit definition. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function record(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  out.set(body, 8);
  const checked = new Uint8Array(4 + body.length);
  checked.set(out.subarray(0, 4));
  checked.set(body, 4);
  view.setUint32(4, crc32(checked), true);
  return out;
}

/** The payloads of the whole records from offset 0, and a description of anything after them. */
function readLog(bytes: Uint8Array | null): { texts: string[]; rest: string } {
  const texts: string[] = [];
  if (!bytes) return { texts, rest: 'the file does not exist' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at, true);
    const end = at + 8 + length;
    if (end > bytes.length) break;
    const checked = new Uint8Array(4 + length);
    checked.set(bytes.subarray(at, at + 4));
    checked.set(bytes.subarray(at + 8, end), 4);
    if (crc32(checked) !== view.getUint32(at + 4, true)) break;
    texts.push(new TextDecoder().decode(bytes.subarray(at + 8, end)));
    at = end;
  }
  if (at === bytes.length) return { texts, rest: '' };
  const zeros = bytes.subarray(at).every((b) => b === 0);
  return { texts, rest: `then ${bytes.length - at} byte(s) at offset ${at} that are not a record${zeros ? ' (all zeros)' : ''}` };
}

function showLog(log: { texts: string[]; rest: string }): string {
  return `${log.texts.length ? log.texts.join(', ') : 'no records'}${log.rest ? `, ${log.rest}` : ''}`;
}

/** What a power cut right now would leave in the log. */
const durableLog = (sim: Sim) => readLog(sim.diskImage('durable').readFile(LOG));

async function openLog(k: Sys): Promise<number> {
  return k.open(LOG, O_WRONLY | O_APPEND);
}

describe('durableAppend', () => {
  it('returns only when the record is durable', async () => {
    await explore({ seeds: 3, label: 'durable appends' }, async (sim) => {
      sim.configureDisk({ files: { [LOG]: '' } });
      await sim.run(async (k) => {
        const fd = await openLog(k);
        const acknowledged: string[] = [];
        for (let i = 1; i <= 10; i++) {
          const text = `update ${i}`;
          await durableAppend(k, fd, record(text));
          acknowledged.push(text);
          const log = durableLog(sim);
          if (log.rest || log.texts.join('|') !== acknowledged.join('|')) {
            expect.fail(
              `durableAppend returned for "${text}", so the caller acknowledges it. A power cut at that moment would ` +
                `leave the log holding: ${showLog(log)}. write(2) returning means the page cache has the bytes; ` +
                `only a successful fsync(2) or fdatasync(2) on the file means the disk has them. close(2) is not a barrier.`,
            );
          }
        }
      });
    });
  });

  it('returns only when the record is durable, with two threads appending to one log', async () => {
    await explore({ seeds: 10, label: 'two appenders' }, async (sim) => {
      sim.configureDisk({ files: { [LOG]: '' } });
      const problems: string[] = [];
      await sim.run(async (k) => {
        const fd = await openLog(k);
        const acknowledged: string[] = [];
        // A failed expect inside a thread would only end that thread; collect and check after the run.
        const appender = (name: string) => async (t: Sys) => {
          for (let i = 1; i <= 5; i++) {
            const text = `${name} ${i}`;
            await durableAppend(t, fd, record(text));
            acknowledged.push(text);
            const log = durableLog(sim);
            const missing = acknowledged.filter((a) => !log.texts.includes(a));
            if (missing.length && problems.length === 0) {
              problems.push(
                `Thread ${name}: durableAppend returned for "${text}", but a power cut at that moment would leave the log ` +
                  `holding ${showLog(log)}; acknowledged and missing: ${missing.join(', ')}.`,
              );
            }
          }
        };
        const a = await k.thread(appender('A'));
        const b = await k.thread(appender('B'));
        await k.join(a);
        await k.join(b);
      });
      expect(sim.kernel.crashes.map((c) => String(c.error)), 'an appender thread threw').toEqual([]);
      expect(problems, problems[0]).toEqual([]);
    });
  });

  it('when fdatasync fails with EIO: fails, and the log on disk keeps only acknowledged records', async () => {
    await explore({ seeds: 3, label: 'EIO on the 4th fdatasync' }, async (sim) => {
      sim.configureDisk({ files: { [LOG]: '' }, faults: { fsyncEio: { path: LOG, nth: 4 } } });
      reportDiskAfterRuns('the log after the 4th fdatasync failed', sim, { dir: '/data/db' });
      const outcomes: string[] = [];
      await sim.run(async (k) => {
        const fd = await openLog(k);
        for (let i = 1; i <= 4; i++) {
          outcomes.push(await durableAppend(k, fd, record(`update ${i}`)).then(() => `update ${i} acknowledged`, (e: unknown) => `update ${i} failed (${(e as { code?: string }).code ?? String(e)})`));
        }
      });
      const log = readLog(sim.powerCut('synced').readFile(LOG));
      expect(
        outcomes[3],
        `The simulator made the 4th fdatasync of the log fail with EIO and dropped the write it should have flushed, as ` +
          `Linux does after a write-back error: the pages are marked clean, so the page cache still shows the record while ` +
          `the disk does not have it. durableAppend must report the failure. After a power cut the log holds: ` +
          `${showLog(log)}. (A second fdatasync "succeeds" because nothing is dirty any more; writing the record again ` +
          `leaves a hole where the first copy should be.)`,
      ).toMatch(/^update 4 failed/);
      expect(showLog(log), 'after the failure, the log on disk must hold exactly the acknowledged records, with nothing after them').toBe('update 1, update 2, update 3');
    });
  });

  it('survives its writer being killed and then a power cut', async () => {
    await explore({ seeds: 3, label: 'crashProcess, then powerCut' }, async (sim) => {
      sim.configureDisk({ files: { [LOG]: '' } });
      const acknowledged: string[] = [];
      let afterKill = { texts: [] as string[], rest: '' };
      await sim.run(async (k) => {
        const writer = await k.fork(async (c) => {
          const fd = await openLog(c);
          for (let i = 1; ; i++) {
            await durableAppend(c, fd, record(`update ${i}`));
            acknowledged.push(`update ${i}`);
            if (i === 6) await c.pause(); // waits here until it is killed
          }
        });
        while (acknowledged.length < 6) await k.sleep(1);
        sim.crashProcess(writer); // SIGKILL: the process dies, the page cache stays
        await k.waitpid(writer);
        const fd = await k.open(LOG, O_RDONLY);
        afterKill = readLog(await k.read(fd, 1 << 16));
      });
      const afterPower = readLog(sim.powerCut('synced').readFile(LOG));
      const lost = acknowledged.filter((a) => !afterPower.texts.includes(a));
      expect(
        lost,
        `The writer acknowledged ${acknowledged.length} records and was then killed (crashProcess). A reader could still ` +
          `see ${afterKill.texts.length} of them: a process crash keeps the page cache. Then the power failed, and the ` +
          `log holds: ${showLog(afterPower)}. Acknowledged records lost to the power cut: ${lost.join(', ')}.`,
      ).toEqual([]);
    });
  });
});
