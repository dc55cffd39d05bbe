import { describe, expect, it } from 'vitest';
import { DiskImage, O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, bootSim, enumerateCrashStates, type Sim, type Sys } from 'simos';
import { reportDisk } from 'simos/testing';
import { recover } from './solution';

const DIR = '/data/db';

// ---------------------------------------------------------------------------------------------
// The file formats, written and read here from their definition in prompt.md, so that no check
// relies on the code under test.
// ---------------------------------------------------------------------------------------------

type Update = [key: string, value: string];
type State = Map<string, string>;

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

function record(payload: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(payload));
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

const snapshotBytes = (state: State) => record([...state].sort(([a], [b]) => (a < b ? -1 : 1)));

/** Whole valid records from offset 0, and where they stop. */
function readRecords(bytes: Uint8Array): { payloads: unknown[]; validBytes: number } {
  const payloads: unknown[] = [];
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
    payloads.push(JSON.parse(new TextDecoder().decode(bytes.subarray(at + 8, end))));
    at = end;
  }
  return { payloads, validBytes: at };
}

const showState = (s: State) => (s.size ? [...s].map(([k, v]) => `${k}=${v}`).join(', ') : '(empty)');

/** The database directory of `img`, for failure messages: files, sizes, and what they hold. */
function describeDisk(img: DiskImage): string {
  const names = img.list(DIR) ?? [];
  if (names.length === 0) return `  ${DIR} is empty`;
  return names
    .map((name) => {
      const bytes = img.readFile(`${DIR}/${name}`);
      if (bytes === null) return `  ${name}/`;
      let what = '';
      if (name.startsWith('Version_Number')) what = `: ${JSON.stringify(new TextDecoder().decode(bytes))}`;
      else if (name.startsWith('Logfile.')) {
        const { payloads, validBytes } = readRecords(bytes);
        what = `: ${payloads.length ? (payloads as Update[]).map(([k, v]) => `${k}=${v}`).join(', ') : 'no records'}`;
        if (validBytes < bytes.length) what += ` + ${bytes.length - validBytes} bytes of an unfinished append`;
      } else if (name.startsWith('Snapshot.')) {
        const { payloads, validBytes } = readRecords(bytes);
        what = payloads.length === 1 && validBytes === bytes.length ? `: ${showState(new Map(payloads[0] as Update[]))}` : ': DAMAGED';
      }
      return `  ${DIR}/${name} (${bytes.length} bytes)${what}`;
    })
    .join('\n');
}

const encodeLog = (updates: Update[]) => concat(...updates.map((u) => record(u)));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Deterministic bytes standing in for whatever the blocks held before (xorshift32). */
function staleBytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** How the log at `path` reads on `img` if nothing may be dropped: its records, or where it stops being a log. */
function strictLog(img: DiskImage, path: string): Update[] | string {
  const bytes = img.readFile(path);
  if (bytes === null) return `${path} does not exist`;
  const { payloads, validBytes } = readRecords(bytes);
  if (validBytes === bytes.length) return payloads as Update[];
  let resumes = -1;
  for (let at = validBytes + 1; at + 8 <= bytes.length && resumes < 0; at++) if (readRecords(bytes.subarray(at)).payloads.length > 0) resumes = at;
  const whole = `${payloads.length} whole record(s) in bytes [0, ${validBytes})`;
  if (resumes < 0) return `${whole}, then ${bytes.length - validBytes} byte(s) that are not a record`;
  return `${whole}, then ${resumes - validBytes} byte(s) that are not a record, then a valid record again at offset ${resumes}: on the next start that is mid-log corruption`;
}

const sameState = (a: State, b: State) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
/** The enumerator's description of a crash point, as a sentence. */
const sentence = (d: string) => `${d[0]!.toUpperCase()}${d.slice(1)}.`;
const showUpdates = (us: Update[]) => us.map(([k, v]) => `${k}=${v}`).join(', ') || '(none)';

interface Got {
  generation: number;
  state: State;
}

/** Boot a machine on `img`, run recover, and say what it returned (or how it failed). */
async function recoverOn(img: DiskImage, then?: (k: Sys, log: number) => Promise<void>): Promise<{ sim: Sim; got: Got | string }> {
  const sim = bootSim(img, { console: () => {} });
  let got: Got | string = '';
  await sim.run(async (k) => {
    try {
      const r = await recover(k, DIR);
      got = { generation: r.generation, state: r.state };
      if (then) await then(k, r.log);
    } catch (e) {
      got = `recover threw ${String(e)}`;
    }
  });
  return { sim, got };
}

function files(generation: number, snapshot: State, log: Uint8Array, extra: Record<string, string | Uint8Array> = {}): DiskImage {
  return DiskImage.create(undefined, {
    [`${DIR}/Version_Number`]: String(generation),
    [`${DIR}/Snapshot.${generation}`]: snapshotBytes(snapshot),
    [`${DIR}/Logfile.${generation}`]: log,
    ...extra,
  });
}

