import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, Sim, enumerateCrashStates, type Sys } from '../../../sandboxes/simos/index.ts';
import { diskSnapshot, explore, reportDisk, reportDiskAfterRuns, sampleCrashPoints } from '../../../sandboxes/simos/testing.ts';
import type { TraceRecord } from '../../../sandboxes/protocol.ts';
import { decodeLog } from '../../../components/visualisers/disk/log-decoder.ts';
import { buildDiskView, classify, diskSnapshots, type DiskRecord } from '../../../components/visualisers/disk/model.ts';
import { diskMarkup, pointPanel } from '../../../components/visualisers/disk/markup.ts';
import { diskText, pointText } from '../../../components/visualisers/disk/text.ts';
import { renderDisk } from '../../../components/visualisers/disk/index.ts';

const DIR = '/data/db';
const enc = new TextEncoder();

/** A record of the WAL format, framed with node's own CRC-32 so the decoder is checked against another implementation. */
function frame(payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === 'string' ? enc.encode(payload) : payload;
  const out = new Uint8Array(8 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  out.set(body, 8);
  view.setUint32(4, zlibCrc32(Buffer.concat([out.subarray(0, 4), body])), true);
  return out;
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const quiet = () => new Sim({ seed: 1, console: () => {} });

/**
 * A small database run: two synced appends, a third append of 600 bytes never synced (it crosses
 * a sector, so it can tear), a new snapshot whose name was never made durable, and the old
 * snapshot unlinked without syncing the directory.
 */
async function smallRun(): Promise<Sim> {
  const sim = quiet().configureDisk({
    record: true,
    files: { [`${DIR}/Version_Number`]: '1', [`${DIR}/Snapshot.1`]: frame('[]'), [`${DIR}/Logfile.1`]: '' },
  });
  await sim.run(async (k) => {
    const log = await k.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
    await k.write(log, frame('["alice","100"]'));
    await k.fdatasync(log);
    await k.write(log, frame('["bob","<b>50</b>"]'));
    await k.fdatasync(log);
    await k.write(log, frame(`["carol","${'c'.repeat(580)}"]`));
    const snap = await k.open(`${DIR}/Snapshot.2`, O_WRONLY | O_CREAT | O_TRUNC);
    await k.write(snap, frame('[["alice","100"]]'));
    await k.fsync(snap);
    await k.unlink(`${DIR}/Snapshot.1`);
  });
  return sim;
}

/** `updates` appends, each fdatasync'd, a checkpoint (new generation, renamed pointer) every 12, and one unsynced append at the end. */
async function walWorkload(updates: number): Promise<Sim> {
  const sim = quiet().configureDisk({
    record: true,
    files: { [`${DIR}/Version_Number`]: '1', [`${DIR}/Snapshot.1`]: frame('[]'), [`${DIR}/Logfile.1`]: '' },
  });
  const writeFile = async (k: Sys, path: string, data: Uint8Array | string) => {
    const fd = await k.open(path, O_WRONLY | O_CREAT | O_TRUNC);
    await k.write(fd, data);
    await k.fsync(fd);
    await k.close(fd);
  };
  await sim.run(async (k) => {
    let gen = 1;
    let log = await k.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
    const state = new Map<string, string>();
    for (let i = 0; i < updates; i++) {
      const update: [string, string] = [`k${i % 7}`, `v${i}:${'#'.repeat((i * 29) % 97)}`];
      await k.write(log, frame(JSON.stringify(update)));
      await k.fdatasync(log);
      state.set(...update);
      if ((i + 1) % 12 === 0) {
        await writeFile(k, `${DIR}/Snapshot.${gen + 1}`, frame(JSON.stringify([...state])));
        await writeFile(k, `${DIR}/Logfile.${gen + 1}`, '');
        await writeFile(k, `${DIR}/Version_Number.tmp`, String(gen + 1));
        await k.rename(`${DIR}/Version_Number.tmp`, `${DIR}/Version_Number`);
        const dir = await k.open(DIR, O_RDONLY);
        await k.fsync(dir);
        await k.close(dir);
        await k.close(log);
        await k.unlink(`${DIR}/Snapshot.${gen}`);
        await k.unlink(`${DIR}/Logfile.${gen}`);
        gen++;
        log = await k.open(`${DIR}/Logfile.${gen}`, O_WRONLY | O_APPEND);
      }
    }
    await k.write(log, frame('["tail","never synced"]'));
  });
  return sim;
}

const bytesOf = (rec: DiskRecord, blob: number | undefined, size: number) =>
  blob === undefined ? new Uint8Array(0) : new Uint8Array(Buffer.from(rec.blobs[blob]!, 'base64')).subarray(0, size);

describe('log decoder (the WAL record format)', () => {
  const a = frame('put alice 100');
  const b = frame('');
  const c = frame('put alice 90');

  it('decodes whole logs, zero-length records included', () => {
    const log = decodeLog(concat(a, b, c));
    expect(log.tail).toBe('clean');
    expect(log.records.map((r) => [r.offset, r.length, Buffer.from(r.payload).toString()])).toEqual([
      [0, 13, 'put alice 100'],
      [21, 0, ''],
      [29, 12, 'put alice 90'],
    ]);
    expect(log.validBytes).toBe(49);
    expect(decodeLog(new Uint8Array(0))).toMatchObject({ tail: 'clean', records: [], validBytes: 0 });
  });

  it('marks a torn tail: a cut header, a cut payload, zeros where the end should be', () => {
    for (const tail of [c.subarray(0, 5), c.subarray(0, 14), concat(c.subarray(0, 10), new Uint8Array(10)), new Uint8Array(64)]) {
      const log = decodeLog(concat(a, b, tail));
      expect(log.tail).toBe('torn');
      expect(log.records).toHaveLength(2);
      expect(log.damage).toEqual([{ start: 29, end: 29 + tail.length, kind: 'torn' }]);
      expect(log.validBytes).toBe(29);
    }
  });

  it('marks mid-log corruption and keeps decoding the records after it', () => {
    const bytes = concat(a, b, c);
    bytes[10] ^= 0x04; // a payload bit of the first record
    const log = decodeLog(bytes);
    expect(log.tail).toBe('corrupt');
    expect(log.damage).toEqual([{ start: 0, end: 21, kind: 'corrupt' }]);
    expect(log.records.map((r) => [r.offset, r.afterDamage])).toEqual([[21, true], [29, true]]);
    expect(log.validBytes).toBe(0);
  });

  it('does not call a log torn when it only has the first bytes of the file', () => {
    const whole = concat(a, b, c);
    const log = decodeLog(whole.subarray(0, 35), whole.length);
    expect(log.tail).toBe('cut');
    expect(log.records).toHaveLength(2);
    expect(log.damage).toEqual([{ start: 29, end: 49, kind: 'cut' }]);
    expect(decodeLog(whole.subarray(0, 29), whole.length).damage).toEqual([{ start: 29, end: 49, kind: 'cut' }]);
  });
});

describe('disk report (simos/testing)', () => {
  afterEach(() => {
    delete (globalThis as { __workbookTraceSink?: unknown }).__workbookTraceSink;
  });

  it('describes page cache versus disk for every name under the directory', async () => {
    const sim = await smallRun();
    const rec = diskSnapshot(sim, { dir: DIR });
    expect(rec.kind).toBe('disk');
    expect(rec.error).toBeUndefined();
    const byName = new Map(rec.files.map((f) => [f.name, f]));
    expect([...byName.keys()]).toEqual(['Logfile.1', 'Snapshot.1', 'Snapshot.2', 'Version_Number']);
    const log = byName.get('Logfile.1')!;
    const synced = frame('["alice","100"]').length + frame('["bob","<b>50</b>"]').length;
    const total = synced + frame(`["carol","${'c'.repeat(580)}"]`).length;
    expect(log.durable!.size).toBe(synced);
    expect(log.cache!.size).toBe(total);
    expect(log.dirty).toEqual([[synced, total]]);
    // The durable log is a prefix of the cached one: one blob carries both.
    expect(log.durable!.blob).toBe(log.cache!.blob);
    expect(byName.get('Snapshot.1')!.cache).toBeUndefined(); // unlinked, but the unlink is not durable
    expect(byName.get('Snapshot.2')!.durable).toBeUndefined(); // its name never reached the disk
    expect(Buffer.from(bytesOf(rec, byName.get('Version_Number')!.cache!.blob, 1)).toString()).toBe('1');
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);
  });

  it('samples crash points with what certainly survives, and counts every crash state once', async () => {
    const sim = await smallRun();
    const rec = diskSnapshot(sim, { dir: DIR });
    const ops = sim.diskRecording().ops;
    expect(rec.ops).toBe(ops.length);
    expect(rec.crashPoints!.map((p) => p.op)).toEqual(ops.map((_, i) => i).concat(ops.length)); // a short run keeps every point
    expect(rec.crashPoints!.filter((p) => p.barrier).map((p) => p.what)).toEqual([
      `fdatasync ${DIR}/Logfile.1`,
      `fdatasync ${DIR}/Logfile.1`,
      `fsync ${DIR}/Snapshot.2`,
    ]);
    const distinct = [...enumerateCrashStates(sim.diskRecording())].length;
    expect(rec.crashStates).toEqual({ distinct, complete: true });
    expect(rec.crashPoints!.reduce((n, p) => n + p.possible, 0)).toBe(distinct);
    const torn = rec.crashPoints!.flatMap((p) => p.examples).filter((e) => e.description.includes('torn:'));
    expect(torn.length).toBeGreaterThan(0);
  });

  it('keeps at most maxPoints, always the first, the last and then sync points', async () => {
    const sim = await walWorkload(50);
    const ops = sim.diskRecording().ops;
    const points = sampleCrashPoints(ops, 60);
    expect(points).toHaveLength(60);
    expect(points[0]).toBe(0);
    expect(points.at(-1)).toBe(ops.length);
    expect(new Set(points).size).toBe(60);
    expect(sampleCrashPoints(ops.slice(0, 5), 60)).toEqual([0, 1, 2, 3, 4, 5]);
    const few = sampleCrashPoints(ops, 10);
    expect(few).toHaveLength(10);
    expect(few.slice(1, -1).every((p) => ['sync', 'lose'].includes(ops[p - 1]!.op.op))).toBe(true);
  });

  it('reuses crash states the test already enumerated, and stops counting at maxStates', async () => {
    const sim = await walWorkload(14);
    const states = [...enumerateCrashStates(sim.diskRecording())];
    const given = diskSnapshot(sim, { dir: DIR, states });
    const own = diskSnapshot(sim, { dir: DIR });
    expect(given).toEqual(own);
    const capped = diskSnapshot(sim, { dir: DIR, maxStates: 5 });
    expect(capped.crashStates).toEqual({ distinct: 5, complete: false });
    expect(capped.notes.join(' ')).toContain('only up to 5');
  });

  it('cuts long files and the total to budget, and says so', async () => {
    const sim = await walWorkload(30);
    const rec = diskSnapshot(sim, { dir: DIR, maxFileBytes: 100, maxTotalBytes: 250 });
    const carried = rec.blobs.reduce((n, b) => n + Buffer.from(b, 'base64').length, 0);
    expect(carried).toBeLessThanOrEqual(250);
    expect(rec.blobs.every((b) => Buffer.from(b, 'base64').length <= 100)).toBe(true);
    expect(rec.notes.some((n) => n.includes('only its first 100 bytes'))).toBe(true);
    expect(rec.notes.some((n) => n.includes('at most 250 bytes'))).toBe(true);
    // The view still draws, and says where it lacks bytes.
    const view = buildDiskView('budget', rec);
    expect(diskText(view).join(' ')).toContain('not carried by the report');
  });

  it('sends one trace event through the sandbox sink, and builds nothing without one', async () => {
    const sim = await smallRun();
    expect(() => reportDisk('no sink', sim, { dir: DIR })).not.toThrow();
    const sent: { label: string; records: TraceRecord[] }[] = [];
    (globalThis as { __workbookTraceSink?: unknown }).__workbookTraceSink = (label: string, records: TraceRecord[]) => sent.push({ label, records });
    reportDisk('small run', sim, { dir: DIR });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.label).toBe('small run');
    expect(sent[0]!.records.map((r) => r.kind)).toEqual(['disk']);
    expect(diskSnapshots(sent)).toHaveLength(1);
  });

  it('reports after every run of a machine, a failing run included, and the view keeps the last of each label', async () => {
    const sent: { label: string; records: TraceRecord[] }[] = [];
    (globalThis as { __workbookTraceSink?: unknown }).__workbookTraceSink = (label: string, records: TraceRecord[]) => sent.push({ label, records });
    const seen: number[] = [];
    const sweep = explore({ seeds: 3, label: 'sweep' }, async (sim, seed) => {
      sim.configureDisk({ files: { [`${DIR}/Logfile.1`]: '' } });
      reportDiskAfterRuns('appends', sim, { dir: DIR });
      await sim.run(async (k) => {
        const fd = await k.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
        await k.write(fd, frame(`seed ${seed}`));
        seen.push(seed);
        expect(seed, 'the second seed fails inside the run').toBe(1);
      });
    });
    await expect(sweep).rejects.toThrow(/Seed 2/);
    expect(seen).toEqual([1, 2]);
    const reports = sent.filter((t) => t.records[0]?.kind === 'disk');
    expect(reports.map((t) => t.label)).toEqual(['appends', 'appends']);
    const shown = diskSnapshots(sent);
    expect(shown).toHaveLength(1);
    const view = buildDiskView(shown[0]!.label, shown[0]!.record);
    expect(view.rows[0]!.records.map((r) => r.preview)).toEqual(['seed 2']); // the failing seed's disk
    expect(() => reportDiskAfterRuns('x', {} as Sim)).toThrow(/must be the Sim/);
    delete (globalThis as { __workbookTraceSink?: unknown }).__workbookTraceSink;
    expect(() => reportDisk('x', quiet(), { dir: 'data/db' }), 'checked without a sink too').toThrow(/absolute/);
  });

  it('rejects a wrong argument clearly, and reports a machine that never touched its disk', () => {
    expect(() => diskSnapshot({} as Sim)).toThrow(/must be the Sim/);
    expect(() => diskSnapshot(quiet(), { dir: 'data' })).toThrow(/absolute/);
    const rec = diskSnapshot(quiet());
    expect(rec.files).toEqual([]);
    expect(rec.notes).toEqual(['this machine never used its file system']);
    expect(rec.crashPoints).toBeUndefined();
  });
});

