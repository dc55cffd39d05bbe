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
 * An image is yielded once per stretch of consecutive points at which it is possible, as
 * [point, lastPoint]. A point right after a sync barrier adds nothing new (the images possible
 * there were already possible just before it), so only points after ordinary ops are expanded, and
 * at those only the outcomes that include that op. The outcome an image is built from stays
 * possible until a barrier makes durable an op it left out (or one issued later), or drops one it
 * kept: a replay of the barriers first (`Settlements`) says when each op does, so the end of an
 * outcome's stretch is a few look-ups. Outcomes that build the same image merge their stretches;
 * a state is yielded when no later outcome can extend it.
 */
import { DiskImage } from './disk-image.ts';
import { DEFAULT_CHOICE_LIMITS, DiskState, isBarrier, streamOf, type ChoiceLimits, type PendingOp, type StoredInode, type StreamChoice } from './disk.ts';
import { Rng } from './rng.ts';
import type { DiskRecording } from './vfs.ts';

export interface EnumerateOptions extends Partial<ChoiceLimits> {
  /** Build at most this many combinations at one point; beyond it a seeded sample is tried (stats.sampledPoints). Default 2000. */
  maxCombinationsPerPoint?: number;
  /** Seed for that sample. Default 1. */
  seed?: number;
  /** Also enumerate the pending writes of files no image can reach (same images, more work: for checking the pruning). */
  keepUnreachableStreams?: boolean;
  /**
   * 'run' (default): one state per image and stretch of points where it is possible.
   * 'point': every distinct image at every point (barriers included), each with
   * `lastPoint === point`: far more states and work, for checking the enumerator.
   */
  dedupe?: 'run' | 'point';
}

export interface CrashState {
  /**
   * The first point at which a power cut can leave this image, as the number of disk operations
   * of the run issued before the cut (0: before the first).
   */
  point: number;
  /**
   * The last point of the stretch that begins at `point`: a cut at any point from `point` to
   * `lastPoint` can leave this image, a cut at `lastPoint + 1` cannot (unless `lastPoint` is the
   * run's last point, `recording.ops.length`). The stretch ends just before the barrier (an
   * fsync or fdatasync of a file, an fsync of a directory) that makes durable an operation the
   * image lacks — one it lost or tore, or one issued after `point` — or before a failed fsync
   * that drops a write the image kept. A checker must hold the image to every promise made by
   * `lastPoint`: an update acknowledged after `point` but by `lastPoint` must be in it (a rename
   * whose directory was never fsynced can come undone long after later updates were synced).
   * An image that becomes possible again after a point where it was not comes again, as another
   * state with a later `point`.
   */
  lastPoint: number;
  /** In words: the operation the cut came after at `point`, and which pending ones were lost or torn. */
  description: string;
  /** The disk as the machine finds it on reboot: boot one with `bootSim({ image })`. */
  image: DiskImage;
  /** Content hash (names, types, inode numbers, bytes). */
  hash: string;
}

export interface EnumerationStats {
  /** Points expanded (ordinary ops plus the start; every point with `dedupe: 'point'`). */
  points: number;
  /** Images built and hashed. */
  built: number;
  /** States yielded: distinct images, counted again when one comes back after a gap. */
  distinct: number;
  /** Points where the combinations were sampled, not exhausted: the enumeration is incomplete there. */
  sampledPoints: number;
}

/** One stream's pending ops at a point and the outcomes tried for it. */
interface Axis {
  disk: DiskState;
  ops: PendingOp[];
  choices: StreamChoice[];
}

/** A stretch being collected: its state, and whether a later outcome could still extend it. */
interface Stretch {
  state: CrashState;
  final: boolean;
}

/** Iterate the crash states of `recording`; `stats` fills in as it goes. */
export class CrashStates implements Iterable<CrashState> {
  readonly stats: EnumerationStats = { points: 0, built: 0, distinct: 0, sampledPoints: 0 };

  constructor(
    readonly recording: DiskRecording,
    readonly opts: EnumerateOptions = {},
  ) {
    const d: unknown = opts.dedupe;
    if (d !== undefined && d !== 'run' && d !== 'point') throw new Error(`enumerateCrashStates: dedupe must be 'run' or 'point', got ${JSON.stringify(d)}`);
  }

