/**
 * Test helpers exercises import as `simos/testing`: sweep seeds so a race shows up
 * deterministically, and when a seed fails, say which seed and show the trace around it so the
 * learner can replay exactly that run.
 */
import { enumerateCrashStates, type CrashState } from './crash.ts';
import { DiskImage } from './disk-image.ts';
import { DiskState, isBarrier } from './disk.ts';
import './power.ts';
import { Sim, type ProcessInfo, type SimOptions } from './sim.ts';
import { cloneableRecords, type DiskBytes, type DiskCrashFile, type DiskCrashPoint, type DiskFileSnapshot, type DiskSnapshotRecord, type TraceRecord } from './trace.ts';
import type { DiskRecording, RecordedOp, Vfs } from './vfs.ts';

export interface ExploreOptions extends Omit<SimOptions, 'seed'> {
  /** How many seeds to try (1..n), or exactly which. Default 50. */
  seeds?: number | number[];
  /** How many trace lines a failure shows. Default 40. */
  traceLines?: number;
  /** Name for the visualiser's trace tab. */
  label?: string;
}

type TraceSink = (label: string, records: TraceRecord[]) => void;

/** Past this many records a reported trace keeps every kernel event but only the last system calls. */
const REPORT_RECORDS_MAX = 10_000;
const REPORT_SYSCALLS_KEPT = 2_000;

/** Hand a run's trace to whoever draws it (the sandbox installs the sink; in plain Node there is none). */
export function reportTrace(label: string, records: readonly TraceRecord[]): void {
  const sink = (globalThis as { __workbookTraceSink?: TraceSink }).__workbookTraceSink;
  if (!sink) return;
  let kept = records;
  if (records.length > REPORT_RECORDS_MAX) {
    // Long runs (a WAL workload) would make the page slow; the views need the events most.
    const cut = records.length - REPORT_SYSCALLS_KEPT;
    kept = records.filter((r, i) => r.kind === 'event' || i >= cut);
  }
  sink(label, cloneableRecords(kept));
}

/**
 * Run `body` once per seed, each with a fresh Sim. The first failing seed stops the sweep; its
 * error gains the seed and the end of that run's trace. The trace of the failing run (or of the
 * last run, when all pass) goes to the visualiser.
 */
export async function explore(opts: ExploreOptions, body: (sim: Sim, seed: number) => Promise<void>): Promise<void> {
  const { seeds = 50, traceLines = 40, label = 'simos run', ...simOpts } = opts;
  const list = typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i + 1) : seeds;
  let last: Sim | undefined;
  for (const seed of list) {
    // Exercise scenarios are small; a lower step limit stops a livelocked solution in well under a second.
    const sim = new Sim({ console: () => {}, ...simOpts, limits: { maxSteps: 20_000, ...simOpts.limits }, seed });
    last = sim;
    try {
      await body(sim, seed);
    } catch (e) {
      reportTrace(`${label} (seed ${seed}, failed)`, sim.trace);
      throw withSeed(e, sim, seed, list.length, traceLines);
    }
  }
  if (last) reportTrace(`${label} (seed ${last.seed})`, last.trace);
}

/** Add the seed, the crashes and the trace tail to an error, keeping its class and diff. */
function withSeed(e: unknown, sim: Sim, seed: number, count: number, traceLines: number): unknown {
  const crashes = sim.kernel.crashes.map((c) => `  pid ${c.pid} threw: ${c.error instanceof Error ? c.error.message : String(c.error)}`);
  const head = `Seed ${seed} (of ${count} tried) fails: replay it with { seeds: [${seed}] }.`;
  const tail = [
    crashes.length ? `\nUncaught errors inside simulated processes:\n${crashes.join('\n')}` : '',
    `\nLast system calls of that run (virtual time, pid, call = result):\n${sim.traceText({ last: traceLines })}`,
  ].join('');
  if (e instanceof Error) {
    e.message = `${head}\n${e.message}${tail}`;
    return e;
  }
  return new Error(`${head}\n${String(e)}${tail}`);
}

/** One line per process, for failure messages: `pid 5 (worker) alive, parent 1, group 5, session 2`. */
export function describeProcesses(procs: readonly ProcessInfo[]): string {
  if (procs.length === 0) return '  (none)';
  return procs
    .map((p) => `  pid ${p.pid} (${p.program}) ${p.state}, parent ${p.ppid}, group ${p.pgid}, session ${p.sid}`)
    .join('\n');
}