describe('disk view', () => {
  it('builds rows: states, records durable or not, the version pointer and the current generation', async () => {
    const view = buildDiskView('small run', diskSnapshot(await smallRun(), { dir: DIR }));
    const rows = new Map(view.rows.map((r) => [r.name, r]));
    expect([...rows.values()].map((r) => [r.name, r.state])).toEqual([
      ['Logfile.1', 'unsynced'],
      ['Snapshot.1', 'removed'],
      ['Snapshot.2', 'new'],
      ['Version_Number', 'synced'],
    ]);
    const log = rows.get('Logfile.1')!;
    expect(log.records.map((r) => [r.index, r.durability])).toEqual([[0, 'durable'], [1, 'durable'], [2, 'cache']]);
    expect(log.records[0]!.preview).toBe('["alice","100"]');
    expect(log.records[2]!.preview).toMatch(/^\["carol","c+…$/);
    expect(log.durableContent).toMatchObject({ kind: 'records', log: { tail: 'clean' } });
    expect(view.version).toEqual({ name: 'Version_Number', text: '1', generation: 1 });
    expect(view.rows.filter((r) => r.current).map((r) => r.name)).toEqual(['Logfile.1']); // Snapshot.1 is unlinked
    expect(view.maxSize).toBe(log.cache!.size);
  });

  it('says what recovery sees at each crash point, torn tails included', async () => {
    const view = buildDiskView('small run', diskSnapshot(await smallRun(), { dir: DIR }));
    const afterSecondSync = view.points.filter((p) => p.barrier)[1]!;
    expect(afterSecondSync.label).toMatch(/^after op \d+ of \d+: fdatasync Logfile\.1$/);
    expect(afterSecondSync.sees).toBe('Logfile.1: 2 records; Snapshot.1: 1 record; Version_Number: "1"');
    expect(view.points[0]!.label).toBe('before any disk operation');
    expect(view.points[0]!.sees).toBe('Logfile.1: empty; Snapshot.1: 1 record; Version_Number: "1"');
    const torn = view.points.flatMap((p) => p.examples).find((e) => e.description.includes('torn:'))!;
    expect(torn.sees).toMatch(/Logfile\.1: 2 records \+ \d+ bytes of an unfinished append \(torn tail\)/);
    expect(pointText(afterSecondSync)).toBe(`Power cut ${afterSecondSync.label}. Recovery sees: ${afterSecondSync.sees}.`);
  });

  it('shows a hole left by a failed fdatasync as corruption on the disk', async () => {
    const sim = quiet().configureDisk({ files: { [`${DIR}/Logfile.1`]: '' }, faults: { fsyncEio: { path: `${DIR}/Logfile.1`, nth: 2 } } });
    await sim.run(async (k) => {
      const log = await k.open(`${DIR}/Logfile.1`, O_WRONLY | O_APPEND);
      for (const v of ['one', 'two', 'three']) {
        await k.write(log, frame(v));
        await k.fdatasync(log).catch(() => undefined);
      }
    });
    const view = buildDiskView('eio', diskSnapshot(sim, { dir: DIR }));
    const log = view.rows[0]!;
    expect(log.records.map((r) => r.durability)).toEqual(['durable', 'cache', 'durable']);
    expect(log.durableContent).toMatchObject({ kind: 'records', log: { tail: 'corrupt' } });
    expect(diskText(view).join(' ')).toContain('mid-log corruption');
    expect(view.points).toEqual([]); // not recorded: no slider
    expect(diskMarkup(view, 'x')).not.toContain('type="range"');
  });

  it('draws the table, records, slider and live region as escaped markup', async () => {
    const view = buildDiskView('small <run>', diskSnapshot(await smallRun(), { dir: DIR }));
    const html = diskMarkup(view, 'dk-t');
    expect(html.match(/<tr class="dk-row /g)).toHaveLength(4);
    expect(html).toContain('dk-row--removed');
    expect(html).toMatch(/aria-label="\d+ bytes in the page cache, \d+ on the disk, \d+ not yet synced"/);
    expect(html).toContain('fill="url(#dk-t-hatch)"');
    expect(html).toContain('&lt;b&gt;50&lt;/b&gt;');
    expect(html).not.toContain('<b>50');
    expect(html).toContain(`type="range" min="0" max="${view.points.length - 1}"`);
    expect(html).toContain(`value="${view.points.length - 1}"`);
    expect(html).toContain('aria-live="polite"');
    expect(html).toContain(`aria-valuetext="${view.points.at(-1)!.label}"`);
    expect(html.match(/<option value="\d+"><\/option>/g)!.length).toBe(view.points.filter((p) => p.barrier).length + 2);
    expect(html).toContain('Version pointer <code>Version_Number</code> = <strong>&quot;1&quot;</strong>: generation 1 is current');
    expect(html).toContain('dk-rec--cache');
    expect(html).not.toMatch(/NaN|undefined/);
    expect(html).toMatch(/<p class="dk-example-what">Power cut after #\d+ [^<]*\. (Lost|Torn|Every)/);
    const panel = pointPanel(view, 0);
    expect(panel).toContain('If only what was synced survives');
    expect(panel).not.toMatch(/NaN|undefined/);
  });

  it('draws no slider when the recorded run wrote nothing', async () => {
    const sim = quiet().configureDisk({ record: true, files: { [`${DIR}/Logfile.1`]: frame('kept') } });
    await sim.run(async (k) => {
      await k.open(`${DIR}/Logfile.1`, O_RDONLY);
    });
    const view = buildDiskView('read only', diskSnapshot(sim, { dir: DIR }));
    expect(view.points.map((p) => p.sees)).toEqual(['Logfile.1: 1 record']);
    const html = diskMarkup(view, 'ro');
    expect(html).not.toContain('type="range"');
    expect(html).toContain('The run issued no disk operation');
    expect(diskText(view)).toContain('0 disk operations were recorded; 1 crash point is shown, out of 1 distinct disk a power cut could leave.');
  });

  it('says the same in words', async () => {
    const view = buildDiskView('small run', diskSnapshot(await smallRun(), { dir: DIR }));
    const text = diskText(view);
    expect(text[0]).toBe('Under /data/db at the end of “small run”: 4 files; 3 names differ between the page cache and the disk.');
    expect(text[1]).toBe('Version_Number holds "1": generation 1 is current.');
    const log = text.find((t) => t.startsWith('Logfile.1'))!;
    expect(log).toMatch(/^Logfile\.1 \(current generation\): \d+ B in the page cache, \d+ B on the disk; \d+ bytes not yet synced \(bytes \d+–\d+\)\. It holds 3 records\./);
    expect(log).toContain('2 of its 3 records are on the disk; record #2 is only in the page cache.');
    expect(text.find((t) => t.startsWith('Snapshot.1'))).toContain('removed in the page cache, but still on the disk');
    expect(text.find((t) => t.startsWith('Snapshot.2'))).toContain('its name has not reached the disk');
    expect(text.filter((t) => t.startsWith('Power cut '))).toHaveLength(view.points.length);
  });

  it('reads names and bytes sensibly: text, damaged logs, binary, missing bytes; and survives a malformed report', () => {
    const b = (data: Uint8Array | string, size?: number) => {
      const shown = typeof data === 'string' ? enc.encode(data) : data;
      return { size: size ?? shown.length, shown };
    };
    expect(classify('Version_Number', b('12'))).toEqual({ kind: 'text', text: '12' });
    expect(classify('notes.txt', b('x'.repeat(100)))).toEqual({ kind: 'text', text: `${'x'.repeat(64)}…` });
    expect(classify('Logfile.2', b(new Uint8Array(600)))).toMatchObject({ kind: 'records', log: { tail: 'torn', records: [] } });
    expect(classify('blob.bin', b(new Uint8Array([0, 1, 2, 255])))).toEqual({ kind: 'bytes', preview: '00 01 02 ff' });
    expect(classify('Logfile.2', b(new Uint8Array(0), 40))).toEqual({ kind: 'unknown' });
    expect(classify('Snapshot.3', b(frame('[]')))).toMatchObject({ kind: 'records', log: { tail: 'clean', records: [{ length: 2 }] } });
    const broken = { kind: 'disk', seq: 0, timeMs: 0, pid: 0, dir: DIR, files: [{ name: 'x', cache: { size: 3, blob: 0 } }], blobs: ['%%%'], notes: [], crashPoints: [{ op: 0 }] } as unknown as DiskRecord;
    const view = buildDiskView('broken', broken);
    expect(view.notes).toContain('blob 0 of the report is not valid base64');
    expect(diskMarkup(view, 'b')).not.toMatch(/NaN|undefined/);
  });

  it('stays hidden for runs without a disk snapshot', () => {
    const host = { ownerDocument: null } as unknown as HTMLElement; // never touched when there is nothing to draw
    expect(renderDisk(host, [{ type: 'trace', label: 'processes', records: [] }])).toBe(false);
  });

  it('builds the view of a 50-update workload well under 100 ms, from a report of bounded size', async () => {
    const sim = await walWorkload(50);
    const rec = JSON.parse(JSON.stringify(diskSnapshot(sim, { dir: DIR }))) as DiskRecord;
    const json = JSON.stringify(rec).length;
    expect(json).toBeLessThan(80_000);
    const times: number[] = [];
    let view = buildDiskView('workload', rec);
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      view = buildDiskView('workload', rec);
      diskMarkup(view, 'p');
      diskText(view);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(100);
    expect(view.points).toHaveLength(60);
    expect(view.version?.generation).toBe(5);
    const current = view.rows.find((r) => r.name === 'Logfile.5')!;
    expect(current.records.map((r) => r.durability)).toEqual(['durable', 'durable', 'cache']);
    console.info(`disk report: ${json} bytes of JSON, ${rec.blobs.length} blobs, ${rec.crashStates!.distinct} crash states; view built in ${times[2]!.toFixed(1)} ms (median of 5)`);
  });
});