  *[Symbol.iterator](): Iterator<CrashState> {
    const limits: ChoiceLimits = { ...DEFAULT_CHOICE_LIMITS, ...definedOnly(this.opts) };
    const cap = this.opts.maxCombinationsPerPoint ?? 2_000;
    const rng = new Rng(this.opts.seed ?? 1);
    const prune = !this.opts.keepUnreachableStreams;
    const perPoint = this.opts.dedupe === 'point';
    const rec = this.recording;
    const disks = rec.initial.devices.map((d) => new DiskState(d));
    const byDev = new Map(disks.map((d) => [d.dev, d]));
    const settled = perPoint ? null : new Settlements(rec);
    const stats = this.stats;
    const whatOf = new Map(rec.ops.map((r) => [r.seq, r.what]));

    // 'run': the stretch of each image that can still grow, all stretches not yet yielded in order
    // of point, and which may end where.
    const latest = new Map<string, Stretch>();
    let queue: (Stretch | undefined)[] = [];
    let head = 0;
    const endingAt = new Map<number, Stretch[]>();
    let finalThrough = -1;
    // 'point': the images already yielded at this point.
    let seenHere = new Set<string>();

    const endAt = (s: Stretch, last: number): void => {
      s.state.lastPoint = last;
      const list = endingAt.get(last);
      if (list) list.push(s);
      else endingAt.set(last, [s]);
    };
    /** Stretches ending at or before `upTo` can no longer grow: the next outcome of their image starts a new one. */
    const finalize = (upTo: number): void => {
      for (; finalThrough < upTo; ) {
        const at = ++finalThrough;
        for (const s of endingAt.get(at) ?? []) {
          if (s.state.lastPoint !== at) continue;
          s.final = true;
          latest.delete(s.state.hash);
        }
        endingAt.delete(at);
      }
    };
    /** The stretches at the front of the queue that are final, in order of point. */
    function* drain(): Generator<CrashState> {
      while (head < queue.length && queue[head]!.final) {
        const s = queue[head]!;
        queue[head++] = undefined;
        yield s.state;
      }
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
    }

    /** Build the image of one outcome; return a new state to yield ('point'), or null. */
    const emit = (point: number, axes: Axis[], picked: StreamChoice[], last: string): CrashState | null => {
      stats.built++;
      const chosen = new Map<DiskState, StreamChoice[]>();
      picked.forEach((c, a) => {
        const disk = axes[a]!.disk;
        const list = chosen.get(disk);
        if (list) list.push(c);
        else chosen.set(disk, [c]);
      });
      const built = disks.map((d) => d.build(chosen.get(d) ?? []));
      const hash = hashImage(disks, built);
      let lastPoint = point;
      if (settled) {
        lastPoint = settled.lastPoint(point, axes, picked);
        const s = latest.get(hash);
        if (s) {
          if (lastPoint > s.state.lastPoint) endAt(s, lastPoint);
          return null;
        }
      } else {
        if (seenHere.has(hash)) return null;
        seenHere.add(hash);
      }
      stats.distinct++;
      const image = new DiskImage(disks.map((d, i) => d.freeze(built[i]!)));
      const state: CrashState = { point, lastPoint, description: describe(last, disks, chosen, whatOf, prune), image, hash };
      if (!settled) return state;
      const s: Stretch = { state, final: false };
      latest.set(hash, s);
      queue.push(s);
      endAt(s, lastPoint);
      return null;
    };

    /** Every outcome of `axes` (or a seeded sample of them) at `point`. */
    function* expand(point: number, axes: Axis[], last: string): Generator<CrashState> {
      stats.points++;
      const total = axes.reduce((n, a) => n * a.choices.length, 1);
      const sizes = axes.map((a) => a.choices.length);
      const combos = total <= cap ? allCombinations(sizes, total) : sampleCombinations(sizes, cap, rng);
      if (total > cap) stats.sampledPoints++;
      for (const combo of combos) {
        const s = emit(
          point,
          axes,
          combo.map((k, a) => axes[a]!.choices[k]!),
          last,
        );
        if (s) yield s;
      }
    }

    /** The streams that matter now; `only`: keep only the outcomes of its stream that include its op. */
    const axesNow = (only?: { disk: DiskState; stream: number; seq: number }): Axis[] => {
      const axes: Axis[] = [];
      for (const d of disks) {
        for (const [s, choices] of d.choices(limits, prune)) {
          const mine = only !== undefined && d === only.disk && s === only.stream;
          axes.push({ disk: d, ops: d.pending.get(s)!, choices: mine ? choices.filter((c) => c.ops.some((p) => p.seq === only.seq)) : choices });
        }
      }
      return axes;
    };

    yield* expand(0, axesNow(), 'before any disk operation');
    for (let i = 0; i < rec.ops.length; i++) {
      const r = rec.ops[i]!;
      const point = i + 1;
      if (settled) {
        finalize(point - 2);
        yield* drain();
      } else seenHere = new Set();
      const disk = byDev.get(r.op.dev);
      if (!disk) throw new Error(`the recording has an op for device ${r.op.dev}, which is not on its initial image`);
      disk.issue(r.seq, r.op);
      const last = `after #${point} ${r.what}`;
      if (!settled) yield* expand(point, axesNow(), last);
      else if (!isBarrier(r.op)) {
        // Every outcome that leaves op i out was possible one point earlier: expand only those with it.
        yield* expand(point, axesNow({ disk, stream: streamOf(r.op), seq: r.seq }), last);
      } else if (settled.reordersAt(point)) {
        // This barrier applied a rename before older ops still pending: new images can appear.
        yield* expand(point, axesNow(), last);
      }
    }
    if (settled) {
      finalize(rec.ops.length);
      yield* drain();
    }
  }
}