// ---------------------------------------------------------------- the disk view's report

export interface DiskReportOptions {
  /** The directory to show, with everything under it. Default `/data`. */
  dir?: string;
  /** Crash points to keep for the slider, at most (always the first and last; then sync points; then evenly). Default 60. */
  maxPoints?: number;
  /** The crash states of this sim's recording, when the test enumerated them already (saves doing it twice). */
  states?: Iterable<CrashState>;
  /** When `states` is not given: enumerate at most this many. Default 5000. */
  maxStates?: number;
  /** Example crash disks kept per point. Default 2. */
  examplesPerPoint?: number;
  /** Bytes of one file carried, at most; sizes are always exact. Default 16 KiB. */
  maxFileBytes?: number;
  /** Bytes of all file contents carried, at most. Default 256 KiB. */
  maxTotalBytes?: number;
  /** Names listed under `dir` per image, at most. Default 100. */
  maxNames?: number;
}

/**
 * Show the disk of `sim` in the exercise's disk view: the files under `opts.dir` as processes
 * see them (page cache) and as a power cut would leave them, and — when the run was recorded
 * (`configureDisk({ record: true })`) — a sample of crash points with what a reboot would find.
 * Costs nothing where no one draws it (plain vitest): the snapshot is only built for a sink.
 */
export function reportDisk(label: string, sim: Sim, opts: DiskReportOptions = {}): void {
  reportedDir(sim, opts); // a wrong argument fails under plain vitest too, not only in the page
  const sink = (globalThis as { __workbookTraceSink?: TraceSink }).__workbookTraceSink;
  if (!sink) return;
  sink(label, [diskSnapshot(sim, opts)]);
}

/**
 * `reportDisk` at the end of every `sim.run` of this machine, whether the run passed, failed
 * (a failed expect inside it rejects the run) or was stopped: one line before the run, and a
 * failing test still shows its disk. The view keeps the last report of each label, so a seed
 * sweep shows the failing seed's disk, or the last seed's when all pass, like `explore`'s trace.
 */
export function reportDiskAfterRuns(label: string, sim: Sim, opts: DiskReportOptions = {}): void {
  reportedDir(sim, opts); // checked now: a throw after the run would hide the run's own error
  const run = sim.run;
  const reporting = async function (this: Sim, ...args: Parameters<Sim['run']>) {
    try {
      return await run.apply(this, args);
    } finally {
      reportDisk(label, sim, opts);
    }
  } as Sim['run'];
  Object.defineProperty(sim, 'run', { value: reporting, configurable: true, writable: true });
}

/** The record `reportDisk` sends (exported for tests of the disk view). Never throws for a valid Sim. */
export function diskSnapshot(sim: Sim, opts: DiskReportOptions = {}): DiskSnapshotRecord {
  const dir = reportedDir(sim, opts);
  const record: DiskSnapshotRecord = { kind: 'disk', seq: sim.trace.length, timeMs: sim.nowMs, pid: 0, dir, files: [], blobs: [], notes: [] };
  const vfs = sim.kernel.ext.vfs as Vfs | undefined;
  if (!vfs) {
    record.notes.push('this machine never used its file system');
    return record;
  }
  const blobs = new BlobTable(opts.maxFileBytes ?? 16_384, opts.maxTotalBytes ?? 262_144);
  const maxNames = opts.maxNames ?? 100;
  const notes = new Set<string>();
  try {
    record.files = fileViews(sim.diskImage('cache'), sim.diskImage('durable'), dir, blobs, maxNames, notes);
    if (vfs.recording) {
      const rec = vfs.recording;
      record.ops = rec.ops.length;
      const { points, crashStates } = crashPoints(rec, dir, opts, blobs, maxNames, notes);
      record.crashPoints = points;
      record.crashStates = crashStates;
    }
  } catch (e) {
    record.error = e instanceof Error ? e.message : String(e);
  }
  record.blobs = blobs.encoded();
  record.notes = [...notes, ...blobs.notes.values()];
  return record;
}

/** The directory to report, after checking the arguments a test passed. */
function reportedDir(sim: unknown, opts: DiskReportOptions): string {
  if (!(sim instanceof Sim)) throw new TypeError(`reportDisk(label, sim): the second argument must be the Sim whose disk to show, got ${typeof sim}`);
  const dir = (opts.dir ?? '/data').replace(/\/+$/, '') || '/';
  if (!dir.startsWith('/')) throw new TypeError(`reportDisk: dir must be an absolute path, got ${JSON.stringify(opts.dir)}`);
  return dir;
}