const SNAPSHOT: State = new Map([
  ['alice', '100'],
  ['bob', '50'],
]);
const LOGGED: Update[] = [
  ['alice', '90'],
  ['carol', 'hello, world'],
  ['bob', '51'],
];
const after = (base: State, updates: Update[]) => {
  const s = new Map(base);
  for (const [k, v] of updates) s.set(k, v);
  return s;
};

const TORN_TAILS: [what: string, tail: Uint8Array][] = [
  ['3 bytes of a record header', record(['dave', '1']).subarray(0, 3)],
  ['a header and part of the payload', record(['dave', '1']).subarray(0, 14)],
  ['a record whose last bytes read as zeros', (() => { const r = record(['dave', 'x'.repeat(40)]); r.fill(0, 20); return r; })()],
  ['600 zero bytes', new Uint8Array(600)],
  ['300 stale bytes', staleBytes(300, 7)],
];

describe('recover', () => {
  it('replays the current generation\'s log over its snapshot', async () => {
    const big: Update[] = Array.from({ length: 150 }, (_, i) => [`key${i % 20}`, `value ${i} ${'z'.repeat(i % 17)}`]);
    const cases: [string, DiskImage, State][] = [
      ['an empty log', files(3, SNAPSHOT, new Uint8Array(0)), SNAPSHOT],
      ['three records', files(3, SNAPSHOT, encodeLog(LOGGED)), after(SNAPSHOT, LOGGED)],
      [`a ${encodeLog(big).length}-byte log of 150 records`, files(3, SNAPSHOT, encodeLog(big)), after(SNAPSHOT, big)],
      [
        'three records, next to leftovers of generation 2 (a deletion lost in a crash) and of generation 4 (a checkpoint that never committed)',
        files(3, SNAPSHOT, encodeLog(LOGGED), {
          [`${DIR}/Snapshot.2`]: snapshotBytes(new Map([['alice', '1']])),
          [`${DIR}/Logfile.2`]: encodeLog([['alice', '2'], ['zoe', 'stale']]),
          [`${DIR}/Snapshot.4`]: snapshotBytes(after(SNAPSHOT, LOGGED)),
          [`${DIR}/Logfile.4`]: new Uint8Array(0),
        }),
        after(SNAPSHOT, LOGGED),
      ],
    ];
    for (const [what, img, want] of cases) {
      const { got } = await recoverOn(img);
      const ok = typeof got !== 'string' && got.generation === 3 && sameState(got.state, want);
      if (!ok) {
        expect.fail(
          `Generation 3 is current (Version_Number says 3), with ${what}. Recovery should return generation 3 holding ` +
            `${showState(want)}.\n${typeof got === 'string' ? got : `It returned generation ${got.generation} holding ${showState(got.state)}`}.\n` +
            `The disk:\n${describeDisk(img)}`,
        );
      }
    }
  });

  it('drops a torn tail, and the next append lands right after the last whole record', async () => {
    for (const [what, tail] of TORN_TAILS) {
      const logBytes = concat(encodeLog(LOGGED), tail);
      const img = files(3, SNAPSHOT, logBytes);
      const added: Update = ['erin', 'appended after recovery'];
      const { sim, got } = await recoverOn(img, async (k, log) => {
        await k.write(log, record(added));
        await k.fdatasync(log);
      });
      const want = after(SNAPSHOT, LOGGED);
      if (typeof got === 'string' || !sameState(got.state, want)) {
        expect.fail(
          `Logfile.3 holds 3 whole records (${encodeLog(LOGGED).length} bytes) followed by ${what}, the remains of an ` +
            `append that was cut off by a power cut and never acknowledged. Recovery should drop it and return ` +
            `${showState(want)}.\n${typeof got === 'string' ? got : `It returned ${showState(got.state)}`}.`,
        );
      }
      const survived = sim.powerCut('synced');
      const log = strictLog(survived, `${DIR}/Logfile.3`);
      const wanted = [...LOGGED, added];
      if (typeof log === 'string' || showUpdates(log) !== showUpdates(wanted)) {
        expect.fail(
          `Logfile.3 held 3 whole records followed by ${what}. After recover(), the test appended one record through ` +
            `the descriptor recover returned and fdatasync'd it. The log on disk should now be exactly ` +
            `${showUpdates(wanted)}; instead it holds ${typeof log === 'string' ? log : showUpdates(log)}.\n` +
            `Cut the file at the end of the last whole record (decodeLog's validBytes), so appends continue from there.`,
        );
      }
    }
  });

  it('refuses to start on mid-log corruption, and leaves the log as it was', async () => {
    const intact = encodeLog([...LOGGED, ['dave', '4'], ['erin', '5']]);
    const damaged = intact.slice();
    damaged[encodeLog(LOGGED.slice(0, 1)).length + 12] ^= 0x04; // one bit in the second record's payload
    const img = files(3, SNAPSHOT, damaged);
    const { sim, got } = await recoverOn(img);
    expect(
      typeof got === 'string',
      `The second record of Logfile.3 has a flipped bit, and three acknowledged records follow it. That is not an ` +
        `unfinished append: recover must fail (decodeLog throws LogCorruptionError) instead of starting without them. ` +
        `It returned ${typeof got === 'string' ? '' : showState(got.state)}.`,
    ).toBe(true);
    const now = sim.diskImage('cache').readFile(`${DIR}/Logfile.3`);
    expect(
      now !== null && now.length === damaged.length && now.every((b, i) => b === damaged[i]),
      `recover failed, as it should, but it changed Logfile.3 on the way (${damaged.length} bytes before, ${now?.length ?? 'no file'} after). ` +
        `An operator or a repair tool needs the damaged log as it was.`,
    ).toBe(true);
  });

  it('gives the same result when it is itself cut off by a power cut, at any point', async () => {
    for (const [what, tail] of TORN_TAILS.slice(2)) {
      const img = files(3, SNAPSHOT, concat(encodeLog(LOGGED), tail));
      const first = bootSim(img, { console: () => {}, disk: { record: true } });
      await first.run(async (k) => {
        await recover(k, DIR).catch(() => undefined);
      });
      reportDisk(`recovery of a log ending in ${what}`, first, { dir: DIR });
      const want = after(SNAPSHOT, LOGGED);
      for (const crash of enumerateCrashStates(first.diskRecording())) {
        const { got } = await recoverOn(crash.image);
        if (typeof got === 'string' || !sameState(got.state, want)) {
          expect.fail(
            `Logfile.3 held 3 whole records followed by ${what}. Recovery was running when the power failed. ` +
              `${sentence(crash.description)} On the next start the disk holds:\n${describeDisk(crash.image)}\n` +
              `and recovery ${typeof got === 'string' ? `fails: ${got}` : `returns ${showState(got.state)}`}, not ${showState(want)}. ` +
              `Recovery must leave the disk recoverable at every step: it may remove bytes no whole record owns, nothing else.`,
          );
        }
      }
    }
  });

  it('recovers every disk a power cut could leave during a run of updates and a checkpoint', async () => {
    const sim = bootSim(files(1, SNAPSHOT, new Uint8Array(0)), { console: () => {}, disk: { record: true } });
    const updates: Update[] = Array.from({ length: 24 }, (_, i) => [`k${i % 5}`, `v${i}${'-'.repeat((i * 37) % 120)}`]);
    const acks: number[] = [];
    await sim.run(async (k) => {
      let fd = await k.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
      const state = new Map(SNAPSHOT);
      for (const [i, u] of updates.entries()) {
        await k.write(fd, record(u));
        await k.fdatasync(fd);
        state.set(u[0], u[1]);
        acks.push(sim.diskRecording().ops.length);
        if (i === 11) fd = await referenceCheckpoint(k, state, fd);
      }
    });
    let count = 0;
    for (const crash of enumerateCrashStates(sim.diskRecording())) {
      count++;
      // The image is possible at every point up to lastPoint: hold it to everything acknowledged by then.
      const acked = acks.filter((a) => a <= crash.lastPoint).length;
      const { got } = await recoverOn(crash.image);
      const m = typeof got === 'string' ? undefined : [...Array(updates.length + 1).keys()].find((i) => i >= acked && sameState(after(SNAPSHOT, updates.slice(0, i)), got.state));
      if (m === undefined) {
        expect.fail(
          `${sentence(crash.description)} On reboot, ${DIR} holds:\n${describeDisk(crash.image)}\n${acked} update(s) had been ` +
            `acknowledged (the last: ${updates[acked - 1]?.join('=') ?? 'none'}). Recovery ${typeof got === 'string' ? `fails: ${got}` : `returns ${showState(got.state)}`}, ` +
            `which is not the state after the first ${acked} or more updates.`,
        );
      }
    }
    expect(count).toBeGreaterThan(20);
  });
});

/** The checkpoint protocol of the previous exercise, done right; returns the new log's descriptor. */
async function referenceCheckpoint(k: Sys, state: State, oldLog: number): Promise<number> {
  const write = async (path: string, data: Uint8Array | string) => {
    const fd = await k.open(path, O_WRONLY | O_CREAT | O_TRUNC);
    await k.write(fd, data);
    await k.fsync(fd);
    await k.close(fd);
  };
  await write(`${DIR}/Snapshot.2`, snapshotBytes(state));
  await write(`${DIR}/Logfile.2`, '');
  await write(`${DIR}/Version_Number.tmp`, '2');
  await k.rename(`${DIR}/Version_Number.tmp`, `${DIR}/Version_Number`);
  const dir = await k.open(DIR, O_RDONLY);
  await k.fsync(dir);
  await k.close(dir);
  await k.close(oldLog);
  await k.unlink(`${DIR}/Snapshot.1`);
  await k.unlink(`${DIR}/Logfile.1`);
  return k.open(`${DIR}/Logfile.2`, O_WRONLY | O_APPEND);
}
