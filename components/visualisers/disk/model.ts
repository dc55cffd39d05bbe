/**
 * From a disk snapshot (simos/testing `reportDisk`) to what the disk view shows: each file under
 * the database directory with its page-cache and durable sizes and the byte ranges not yet synced,
 * what it holds (log records with which of them are durable, the version pointer as text, other
 * bytes as a preview), and, for each sampled crash point, what a reboot would find there.
 * Pure data, no DOM: the markup and the text alternative both read it.
 */
import type { TraceRecord } from '../../../sandboxes/protocol.ts';
import { decodeLog, recordAt, type DecodedLog } from './log-decoder.ts';

export type DiskRecord = Extract<TraceRecord, { kind: 'disk' }>;
type SnapshotBytes = NonNullable<DiskRecord['files'][number]['cache']>;
type CrashFile = NonNullable<DiskRecord['crashPoints']>[number]['files'][number];

/** A file's size and the bytes of it the report carried (a prefix; all of it when `shown.length === size`). */
export interface Bytes {
  size: number;
  shown: Uint8Array;
}

export type Content =
  | { kind: 'empty' }
  /** Short readable text, such as a version number. */
  | { kind: 'text'; text: string }
  /** Framed log records (the WAL module's format). */
  | { kind: 'records'; log: DecodedLog }
  /** Anything else: a hex preview of the first bytes. */
  | { kind: 'bytes'; preview: string }
  /** The report left these bytes out (its size budget). */
  | { kind: 'unknown' }
  | { kind: 'dir' }
  | { kind: 'symlink' };

/** One record of a log in the final state, and how much of it is on the disk. */
export interface RecordRow {
  index: number;
  offset: number;
  end: number;
  length: number;
  /** The payload as short text (JSON stays JSON) or hex. */
  preview: string;
  /** On the disk byte for byte, or not (then recovery cannot read it back as this record). */
  durability: 'durable' | 'cache';
  afterDamage: boolean;
}

export interface FileRow {
  name: string;
  type?: 'dir' | 'symlink';
  cache?: Bytes;
  durable?: Bytes;
  /** Byte ranges [start, end) that differ between page cache and disk. */
  dirty: [number, number][];
  dirtyBytes: number;
  /** synced: cache and disk agree; unsynced: they differ; new: only in the cache; removed: only on the disk. */
  state: 'synced' | 'unsynced' | 'new' | 'removed';
  /** What the page cache holds (the disk's when the name is gone from the cache). */
  content: Content;
  /** What the disk holds, when it differs from `content`. */
  durableContent?: Content;
  records: RecordRow[];
  /** The generation the name ends in (`Logfile.3` -> 3). */
  generation?: number;
  /** It belongs to the generation the version pointer names. */
  current: boolean;
}

export interface CrashFileView {
  name: string;
  type?: 'dir' | 'symlink';
  size: number;
  content: Content;
  current: boolean;
}

export interface VersionPointer {
  name: string;
  text: string;
  generation?: number;
}

export interface PointView {
  op: number;
  /** `after op 37 of 158: fdatasync Logfile.3`. */
  label: string;
  what: string;
  timeMs: number;
  pid: number;
  barrier: boolean;
  files: CrashFileView[];
  version?: VersionPointer;
  /** What recovery finds, in one line. */
  sees: string;
  possible: number;
  examples: { op: number; description: string; files: CrashFileView[]; sees: string }[];
}

export interface DiskView {
  label: string;
  dir: string;
  rows: FileRow[];
  version?: VersionPointer;
  /** The largest size in the table, for drawing bars to one scale. */
  maxSize: number;
  ops?: number;
  points: PointView[];
  crashStates?: { distinct: number; complete: boolean };
  notes: string[];
  error?: string;
}

/**
 * The disk snapshots among a run's traces, in order, the last one of each label only: a test
 * that reports once per seed (reportDiskAfterRuns inside explore) shows the seed that failed, or
 * the last one when all passed.
 */