/** Every distinct disk image a power cut during the recorded run could leave (see the file comment). */
export function enumerateCrashStates(recording: DiskRecording, opts: EnumerateOptions = {}): CrashStates {
  return new CrashStates(recording, opts);
}

/**
 * When each recorded op stops being pending, from a replay of the run's barriers: the point at
 * which a sync made it durable (only while some image could still show its file: a sync of a
 * file no name reaches changes no image), or at which a failed fsync dropped it.
 */
class Settlements {
  readonly #synced = new Map<number, number>();
  readonly #lost = new Map<number, number>();
  /** [b]: the first point at which an op issued at or after point b is synced (Infinity: none). */
  readonly #laterSync: Float64Array;
  /**
   * Barriers that applied a rename across directories while older ops of its source directory
   * stay pending: an outcome keeping one of those ops (`seqs`) builds a different image after it.
   */
  readonly #reorders: { point: number; seqs: Set<number> }[] = [];
  readonly #end: number;

  constructor(rec: DiskRecording) {
    const disks = new Map(rec.initial.devices.map((d) => [d.dev, new DiskState(d)]));
    this.#end = rec.ops.length;
    let point = 0;
    // Per disk, the inodes an image could show before this barrier (disk.ts visibleInodes), kept
    // until a name operation is issued or synced. A directory's sync always matters.
    const visible = new Map<DiskState, Set<number>>();
    let renames: PendingOp[] = [];
    let namesSynced = false;
    for (const disk of disks.values()) {
      disk.onSettled = (ops, how) => {
        for (const p of ops) {
          if (how === 'lost') this.#lost.set(p.seq, point);
          else {
            const data = p.op.op === 'write' || p.op.op === 'truncate';
            if (!data || visible.get(disk)!.has(streamOf(p.op))) this.#synced.set(p.seq, point);
            if (!data) namesSynced = true;
            if (p.op.op === 'rename' && p.op.fromDir !== p.op.toDir) renames.push(p);
          }
        }
      };
    }
    rec.ops.forEach((r, i) => {
      const disk = disks.get(r.op.dev);
      if (!disk) throw new Error(`the recording has an op for device ${r.op.dev}, which is not on its initial image`);
      point = i + 1;
      if (!isBarrier(r.op)) {
        if (r.op.op !== 'write' && r.op.op !== 'truncate') visible.delete(disk);
        return disk.issue(r.seq, r.op);
      }
      // A file's sync changes no directory, so the set taken before it holds while it applies.
      if (!visible.has(disk)) visible.set(disk, disk.visibleInodes());
      renames = [];
      namesSynced = false;
      disk.issue(r.seq, r.op);
      if (namesSynced) visible.delete(disk);
      const seqs = new Set<number>();
      for (const p of renames) {
        const from = p.op.op === 'rename' ? disk.pending.get(p.op.fromDir) : undefined;
        for (const q of from ?? []) if (q.seq < p.seq) seqs.add(q.seq);
      }
      if (seqs.size > 0) this.#reorders.push({ point, seqs });
    });
    this.#laterSync = new Float64Array(rec.ops.length + 1).fill(Infinity);
    for (let i = rec.ops.length - 1; i >= 0; i--) this.#laterSync[i] = Math.min(this.#laterSync[i + 1]!, this.#synced.get(rec.ops[i]!.seq) ?? Infinity);
  }

  reordersAt(point: number): boolean {
    return this.#reorders.some((r) => r.point === point);
  }

  /** The last point of the stretch of the outcome `picked` (one choice per axis) built at `point`. */
  lastPoint(point: number, axes: Axis[], picked: StreamChoice[]): number {
    let gone = this.#laterSync[point]!;
    const reorders = this.#reorders.length > 0 && this.#reorders[this.#reorders.length - 1]!.point > point;
    const kept: number[] = [];
    axes.forEach((axis, a) => {
      const c = picked[a]!;
      const torn = c.tornBytes === undefined ? undefined : c.ops[c.ops.length - 1];
      let j = 0;
      // c.ops is a subsequence of axis.ops (same objects, same order).
      for (const p of axis.ops) {
        const isKept = c.ops[j] === p;
        if (isKept) {
          j++;
          const at = this.#lost.get(p.seq);
          if (at !== undefined && at < gone) gone = at;
          if (reorders) kept.push(p.seq);
        }
        if (!isKept || p === torn) {
          const at = this.#synced.get(p.seq);
          if (at !== undefined && at < gone) gone = at;
        }
      }
    });
    if (reorders) {
      for (const r of this.#reorders) {
        if (r.point <= point) continue;
        if (r.point >= gone) break;
        if (kept.some((seq) => r.seqs.has(seq))) gone = r.point;
      }
    }
    return Math.min(gone - 1, this.#end);
  }
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