type Named = { name: string; type?: 'dir' | 'symlink'; data?: Uint8Array };

/** Every name under `dir` in `img` (relative to it), sorted, directories before what they hold. */
function namesUnder(img: DiskImage, dir: string, max: number, notes: Set<string>): Named[] {
  const out: Named[] = [];
  const visit = (at: string, prefix: string): void => {
    for (const entry of img.list(at) ?? []) {
      if (out.length >= max) {
        notes.add(`only the first ${max} names under ${dir} are shown`);
        return;
      }
      const path = at === '/' ? `/${entry}` : `${at}/${entry}`;
      const name = prefix + entry;
      const data = img.readFile(path);
      if (data) out.push({ name, data });
      else if (img.list(path)) {
        out.push({ name, type: 'dir' });
        visit(path, `${name}/`);
      } else out.push({ name, type: 'symlink' });
    }
  };
  visit(dir, '');
  return out;
}

function fileViews(cache: DiskImage, durable: DiskImage, dir: string, blobs: BlobTable, max: number, notes: Set<string>): DiskFileSnapshot[] {
  const inCache = new Map(namesUnder(cache, dir, max, notes).map((n) => [n.name, n]));
  const onDisk = new Map(namesUnder(durable, dir, max, notes).map((n) => [n.name, n]));
  const names = [...new Set([...inCache.keys(), ...onDisk.keys()])].sort();
  return names.map((name) => {
    const c = inCache.get(name);
    const d = onDisk.get(name);
    const view: DiskFileSnapshot = { name };
    const type = (c ?? d)!.type;
    if (type) view.type = type;
    if (c) view.cache = c.data ? blobs.add(name, c.data) : { size: 0 };
    if (d) view.durable = d.data ? blobs.add(name, d.data) : { size: 0 };
    if (c?.data) {
      const dirty = dirtyRanges(c.data, d?.data ?? null);
      if (dirty.length) view.dirty = dirty;
    }
    return view;
  });
}

const MAX_DIRTY_RANGES = 32;