export function diskSnapshots(traces: readonly { label: string; records: readonly TraceRecord[] }[]): { label: string; record: DiskRecord }[] {
  const byLabel = new Map<string, DiskRecord>();
  for (const t of traces) for (const r of t.records) if (r.kind === 'disk') byLabel.set(t.label, r);
  return [...byLabel].map(([label, record]) => ({ label, record }));
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const MAX_TEXT = 64;
const PRINTABLE = /^[\x20-\x7e\t\n\r\u00a0-\uffff]*$/u;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | null {
  try {
    const text = utf8.decode(bytes);
    return PRINTABLE.test(text) ? text : null;
  } catch {
    return null;
  }
}

export function hex(bytes: Uint8Array, max = 16): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} …` : shown;
}

const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/** What a file holds, judged from its name and bytes. */
export function classify(name: string, bytes: Bytes): Content {
  if (bytes.size === 0) return { kind: 'empty' };
  if (bytes.shown.length === 0) return { kind: 'unknown' };
  const records = (): Content => ({ kind: 'records', log: decodeLog(bytes.shown, bytes.size) });
  if (recordAt(bytes.shown, 0) >= 0) return records();
  const text = asText(bytes.shown);
  // A log whose first record is damaged still reads as a log when its name says so, unless it is plain text.
  if (text === null && /log/i.test(baseName(name))) return records();
  if (text !== null && bytes.size <= MAX_TEXT && bytes.shown.length === bytes.size) return { kind: 'text', text };
  if (text !== null) return { kind: 'text', text: `${text.slice(0, MAX_TEXT)}…` };
  return { kind: 'bytes', preview: hex(bytes.shown) };
}

/** A payload as one short line: readable text as it is, anything else in hex. */
export function payloadPreview(payload: Uint8Array, max = 48): string {
  const text = asText(payload);
  if (text === null) return `0x ${hex(payload, 12)}`;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function versionOf(name: string, content: Content): VersionPointer | undefined {
  if (!/version/i.test(baseName(name)) || content.kind !== 'text') return undefined;
  const trimmed = content.text.trim();
  return /^\d+$/.test(trimmed) ? { name, text: content.text, generation: Number(trimmed) } : { name, text: content.text };
}

const generationOf = (name: string): number | undefined => {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
};

function overlap(a: number, b: number, ranges: readonly [number, number][]): number {
  let n = 0;
  for (const [s, e] of ranges) n += Math.max(0, Math.min(b, e) - Math.max(a, s));
  return n;
}

/** Build the view of one snapshot. Bad or partial records give a view with an error, never a throw. */
export function buildDiskView(label: string, record: DiskRecord): DiskView {
  const notes = [...(record.notes ?? [])];
  const blobs: Uint8Array[] = [];
  const blob = (i: number | undefined): Uint8Array => {
    if (i === undefined || record.blobs?.[i] === undefined) return new Uint8Array(0);
    try {
      return (blobs[i] ??= fromBase64(record.blobs[i]!));
    } catch {
      notes.push(`blob ${i} of the report is not valid base64`);
      return (blobs[i] = new Uint8Array(0));
    }
  };
  const bytesOf = (b: SnapshotBytes): Bytes => ({ size: b.size, shown: blob(b.blob).subarray(0, b.size) });
  // Contents repeat across crash points; decode each (name, blob, size) once.
  const contents = new Map<string, Content>();
  const contentOf = (name: string, b: SnapshotBytes): Content => {
    const key = `${name}\u0000${b.blob ?? -1}\u0000${b.size}`;
    let c = contents.get(key);
    if (!c) contents.set(key, (c = classify(name, bytesOf(b))));
    return c;
  };

  const dir = record.dir;
  const rows: FileRow[] = (record.files ?? []).map((f) => {
    const cache = f.cache && bytesOf(f.cache);
    const durable = f.durable && bytesOf(f.durable);
    const dirty = f.dirty ?? [];
    const dirtyBytes = dirty.reduce((n, [s, e]) => n + (e - s), 0);
    const state: FileRow['state'] = !f.durable ? 'new' : !f.cache ? 'removed' : dirtyBytes > 0 ? 'unsynced' : 'synced';
    const special: Content | undefined = f.type === 'dir' ? { kind: 'dir' } : f.type === 'symlink' ? { kind: 'symlink' } : undefined;
    const content = special ?? contentOf(f.name, (f.cache ?? f.durable)!);
    const row: FileRow = { name: f.name, dirty, dirtyBytes, state, content, records: [], current: false };
    if (f.type) row.type = f.type;
    if (cache) row.cache = cache;
    if (durable) row.durable = durable;
    if (!special && state === 'unsynced') row.durableContent = contentOf(f.name, f.durable!);
    const generation = generationOf(f.name);
    if (generation !== undefined) row.generation = generation;
    if (content.kind === 'records') {
      row.records = content.log.records.map((r, index) => {
        const unsynced = state === 'new' ? r.end - r.offset : state === 'removed' ? 0 : overlap(r.offset, r.end, dirty);
        return {
          index,
          offset: r.offset,
          end: r.end,
          length: r.length,
          preview: payloadPreview(r.payload),
          durability: unsynced === 0 ? 'durable' : 'cache',
          afterDamage: r.afterDamage,
        };
      });
    }
    return row;
  });
  // The pointer the running database uses is the page cache's; a removed one does not count.
  const version = rows.filter((r) => r.state !== 'removed').map((r) => versionOf(r.name, r.content)).find(Boolean);
  if (version?.generation !== undefined) for (const r of rows) r.current = r.generation === version.generation && r.state !== 'removed';
  const maxSize = Math.max(1, ...rows.map((r) => Math.max(r.cache?.size ?? 0, r.durable?.size ?? 0)));

  const crashFiles = (files: readonly CrashFile[]): { files: CrashFileView[]; version?: VersionPointer } => {
    const views = files.map((f): CrashFileView => {
      const content: Content = f.type === 'dir' ? { kind: 'dir' } : f.type === 'symlink' ? { kind: 'symlink' } : contentOf(f.name, f);
      const v: CrashFileView = { name: f.name, size: f.size, content, current: false };
      if (f.type) v.type = f.type;
      return v;
    });
    const pointer = views.map((v) => versionOf(v.name, v.content)).find(Boolean);
    if (pointer?.generation !== undefined) for (const v of views) v.current = generationOf(v.name) === pointer.generation;
    return pointer ? { files: views, version: pointer } : { files: views };
  };
  const strip = (s: string | undefined) => String(s ?? '').split(`${dir === '/' ? '' : dir}/`).join('');
  const ops = record.ops;
  const points: PointView[] = (record.crashPoints ?? []).map((p) => {
    const { files, version: v } = crashFiles(p.files ?? []);
    const what = strip(p.what);
    const point: PointView = {
      op: p.op,
      label: p.op === 0 ? 'before any disk operation' : `after op ${p.op}${ops !== undefined ? ` of ${ops}` : ''}: ${what}`,
      what,
      timeMs: p.timeMs ?? 0,
      pid: p.pid ?? 0,
      barrier: p.barrier === true,
      files,
      sees: describeFiles(files, dir),
      possible: p.possible ?? 0,
      examples: (p.examples ?? []).map((e) => {
        const ex = crashFiles(e.files ?? []).files;
        return { op: e.op, description: strip(e.description), files: ex, sees: describeFiles(ex, dir) };
      }),
    };
    if (v) point.version = v;
    return point;
  });

  const view: DiskView = { label, dir, rows, maxSize, points, notes };
  if (version) view.version = version;
  if (ops !== undefined) view.ops = ops;
  if (record.crashStates) view.crashStates = record.crashStates;
  if (record.error) view.error = record.error;
  return view;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a file holds, in a few words: `5 records + 19 bytes of an unfinished append`, `"2"`. */
export function describeContent(content: Content, size: number): string {
  switch (content.kind) {
    case 'empty':
      return 'empty';
    case 'text':
      return JSON.stringify(content.text.length > 40 ? `${content.text.slice(0, 40)}…` : content.text);
    case 'bytes':
      return `${plural(size, 'byte')}: ${content.preview}`;
    case 'unknown':
      return `${plural(size, 'byte')} (contents not carried by the report)`;
    case 'dir':
      return 'a directory';
    case 'symlink':
      return 'a symbolic link';
    case 'records':
      return describeLog(content.log);
  }
}

export function describeLog(log: DecodedLog): string {
  const before = log.records.filter((r) => !r.afterDamage).length;
  const after = log.records.length - before;
  const parts = [plural(before, 'record')];
  for (const d of log.damage) {
    if (d.kind === 'torn') parts.push(`+ ${plural(d.end - d.start, 'byte')} of an unfinished append (torn tail)`);
    if (d.kind === 'corrupt') parts.push(`+ ${plural(d.end - d.start, 'damaged byte')} at offset ${d.start}`);
    if (d.kind === 'cut') parts.push(`(bytes from ${d.start} on not carried by the report)`);
  }
  if (after > 0) parts.push(`+ ${plural(after, 'record')} after the damage: mid-log corruption`);
  return parts.join(' ');
}

/** One line for a set of files: what recovery finds on a disk. */
export function describeFiles(files: readonly CrashFileView[], dir: string): string {
  if (files.length === 0) return `nothing under ${dir}`;
  return files
    .map((f) => {
      if (f.type === 'dir') return `${f.name}/`;
      if (f.type === 'symlink') return `${f.name} (symlink)`;
      return `${f.name}: ${describeContent(f.content, f.size)}`;
    })
    .join('; ');
}

/** Bytes as `512 B` / `2.0 KiB`. */
export function formatSize(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}
