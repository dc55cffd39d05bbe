import { describe, expect, it } from 'vitest';
import { DiskImage, O_APPEND, O_WRONLY, bootSim, enumerateCrashStates, type Sim, type Sys } from 'simos';
import { explore, reportDisk } from 'simos/testing';
import { checkpoint, loadCheckpoint } from './solution';

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

class Unrecoverable extends Error {}

interface Recovered {
  generation: number;
  snapshot: State;
  state: State;
}

/**
 * Startup as prompt.md defines it: the generation Version_Number names, its snapshot, then its
 * log replayed up to the first incomplete record. Throws Unrecoverable, saying why, when the disk
 * does not hold a whole current generation.
 */
function referenceRecover(img: DiskImage): Recovered {
  const text = img.readText(`${DIR}/Version_Number`);
  if (text === null) throw new Unrecoverable('Version_Number does not exist');
  if (!/^[0-9]+$/.test(text)) throw new Unrecoverable(`Version_Number reads ${JSON.stringify(text)}, which is not a generation number`);
  const generation = Number(text);
  const snap = img.readFile(`${DIR}/Snapshot.${generation}`);
  if (snap === null) throw new Unrecoverable(`Version_Number says ${generation}, but Snapshot.${generation} does not exist`);
  const decoded = readRecords(snap);
  if (decoded.payloads.length !== 1 || decoded.validBytes !== snap.length) {
    throw new Unrecoverable(`Version_Number says ${generation}, but Snapshot.${generation} is damaged: ${snap.length} bytes that are not one whole record`);
  }
  const snapshot = new Map(decoded.payloads[0] as Update[]);
  const log = img.readFile(`${DIR}/Logfile.${generation}`);
  if (log === null) throw new Unrecoverable(`Version_Number says ${generation}, but Logfile.${generation} does not exist`);
  const state = new Map(snapshot);
  for (const [key, value] of readRecords(log).payloads as Update[]) state.set(key, value);
  return { generation, snapshot, state };
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

// ---------------------------------------------------------------------------------------------
// The workload: a database the test runs itself (durable appends to the current log), calling the
// learner's checkpoint between batches of updates.
// ---------------------------------------------------------------------------------------------

const INITIAL: State = new Map([['alice', '100']]);

function initialFiles(generation: number, state: State = INITIAL): Record<string, string | Uint8Array> {
  return {
    [`${DIR}/Version_Number`]: String(generation),
    [`${DIR}/Snapshot.${generation}`]: snapshotBytes(state),
    [`${DIR}/Logfile.${generation}`]: '',
  };
}

interface Run {
  updates: Update[];
  /** acks[i]: how many disk operations had been issued when update i was acknowledged. */
  acks: number[];
}

/** The state after the first `m` updates of the run. */
function prefixState(run: Run, m: number): State {
  const s = new Map(INITIAL);
  for (const [k, v] of run.updates.slice(0, m)) s.set(k, v);
  return s;
}

const sameState = (a: State, b: State) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

async function appendDurably(k: Sys, fd: number, update: Update): Promise<void> {
  await k.write(fd, record(update));
  await k.fdatasync(fd);
}

/**
 * Batches of updates with a checkpoint between each two. Right after each checkpoint returns, the
 * durable disk must already hold the new generation: that is what "committed" means.
 */
async function runWorkload(sim: Sim, batches: Update[][], firstGeneration: number): Promise<Run> {
  const run: Run = { updates: [], acks: [] };
  await sim.run(async (k) => {
    const state = new Map(INITIAL);
    let generation = firstGeneration;
    let fd = await k.open(`${DIR}/Logfile.${generation}`, O_WRONLY | O_APPEND);
    for (const [b, batch] of batches.entries()) {
      if (b > 0) {
        await k.close(fd);
        const returned = await checkpoint(k, DIR, state);
        expect(returned, `checkpoint should return the new generation number, ${generation + 1}`).toBe(generation + 1);
        generation = returned;
        const durable = sim.diskImage('durable');
        let after: Recovered | string;
        try {
          after = referenceRecover(durable);
        } catch (e) {
          after = (e as Error).message;
        }
        const committed = typeof after !== 'string' && after.generation === generation && sameState(after.state, state);
        const said = typeof after === 'string' ? after : `generation ${after.generation} with ${showState(after.state)}`;
        if (!committed) expect.fail(
          `checkpoint returned ${generation}, so generation ${generation} should be committed: a power cut right now must ` +
            `come back as generation ${generation} holding ${showState(state)}. Instead, the durable disk recovers as: ${said}.\n` +
            `The durable disk at that moment:\n${describeDisk(durable)}`,
        );
        const names = await k.readdir(DIR);
        expect(
          names.filter((n) => n !== 'Version_Number.tmp'),
          `After checkpoint returned ${generation}, ${DIR} should hold only generation ${generation} and Version_Number; ` +
            `generation ${generation - 1} is garbage once the new one is committed. It holds: ${names.join(', ')}`,
        ).toEqual([`Logfile.${generation}`, `Snapshot.${generation}`, 'Version_Number']);
        fd = await k.open(`${DIR}/Logfile.${generation}`, O_WRONLY | O_APPEND);
      }
      for (const update of batch) {
        await appendDurably(k, fd, update);
        state.set(update[0], update[1]);
        run.updates.push(update);
        run.acks.push(sim.diskRecording().ops.length);
        const durable = sim.diskImage('durable');
        let recovered: Recovered | string;
        try {
          recovered = referenceRecover(durable);
        } catch (e) {
          recovered = (e as Error).message;
        }
        if (typeof recovered === 'string' || !sameState(recovered.state, state)) expect.fail(
          `Update ${update[0]}=${update[1]} was appended to Logfile.${generation} and fdatasync'd, so it is acknowledged. ` +
            `A power cut right now recovers as: ${typeof recovered === 'string' ? recovered : `generation ${recovered.generation} with ${showState(recovered.state)}`}, ` +
            `not ${showState(state)}. The durable disk:\n${describeDisk(durable)}`,
        );
      }
    }
  });
  return run;
}

const BATCHES: Update[][] = [
  [['bob', '50'], ['alice', '90'], ['carol', 'a longer value']],
  [['dave', '7'], ['bob', '51'], ['erin', 'another longer value']],
  [['alice', '80'], ['frank', '1']],
];

/**
 * Every disk a power cut at any point of `sim`'s run could leave must recover to a state that
 * holds every update acknowledged by then, and loadCheckpoint must agree with Version_Number.
 * A disk a cut can leave anywhere from crash.point to crash.lastPoint must hold every update
 * acknowledged by lastPoint. Failures are collected and the first few different ones reported,
 * each with its crash points.
 */
async function checkEveryCrashState(sim: Sim, run: Run): Promise<number> {
  const failures = new Map<string, string>();
  const ops = sim.diskRecording().ops;
  let count = 0;
  for (const crash of enumerateCrashStates(sim.diskRecording())) {
    count++;
    const acked = run.acks.filter((a) => a <= crash.lastPoint).length;
    const fail = (problem: string, detail: string) => {
      if (failures.has(problem)) return;
      const later = crash.lastPoint > crash.point ? ` A power cut at any later point, up to right after #${crash.lastPoint} ${ops[crash.lastPoint - 1]!.what}, can leave the same disk.` : '';
      const where = `${crash.description[0]!.toUpperCase()}${crash.description.slice(1)}.${later}\nOn reboot, ${DIR} holds:\n${describeDisk(crash.image)}`;
      failures.set(problem, `${where}\n${detail}`);
    };
    let ref: Recovered;
    try {
      ref = referenceRecover(crash.image);
    } catch (e) {
      if (!(e instanceof Unrecoverable)) throw e;
      fail(e.message, `This disk cannot be recovered: ${e.message}.`);
      continue;
    }
    const m = [...Array(run.updates.length + 1).keys()].find((i) => i >= acked && sameState(prefixState(run, i), ref.state));
    if (m === undefined) {
      fail(
        `lost after ${acked}`,
        `${acked} update(s) had been acknowledged (the last: ${run.updates[acked - 1]?.join('=') ?? 'none'}), but recovery ` +
          `finds ${showState(ref.state)}: an acknowledged update is lost.`,
      );
    }
    const { value } = await bootSim(crash.image, { console: () => {} }).run((k) => loadCheckpoint(k, DIR).catch((e: unknown) => `it threw ${String(e)}`));
    const got = value as { generation: number; state: State } | string;
    if (typeof got === 'string' || got.generation !== ref.generation || !sameState(got.state, ref.snapshot)) {
      const said = typeof got === 'string' ? got : `it returned generation ${got.generation} with ${showState(got.state)}`;
      fail(
        `load ${ref.generation} ${said}`,
        `Version_Number names generation ${ref.generation}, whose snapshot holds ${showState(ref.snapshot)}; loadCheckpoint ` +
          `must load that one. Instead ${said}.`,
      );
    }
  }
  if (failures.size > 0) {
    const shown = [...failures.values()].slice(0, 3);
    throw new Error(
      `${failures.size} kind(s) of crash state go wrong (of ${count} distinct disks a power cut could leave). ` +
        `The first ${shown.length}:\n\n${shown.join('\n\n')}`,
    );
  }
  return count;
}

describe('checkpoint and loadCheckpoint', () => {
  it('loadCheckpoint loads the generation Version_Number names', async () => {
    await explore({ seeds: 1, label: 'loadCheckpoint' }, async (sim) => {
      // A checkpoint to generation 5 crashed after writing Snapshot.5: generation 4 is current.
      sim.configureDisk({
        files: { ...initialFiles(4, new Map([['a', '4']])), [`${DIR}/Snapshot.5`]: snapshotBytes(new Map([['a', '5']])), [`${DIR}/Snapshot.3`]: snapshotBytes(new Map()) },
      });
      const { value } = await sim.run((k) => loadCheckpoint(k, DIR));
      const got = value as { generation: number; state: State };
      expect(got.generation, 'Version_Number says 4; Snapshot.5 is left over from a checkpoint that never committed').toBe(4);
      expect(showState(got.state), 'loadCheckpoint should return the state in Snapshot.4').toBe('a=4');
    });
  });

  it('commits each new generation before returning, and never loses an acknowledged update', async () => {
    await explore({ seeds: 1, label: 'checkpoint workload' }, async (sim) => {
      sim.configureDisk({ record: true, files: initialFiles(1) });
      await runWorkload(sim, BATCHES, 1);
    });
  });

  it('leaves a recoverable disk, holding every acknowledged update, after a power cut at any point', async () => {
    const sim = bootSim(DiskImage.create(undefined, initialFiles(1)), { console: () => {}, disk: { record: true } });
    const run = await runWorkload(sim, BATCHES, 1).catch(() => null);
    reportDisk('updates with two checkpoints', sim, { dir: DIR });
    expect(run, 'the workload itself failed; see the test above').not.toBeNull();
    expect(await checkEveryCrashState(sim, run!)).toBeGreaterThan(20);
  });

  it('never lets Version_Number be read half-written (generation 11 -> 12 on a disk that can tear between any two bytes)', async () => {
    const anyByte = DiskImage.create([{ dev: 2049, kind: 'disk', mountPath: '/', dirs: ['/data/db'], sectorBytes: 1 }], initialFiles(11));
    const sim = bootSim(anyByte, { console: () => {}, disk: { record: true } });
    const run = await runWorkload(sim, [[['bob', '50']], [['alice', '90']]], 11);
    const torn = new Map<string, string>();
    for (const crash of enumerateCrashStates(sim.diskRecording())) {
      const text = crash.image.readText(`${DIR}/Version_Number`);
      if (text !== '11' && text !== '12' && !torn.has(String(text))) {
        torn.set(String(text), `  ${JSON.stringify(text)}: power cut ${crash.description.replace(/^power cut /, '')}\n${describeDisk(crash.image)}`);
      }
    }
    expect(
      [...torn.keys()],
      `After a power cut, Version_Number can read as neither the old generation (11) nor the new one (12):\n` +
        `${[...torn.values()].join('\n')}\nReplacing a file's contents in place is not atomic: the power can fail after ` +
        `the truncate, or after the first byte of "12". Write the new number to a new file and rename it over the old one.`,
    ).toEqual([]);
    await checkEveryCrashState(sim, run);
  });
});