/** Where `cache` differs from `durable` (bytes, or one being longer), as merged [start, end) ranges. */
function dirtyRanges(cache: Uint8Array, durable: Uint8Array | null): [number, number][] {
  const d = durable ?? new Uint8Array(0);
  const end = Math.max(cache.length, durable ? d.length : 0);
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= end; i++) {
    const differs = i < end && (i >= cache.length || i >= d.length || cache[i] !== d[i]);
    if (differs && start < 0) start = i;
    else if (!differs && start >= 0) {
      if (out.length === MAX_DIRTY_RANGES) out[out.length - 1]![1] = i; // too many: the last range covers the rest
      else out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

/** File contents, each stored once: a content that is a prefix of another shares its blob. */
class BlobTable {
  readonly #blobs: Uint8Array[] = [];
  #total = 0;
  /** One note per file cut short, and one for the budget. */
  readonly notes = new Map<string, string>();

  constructor(
    readonly maxFile: number,
    readonly maxTotal: number,
  ) {}

  add(path: string, data: Uint8Array): DiskBytes {
    const size = data.length;
    if (size === 0) return { size };
    const kept = size > this.maxFile ? data.subarray(0, this.maxFile) : data;
    if (kept.length < size) this.notes.set(path, `${path}: only its first ${this.maxFile} bytes are shown`);
    for (let i = 0; i < this.#blobs.length; i++) {
      const b = this.#blobs[i]!;
      if (kept.length <= b.length) {
        if (isPrefix(kept, b)) return { size, blob: i };
      } else if (isPrefix(b, kept) && this.#fits(kept.length - b.length)) {
        this.#blobs[i] = kept.slice(); // every earlier reference names a prefix, which stays the same
        this.#total += kept.length - b.length;
        return { size, blob: i };
      }
    }
    if (!this.#fits(kept.length)) {
      this.notes.set('', `the report carries at most ${this.maxTotal} bytes of file contents; some contents are left out`);
      return { size };
    }
    this.#blobs.push(kept.slice());
    this.#total += kept.length;
    return { size, blob: this.#blobs.length - 1 };
  }

  #fits(more: number): boolean {
    return this.#total + more <= this.maxTotal;
  }

  encoded(): string[] {
    return this.#blobs.map(base64);
  }
}

function isPrefix(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The points of the run to show: the first and the last, then sync barriers (where an
 * acknowledgement becomes true), then the rest, each tier thinned evenly to fit `max`.
 */
export function sampleCrashPoints(ops: readonly RecordedOp[], max: number): number[] {
  const n = ops.length;
  const all = Array.from({ length: n + 1 }, (_, p) => p);
  if (n + 1 <= max) return all;
  const chosen = new Set([0, n]);
  const tiers = [all.filter((p) => p > 0 && isBarrier(ops[p - 1]!.op)), all];
  for (const tier of tiers) {
    const room = max - chosen.size;
    if (room <= 0) break;
    const candidates = tier.filter((p) => !chosen.has(p));
    if (candidates.length <= room) candidates.forEach((p) => chosen.add(p));
    else for (let i = 0; i < room; i++) chosen.add(candidates[Math.round((i * (candidates.length - 1)) / Math.max(1, room - 1))]!);
  }
  return [...chosen].sort((a, b) => a - b);
}

function crashPoints(
  rec: DiskRecording,
  dir: string,
  opts: DiskReportOptions,
  blobs: BlobTable,
  maxNames: number,
  notes: Set<string>,
): { points: DiskCrashPoint[]; crashStates: { distinct: number; complete: boolean } } {
  const kept = sampleCrashPoints(rec.ops, Math.max(2, opts.maxPoints ?? 60));
  if (kept.length < rec.ops.length + 1) notes.add(`${kept.length} of the run's ${rec.ops.length + 1} crash points are shown`);
  const crashFiles = (img: DiskImage): DiskCrashFile[] =>
    namesUnder(img, dir, maxNames, notes).map((n) => (n.data ? { name: n.name, ...blobs.add(n.name, n.data) } : { name: n.name, type: n.type, size: 0 }));

  // What certainly survives at each kept point: replay the operations and keep only the synced state.
  const disks = rec.initial.devices.map((d) => new DiskState(d));
  const byDev = new Map(disks.map((d) => [d.dev, d]));
  const points: DiskCrashPoint[] = [];
  let next = 0;
  for (let p = 0; p <= rec.ops.length; p++) {
    const r = rec.ops[p - 1];
    if (r) byDev.get(r.op.dev)?.issue(r.seq, r.op);
    if (kept[next] !== p) continue;
    next++;
    const image = new DiskImage(disks.map((d) => d.freeze(d.build([]))));
    points.push({
      op: p,
      what: r ? r.what : 'before any disk operation',
      timeMs: r?.timeMs ?? 0,
      pid: r?.pid ?? 0,
      barrier: r ? isBarrier(r.op) : false,
      files: crashFiles(image),
      possible: 0,
      examples: [],
    });
  }

  // What else a cut could leave, from the enumerator: counted per stretch between kept points,
  // with a few examples (a torn write first, then a lost one, then one where everything landed).
  const limit = opts.states ? Infinity : (opts.maxStates ?? 5_000);
  const perExample = opts.examplesPerPoint ?? 2;
  const candidates = points.map(() => new Map<string, CrashState>());
  let distinct = 0;
  let complete = true;
  let at = 0;
  for (const state of opts.states ?? enumerateCrashStates(rec)) {
    if (distinct >= limit) {
      complete = false;
      notes.add(`the crash states were counted only up to ${limit}`);
      break;
    }
    distinct++;
    if (points[at]!.op < state.point || (at > 0 && points[at - 1]!.op >= state.point)) at = points.findIndex((q) => q.op >= state.point);
    if (at < 0) {
      at = 0;
      continue;
    }
    points[at]!.possible++;
    const kind = /\btorn: /.test(state.description) ? 'torn' : /\blost: /.test(state.description) ? 'lost' : 'landed';
    const seen = candidates[at]!;
    if (!seen.has(kind)) seen.set(kind, state);
  }
  points.forEach((point, i) => {
    const same = JSON.stringify(point.files);
    for (const kind of ['torn', 'lost', 'landed']) {
      const state = candidates[i]!.get(kind);
      if (!state || point.examples.length >= perExample) continue;
      const files = crashFiles(state.image);
      if (JSON.stringify(files) === same) continue;
      point.examples.push({ op: state.point, description: state.description, files });
    }
  });
  return { points, crashStates: { distinct, complete } };
}

export { Sim };
