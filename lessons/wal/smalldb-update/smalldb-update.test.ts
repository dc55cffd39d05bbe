import { describe, expect, it } from 'vitest';
import { O_APPEND, O_WRONLY, type Sim, type Sys } from 'simos';
import { explore, reportDiskAfterRuns } from 'simos/testing';
import { SmallDb } from './solution';

const LOG = '/data/db/Logfile.1';

// ---------------------------------------------------------------------------------------------
// The test's own reading of the log format (prompt.md), so nothing here trusts the code under test:
// [length u32 LE][CRC-32 of the length bytes ++ payload, u32 LE][payload = JSON [key, value]].
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

type Update = [key: string, value: string];

/** The updates in whole valid records from offset 0, stopping at the first that is not one. */
function readUpdates(bytes: Uint8Array | null): Update[] {
  const out: Update[] = [];
  if (!bytes) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at, true);
    const end = at + 8 + length;
    if (end > bytes.length) break;
    const checked = new Uint8Array(4 + length);
    checked.set(bytes.subarray(at, at + 4));
    checked.set(bytes.subarray(at + 8, end), 4);
    if (crc32(checked) !== view.getUint32(at + 4, true)) break;
    out.push(JSON.parse(new TextDecoder().decode(bytes.subarray(at + 8, end))) as Update);
    at = end;
  }
  return out;
}

/** What the log would hold after a power cut right now: only what is durable. */
function durableUpdates(sim: Sim): Update[] {
  return readUpdates(sim.diskImage('durable').readFile(LOG));
}

const show = (updates: Update[]) => (updates.length ? updates.map(([k, v]) => `${k}=${v}`).join(', ') : '(nothing)');

function machine(sim: Sim, faults?: { fsyncEio: { path: string; nth: number } }): Sim {
  return sim.configureDisk({ files: { [LOG]: '' }, ...(faults ? { faults } : {}) });
}

async function openDb(k: Sys): Promise<SmallDb> {
  return new SmallDb(k, await k.open(LOG, O_WRONLY | O_APPEND));
}

/**
 * A reader thread that calls db.get(key) between system calls of its own (each one a point where
 * the scheduler may switch threads) and notes every value it sees that is not durable at that
 * moment: a value a power cut right then would take back.
 */
async function startReader(k: Sys, sim: Sim, db: () => SmallDb | undefined, key: string, sawUndurable: string[], stop: () => boolean) {
  return k.thread(async (t) => {
    for (let i = 0; i < 400 && !stop(); i++) {
      const value = db()?.get(key);
      const durable = durableUpdates(sim);
      if (value !== undefined && !durable.some(([k2, v]) => k2 === key && v === value)) {
        sawUndurable.push(`the reader saw ${key}=${value} while the log on disk held only: ${show(durable)}`);
      }
      await t.now(); // a system call: the scheduler may run the writer here
    }
  });
}

const UPDATES: Update[] = [
  ['alice', '100'],
  ['bob', '50'],
  ['alice', '90'],
  ['carol', 'a longer value, to make the record span more bytes'],
  ['bob', ''],
];

describe('SmallDb.update and get', () => {
  it('acknowledges an update only once its record is durable', async () => {
    await explore({ seeds: 5, label: 'update is durable when it returns' }, async (sim) => {
      machine(sim);
      await sim.run(async (k) => {
        const db = await openDb(k);
        const acknowledged: Update[] = [];
        for (const [key, value] of UPDATES) {
          await db.update(key, value);
          acknowledged.push([key, value]);
          const durable = durableUpdates(sim);
          expect(
            durable,
            `update(${JSON.stringify(key)}, ${JSON.stringify(value)}) returned, so the caller was told it is saved. ` +
              `But a power cut at that moment would leave the log holding: ${show(durable)}. write(2) only reaches ` +
              `the page cache; the record is on disk once fdatasync(2) (or fsync) on the log has returned.`,
          ).toEqual(acknowledged);
          expect(db.get(key), `update(${JSON.stringify(key)}, ${JSON.stringify(value)}) returned; get(${JSON.stringify(key)}) should now return it`).toBe(value);
        }
      });
    });
  });

  it('never lets a reader see a value before its record is durable', async () => {
    await explore({ seeds: 20, label: 'reader during updates' }, async (sim) => {
      machine(sim);
      const sawUndurable: string[] = [];
      await sim.run(async (k) => {
        let db: SmallDb | undefined;
        let done = false;
        const reader = await startReader(k, sim, () => db, 'x', sawUndurable, () => done);
        db = await openDb(k);
        for (let i = 1; i <= 4; i++) await db.update('x', String(i));
        done = true;
        await k.join(reader);
      });
      expect(
        sawUndurable,
        'A value reached a reader before the record that makes it durable was on disk. Had the power failed at that ' +
          'moment, the database would come back without a value someone had already read. Change memory only after ' +
          'the log record is durable:\n' + sawUndurable.slice(0, 3).join('\n'),
      ).toEqual([]);
    });
  });

  it('when fdatasync fails with EIO: the update fails, and no reader ever saw its value', async () => {
    await explore({ seeds: 20, label: 'EIO on the third fdatasync' }, async (sim) => {
      machine(sim, { fsyncEio: { path: LOG, nth: 3 } });
      reportDiskAfterRuns('the log after the third fdatasync failed', sim, { dir: '/data/db' });
      const sawUndurable: string[] = [];
      let outcome = '';
      let after: string | undefined;
      await sim.run(async (k) => {
        let db: SmallDb | undefined;
        let done = false;
        const reader = await startReader(k, sim, () => db, 'x', sawUndurable, () => done);
        db = await openDb(k);
        await db.update('x', '1');
        await db.update('x', '2');
        outcome = await db.update('x', '3').then(
          () => 'resolved',
          (e: unknown) => `rejected with ${(e as { code?: string }).code ?? String(e)}`,
        );
        after = db.get('x');
        done = true;
        await k.join(reader);
      });
      const recovered = readUpdates(sim.powerCut('synced').readFile(LOG));
      expect(
        outcome,
        `The simulator made the third fdatasync(2) of ${LOG} fail with EIO: the record of x=3 never reached the disk ` +
          `(after a power cut the log holds ${show(recovered)}). update('x', '3') must report that failure to its ` +
          `caller, not acknowledge the update. (Retrying fsync does not help: Linux marks the failed pages clean, ` +
          `so a second fsync "succeeds" without writing them.)`,
      ).toMatch(/^rejected/);
      expect(after, `After update('x', '3') failed, get('x') returned ${JSON.stringify(after)}, a value recovery will not have (it finds ${show(recovered)})`).toBe('2');
      expect(
        sawUndurable,
        `fdatasync failed with EIO, and recovery finds only ${show(recovered)}, yet a reader saw a value that was ` +
          `never durable:\n${sawUndurable.slice(0, 3).join('\n')}`,
      ).toEqual([]);
    });
  });
});
