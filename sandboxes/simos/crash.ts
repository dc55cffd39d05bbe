/**
 * The crash-state enumerator (after ALICE, Pillai et al., OSDI '14): replay the disk operations a
 * run recorded and, at every point of the run, list every distinct disk image a power cut at that
 * point could leave, under the model of disk.ts:
 *
 *   image = everything synced before the point
 *         + for each directory, a prefix of its unsynced name operations
 *         + for each file, a subset of its unsynced writes/truncates (every subset when at most
 *           `maxSubsetOps` are pending, else prefixes), the last chosen write possibly torn at a
 *           sector boundary.
 *
 * Each distinct image (by content: names, types, inode numbers, bytes; not mtimes) is yielded once,
 * at the first point it can occur. A point right after a sync barrier adds nothing new (the images
 * possible there were already possible just before it), so only points after ordinary ops are
 * expanded, and at those only the outcomes that include that op.
 */
import { DiskImage } from './disk-image.ts';
import { DEFAULT_CHOICE_LIMITS, DiskState, isBarrier, streamOf, type ChoiceLimits, type StoredInode, type StreamChoice } from './disk.ts';
import { Rng } from './rng.ts';
import type { DiskRecording } from './vfs.ts';

export interface EnumerateOptions extends Partial<ChoiceLimits> {
  /** Build at most this many combinations at one point; beyond it a seeded sample is tried (stats.sampledPoints). Default 2000. */
  maxCombinationsPerPoint?: number;
  /** Seed for that sample. Default 1. */
  seed?: number;
  /** Also enumerate the pending writes of files no image can reach (same images, more work: for checking the pruning). */
  keepUnreachableStreams?: boolean;
}

export interface CrashState {
  /** How many disk operations of the run were issued before the power cut (0: before the first). */
  point: number;
  /** In words: the last operation before the cut, and which pending ones were lost or torn. */
  description: string;
  /** The disk as the machine finds it on reboot: boot one with `bootSim({ image })`. */
  image: DiskImage;
  /** Content hash (names, types, inode numbers, bytes). */
  hash: string;
}

export interface EnumerationStats {
  /** Points expanded (ordinary ops plus the start). */
  points: number;
  /** Images built and hashed. */
  built: number;
  /** Distinct images yielded. */
  distinct: number;
  /** Points where the combinations were sampled, not exhausted: the enumeration is incomplete there. */
  sampledPoints: number;
}

/** Iterate the crash states of `recording`; `stats` fills in as it goes. */
export class CrashStates implements Iterable<CrashState> {
  readonly stats: EnumerationStats = { points: 0, built: 0, distinct: 0, sampledPoints: 0 };

  constructor(
    readonly recording: DiskRecording,
    readonly opts: EnumerateOptions = {},
  ) {}

  *[Symbol.iterator](): Iterator<CrashState> {
    const limits: ChoiceLimits = { ...DEFAULT_CHOICE_LIMITS, ...definedOnly(this.opts) };
    const cap = this.opts.maxCombinationsPerPoint ?? 2_000;
    const rng = new Rng(this.opts.seed ?? 1);
    const rec = this.recording;
    const disks = rec.initial.devices.map((d) => new DiskState(d));
    const byDev = new Map(disks.map((d) => [d.dev, d]));
    const seen = new Set<string>();
    const stats = this.stats;
    const whatOf = new Map(rec.ops.map((r) => [r.seq, r.what]));

    const emit = (point: number, chosen: Map<DiskState, StreamChoice[]>, last: string): CrashState | null => {
      stats.built++;
      const built = disks.map((d) => d.build(chosen.get(d) ?? []));
      const hash = hashImage(disks, built);
      if (seen.has(hash)) return null;
      seen.add(hash);
      stats.distinct++;
      const image = new DiskImage(disks.map((d, i) => d.freeze(built[i]!)));
      return { point, description: describe(last, disks, chosen, whatOf, !this.opts.keepUnreachableStreams), image, hash };
    };

    stats.points++;
    const first = emit(0, new Map(), 'before any disk operation');
    if (first) yield first;

    for (let i = 0; i < rec.ops.length; i++) {
      const r = rec.ops[i]!;
      const disk = byDev.get(r.op.dev);
      if (!disk) throw new Error(`the recording has an op for device ${r.op.dev}, which is not on its initial image`);
      disk.issue(r.seq, r.op);
      if (isBarrier(r.op)) continue;
      stats.points++;
      // Every outcome that leaves op i out was possible one point earlier: expand only those with it.
      const stream = streamOf(r.op);
      const axes: { disk: DiskState; choices: StreamChoice[] }[] = [];
      for (const d of disks) {
        for (const [s, choices] of d.choices(limits, !this.opts.keepUnreachableStreams)) {
          const mine = d === disk && s === stream;
          axes.push({ disk: d, choices: mine ? choices.filter((c) => c.ops.some((p) => p.seq === r.seq)) : choices });
        }
      }
      const total = axes.reduce((n, a) => n * a.choices.length, 1);
      const combos = total <= cap ? allCombinations(axes.map((a) => a.choices.length), total) : sampleCombinations(axes.map((a) => a.choices.length), cap, rng);
      if (total > cap) stats.sampledPoints++;
      const point = i + 1;
      const last = `after #${point} ${r.what}`;
      for (const combo of combos) {
        const chosen = new Map<DiskState, StreamChoice[]>();
        combo.forEach((k, a) => {
          const axis = axes[a]!;
          let list = chosen.get(axis.disk);
          if (!list) chosen.set(axis.disk, (list = []));
          list.push(axis.choices[k]!);
        });
        const s = emit(point, chosen, last);
        if (s) yield s;
      }
    }
  }
}

/** Every distinct disk image a power cut during the recorded run could leave (see the file comment). */
export function enumerateCrashStates(recording: DiskRecording, opts: EnumerateOptions = {}): CrashStates {
  return new CrashStates(recording, opts);
}

function definedOnly(o: EnumerateOptions): Partial<ChoiceLimits> {
  const out: Partial<ChoiceLimits> = {};
  if (o.maxSubsetOps !== undefined) out.maxSubsetOps = o.maxSubsetOps;
  if (o.maxTearsPerWrite !== undefined) out.maxTearsPerWrite = o.maxTearsPerWrite;
  return out;
}

function* allCombinations(sizes: number[], total: number): Generator<number[]> {
  const idx = sizes.map(() => 0);
  for (let n = 0; n < total; n++) {
    yield idx.slice();
    for (let a = 0; a < sizes.length; a++) {
      if (++idx[a]! < sizes[a]!) break;
      idx[a] = 0;
    }
  }
}

function* sampleCombinations(sizes: number[], count: number, rng: Rng): Generator<number[]> {
  // The two extremes first (nothing pending survived, everything survived), then random picks.
  yield sizes.map(() => 0);
  for (let n = 1; n < count; n++) yield sizes.map((s) => rng.below(s));
}

function describe(last: string, disks: DiskState[], chosen: Map<DiskState, StreamChoice[]>, whatOf: Map<number, string>, prune: boolean): string {
  const lost: string[] = [];
  const torn: string[] = [];
  for (const d of disks) {
    const kept = new Set<number>();
    for (const c of chosen.get(d) ?? []) {
      for (const p of c.ops) kept.add(p.seq);
      const tail = c.ops[c.ops.length - 1];
      if (c.tornBytes !== undefined && tail) torn.push(`${whatOf.get(tail.seq)} (only its first ${c.tornBytes} bytes)`);
    }
    for (const [, ops] of d.relevantStreams(prune)) for (const p of ops) if (!kept.has(p.seq)) lost.push(whatOf.get(p.seq) ?? `op ${p.seq}`);
  }
  const parts = [`power cut ${last}`];
  if (lost.length) parts.push(`lost: ${lost.join('; ')}`);
  if (torn.length) parts.push(`torn: ${torn.join('; ')}`);
  if (!lost.length && !torn.length) parts.push('every issued operation reached the disk');
  return parts.join('. ');
}

// ------------------------------------------------------------------ hashing

/** A content hash of the reachable tree of every device: two 32-bit FNV-1a lanes with different bases. */
function hashImage(disks: DiskState[], built: Map<number, StoredInode>[]): string {
  const h = new Hasher();
  disks.forEach((d, i) => {
    const inodes = built[i]!;
    h.num(d.dev);
    const visited = new Set<number>();
    const walk = (ino: number): void => {
      const node = inodes.get(ino)!;
      h.num(ino);
      if (visited.has(ino)) return; // a second hard link: the ino is enough
      visited.add(ino);
      h.num(node.mode);
      if (node.entries) {
        // Names whose inode never reached the disk are left out, as freeze() leaves them out.
        const names = [...node.entries.keys()].filter((n) => inodes.has(node.entries!.get(n)!)).sort();
        h.num(names.length);
        for (const name of names) {
          h.str(name);
          walk(node.entries.get(name)!);
        }
      } else {
        h.str(node.target);
        const [a, b] = contentHash(node);
        h.num(node.size);
        h.num(a);
        h.num(b);
      }
    };
    walk(d.image.rootIno);
  });
  return h.digest();
}

function contentHash(node: StoredInode): [number, number] {
  if (node.hashedVersion !== node.version) {
    let a = 0x811c9dc5;
    let b = 0x5bd1e995;
    const buf = node.buf;
    const words = buf.byteOffset % 4 === 0 ? node.size >> 2 : 0;
    // Four bytes at a time where the buffer allows it, then the tail byte by byte.
    const w32 = new Int32Array(buf.buffer, buf.byteOffset, words);
    for (let i = 0; i < words; i++) {
      const x = w32[i]!;
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 15);
    }
    for (let i = words * 4; i < node.size; i++) {
      const x = buf[i]!;
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 15);
    }
    node.hash = a >>> 0;
    node.hash2 = b >>> 0;
    node.hashedVersion = node.version;
  }
  return [node.hash, node.hash2];
}

class Hasher {
  #a = 0x811c9dc5;
  #b = 0x2545f491;
  /** A non-negative integer below 2^53 (sizes, inode numbers, modes). */
  num(n: number): void {
    this.#word(n >>> 0);
    this.#word(Math.floor(n / 4294967296));
  }
  #word(x: number): void {
    this.#a = Math.imul(this.#a ^ x, 0x01000193);
    this.#b = Math.imul(this.#b ^ x, 0x5bd1e995) ^ (this.#b >>> 13);
  }
  str(s: string): void {
    this.num(s.length);
    for (let i = 0; i < s.length; i++) this.#word(s.charCodeAt(i));
  }
  digest(): string {
    return (this.#a >>> 0).toString(16).padStart(8, '0') + (this.#b >>> 0).toString(16).padStart(8, '0');
  }
}
