/**
 * One device's durable state and the writes still on their way to it.
 *
 * Every change a process makes to a file or directory is applied to the page cache at once
 * (device.ts) and issued here as a DiskOp. An op is *pending* until a sync barrier covers it:
 * fsync/fdatasync of a file covers that file's data ops; fsync of a directory covers the name
 * operations in it (fsync(2): syncing a file does not sync its directory entry). Covered ops are
 * applied to `base`, the state that certainly survives a power cut. Pending ops may or may not
 * have reached the platter when power fails; `choices` lists which combinations count:
 *
 *   - Name operations (create, link, unlink, rename, mkdir, rmdir) of one directory reach the
 *     disk in the order they were made: any prefix of them survives (a metadata journal, as ext4
 *     and XFS keep one).
 *   - Data operations (write, truncate) of one file may reach the disk in any order: any subset
 *     survives, enumerated exhaustively when at most `maxSubsetOps` are pending, else only in
 *     issue order (prefixes), which is what a sequential writer's crash leaves.
 *   - The last write of the chosen ones may be torn: only its first k sectors (sector = the
 *     device's `sectorBytes`, file-offset aligned) made it, and the size grows only that far.
 *   - Directory streams and file streams are independent of each other: a file's data can be
 *     durable while its name is not, and the reverse (then the name holds an empty or old file).
 *
 * Inode numbers are never reused on a device, and an inode no name reaches is dropped when the
 * image is read, as fsck would.
 */
import type { DeviceImage, DurableInode } from './disk-image.ts';
import { S_IFDIR, S_ISDIR, type DeviceKind } from './inode.ts';
import type { Rng } from './rng.ts';

/** What one system call asked of the disk. `dev` routes it; `ino`/`dir` name inodes on that device. */
export type DiskOp =
  | { op: 'write'; dev: number; ino: number; mode: number; offset: number; data: Uint8Array }
  | { op: 'truncate'; dev: number; ino: number; mode: number; size: number }
  /** A new name for inode `ino` (create, mkdir, symlink, link). */
  | { op: 'link'; dev: number; dir: number; name: string; ino: number; mode: number; target: string }
  /** A name removed (unlink, rmdir). */
  | { op: 'unlink'; dev: number; dir: number; name: string }
  | { op: 'rename'; dev: number; fromDir: number; fromName: string; toDir: number; toName: string; ino: number }
  /** fsync/fdatasync of a file (its data ops; `mtimeMs` unless fdatasync) or fsync of a directory (its name ops). */
  | { op: 'sync'; dev: number; ino: number; mtimeMs?: number }
  /** fsync failed with EIO: the file's pending data ops were marked clean without being written. */
  | { op: 'lose'; dev: number; ino: number };

export type BarrierOp = Extract<DiskOp, { op: 'sync' | 'lose' }>;
export const isBarrier = (op: DiskOp): op is BarrierOp => op.op === 'sync' || op.op === 'lose';

/** A pending op with its position in the run (ops of different streams apply in this order). */
export interface PendingOp {
  seq: number;
  op: Exclude<DiskOp, BarrierOp>;
}

/** Which pending ops of one stream survive; `tornBytes`: only that many bytes of the last one's data. */
export interface StreamChoice {
  ops: PendingOp[];
  tornBytes?: number;
}

export interface ChoiceLimits {
  /** File streams with at most this many pending ops get every subset; longer ones only prefixes. */
  maxSubsetOps: number;
  /** At most this many tear points per write (evenly spread over its sector boundaries). */
  maxTearsPerWrite: number;
}

export const DEFAULT_CHOICE_LIMITS: ChoiceLimits = { maxSubsetOps: 4, maxTearsPerWrite: 64 };

/** A mutable stored inode (base state, or a copy being changed while an image is built). */
export class StoredInode {
  buf: Uint8Array;
  size: number;
  /** Cached content hash (two lanes, crash.ts) and the version it was computed for. */
  hash = 0;
  hash2 = 0;
  hashedVersion = -1;
  version = 0;

  constructor(
    readonly mode: number,
    public mtimeMs: number,
    readonly entries: Map<string, number> | null,
    readonly target: string,
    data: Uint8Array,
  ) {
    this.buf = data;
    this.size = data.length;
  }

  static from(d: DurableInode): StoredInode {
    return new StoredInode(d.mode, d.mtimeMs, d.entries ? new Map(d.entries) : null, d.target, d.data.slice());
  }

  clone(): StoredInode {
    const c = new StoredInode(this.mode, this.mtimeMs, this.entries ? new Map(this.entries) : null, this.target, this.buf.slice(0, this.size));
    return c;
  }

  write(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    this.#reserve(end);
    this.buf.set(data, offset);
    if (end > this.size) this.size = end;
    this.version++;
  }

  truncate(size: number): void {
    if (size < this.size) this.buf.fill(0, size, this.size);
    else this.#reserve(size);
    this.size = size;
    this.version++;
  }

  /**
   * An immutable copy. `owned`: this inode is a throw-away copy nobody changes again, so its
   * buffer can be handed over; otherwise the copy is cached until the inode next changes.
   */
  freeze(owned = false): DurableInode {
    if (owned) return { mode: this.mode, data: this.buf.subarray(0, this.size), mtimeMs: this.mtimeMs, entries: this.entries, target: this.target };
    if (this.#frozen?.version !== this.version || this.#frozen.mtimeMs !== this.mtimeMs) {
      const d = { mode: this.mode, data: this.buf.slice(0, this.size), mtimeMs: this.mtimeMs, entries: this.entries && new Map(this.entries), target: this.target };
      this.#frozen = { version: this.version, mtimeMs: this.mtimeMs, d };
    }
    return this.#frozen.d;
  }

  #frozen: { version: number; mtimeMs: number; d: DurableInode } | undefined;

  #reserve(n: number): void {
    if (n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(n, this.buf.length * 2, 64));
    grown.set(this.buf.subarray(0, this.size));
    this.buf = grown;
  }
}

/** Apply one op to `inodes`; `get` returns an inode safe to change (a copy, when building an image). */
export function applyOp(op: PendingOp['op'], get: (ino: number, mode: number) => StoredInode, tornBytes?: number): void {
  switch (op.op) {
    case 'write':
      get(op.ino, op.mode).write(op.offset, tornBytes === undefined ? op.data : op.data.subarray(0, tornBytes));
      return;
    case 'truncate':
      get(op.ino, op.mode).truncate(op.size);
      return;
    case 'link':
      get(op.ino, op.mode);
      get(op.dir, S_IFDIR).entries!.set(op.name, op.ino);
      get(op.dir, S_IFDIR).version++;
      return;
    case 'unlink': {
      const dir = get(op.dir, S_IFDIR);
      dir.entries!.delete(op.name);
      dir.version++;
      return;
    }
    case 'rename': {
      const from = get(op.fromDir, S_IFDIR);
      // Only the move of `ino` is recorded: if the source name already points elsewhere in this
      // image (an earlier op was not chosen), the source is left alone.
      if (from.entries!.get(op.fromName) === op.ino) from.entries!.delete(op.fromName);
      from.version++;
      const to = get(op.toDir, S_IFDIR);
      to.entries!.set(op.toName, op.ino);
      to.version++;
      return;
    }
  }
}

/** The stream an op belongs to: a file's data ops go with the file, name ops with their directory. */
export function streamOf(op: PendingOp['op']): number {
  switch (op.op) {
    case 'write':
    case 'truncate':
      return op.ino;
    case 'link':
    case 'unlink':
      return op.dir;
    case 'rename':
      return op.toDir;
  }
}

/** An image being built: base inodes shared, changed ones copied (`copied` names those). */
export type Built = Map<number, StoredInode> & { copied?: Set<number> };

export class DiskState {
  readonly base = new Map<number, StoredInode>();
  /** Pending ops per stream (file ino or directory ino), in issue order. */
  readonly pending = new Map<number, PendingOp[]>();
  nextIno: number;
  /** Told of pending ops as they leave: made durable by a barrier ('synced') or dropped by a failed fsync ('lost'). */
  onSettled: ((ops: readonly PendingOp[], how: 'synced' | 'lost') => void) | undefined;

  constructor(readonly image: DeviceImage) {
    for (const [ino, d] of image.inodes) this.base.set(ino, StoredInode.from(d));
    this.nextIno = image.nextIno;
  }

  get dev(): number {
    return this.image.dev;
  }
  get kind(): DeviceKind {
    return this.image.kind;
  }
  get sectorBytes(): number {
    return this.image.sectorBytes;
  }

  /** Record an op a process made; `seq` orders ops across streams and devices. */
  issue(seq: number, op: DiskOp): void {
    if (op.op === 'sync') return this.sync(op.ino, op.mtimeMs);
    if (op.op === 'lose') {
      const dropped = this.pending.get(op.ino);
      this.pending.delete(op.ino);
      if (dropped) this.onSettled?.(dropped, 'lost');
      return;
    }
    const s = streamOf(op);
    let list = this.pending.get(s);
    if (!list) this.pending.set(s, (list = []));
    list.push({ seq, op });
  }

  /** A sync barrier on inode `ino`: its stream reaches the disk (and cross-directory renames out of it). */
  sync(ino: number, mtimeMs?: number): void {
    this.#flush(ino, Infinity);
    // rename(2) between two directories is one journal transaction: syncing the source directory
    // makes it durable too, with everything queued before it in the destination's stream.
    for (const [s, ops] of [...this.pending]) {
      let last = -1;
      ops.forEach((p, i) => {
        if (p.op.op === 'rename' && p.op.fromDir === ino) last = i;
      });
      if (last >= 0) this.#flush(s, last + 1);
    }
    if (mtimeMs !== undefined) {
      const node = this.base.get(ino);
      if (node) node.mtimeMs = mtimeMs;
    }
  }

  #flush(stream: number, count: number): void {
    const ops = this.pending.get(stream);
    if (!ops) return;
    const done = ops.splice(0, count);
    if (ops.length === 0) this.pending.delete(stream);
    for (const p of done) applyOp(p.op, (ino, mode) => this.#baseInode(ino, mode));
    if (done.length > 0) this.onSettled?.(done, 'synced');
  }

  #baseInode(ino: number, mode: number): StoredInode {
    let node = this.base.get(ino);
    if (!node) this.base.set(ino, (node = new StoredInode(mode, 0, S_ISDIR(mode) ? new Map() : null, '', new Uint8Array(0))));
    return node;
  }

  /**
   * The streams with pending ops that can matter, and what may survive of each. A file's stream
   * is left out when no image can reach the file: it is not reachable on disk now and no pending
   * name operation names it (e.g. a temporary file whose name was replaced and synced away).
   */
  choices(limits: ChoiceLimits, prune = true): Map<number, StreamChoice[]> {
    const out = new Map<number, StreamChoice[]>();
    for (const [s, ops] of this.relevantStreams(prune)) out.set(s, streamChoices(ops, this.#isDirStream(ops), limits, this.sectorBytes));
    return out;
  }

  /** Pending streams that some image could still show (see `choices`); all of them unless `prune`. */
  relevantStreams(prune = true): [number, PendingOp[]][] {
    if (!prune) return [...this.pending];
    const reachable = this.visibleInodes();
    const out: [number, PendingOp[]][] = [];
    for (const [s, ops] of this.pending) if (this.#isDirStream(ops)) out.push([s, ops]);
    for (const [s, ops] of this.pending) if (!this.#isDirStream(ops) && reachable.has(s)) out.push([s, ops]);
    return out;
  }

  /**
   * The inodes some image could show: reachable on disk now, or under a name that a pending name
   * operation gives. It changes only when a name operation is issued or synced.
   */
  visibleInodes(): Set<number> {
    const reachable = new Set<number>();
    const visit = (ino: number): void => {
      if (reachable.has(ino)) return;
      reachable.add(ino);
      const node = this.base.get(ino);
      if (node?.entries) for (const child of node.entries.values()) visit(child);
    };
    visit(this.image.rootIno);
    // A pending name can make an inode reachable, and with it whatever the disk holds under it.
    for (const ops of this.pending.values()) {
      if (this.#isDirStream(ops)) for (const p of ops) if (p.op.op === 'link' || p.op.op === 'rename') visit(p.op.ino);
    }
    return reachable;
  }

  /** One random outcome per stream (a power cut now), drawn from `rng`. */
  randomChoice(rng: Rng): Map<number, StreamChoice> {
    const out = new Map<number, StreamChoice>();
    for (const [s, ops] of this.pending) {
      let chosen: PendingOp[];
      if (this.#isDirStream(ops)) chosen = ops.slice(0, rng.below(ops.length + 1));
      else chosen = ops.filter(() => rng.chance(0.5));
      const choice: StreamChoice = { ops: chosen };
      const tears = tearPoints(chosen[chosen.length - 1], this.sectorBytes, Infinity);
      if (tears.length > 0 && rng.chance(0.5)) choice.tornBytes = rng.pick(tears);
      out.set(s, choice);
    }
    return out;
  }

  #isDirStream(ops: PendingOp[]): boolean {
    const k = ops[0]!.op.op;
    return k === 'link' || k === 'unlink' || k === 'rename';
  }

  /**
   * Build the image left when exactly `chosen` ops survive (plus everything synced). Changed
   * inodes are copies; untouched ones are shared with `base` until `freeze`.
   */
  build(chosen: Iterable<StreamChoice>): Built {
    const inodes: Built = new Map(this.base);
    const copied = new Set<number>();
    const get = (ino: number, mode: number): StoredInode => {
      let node = inodes.get(ino);
      if (node && copied.has(ino)) return node;
      node = node ? node.clone() : new StoredInode(mode, 0, S_ISDIR(mode) ? new Map() : null, '', new Uint8Array(0));
      copied.add(ino);
      inodes.set(ino, node);
      return node;
    };
    const all: { p: PendingOp; torn?: number }[] = [];
    for (const c of chosen) {
      c.ops.forEach((p, i) => all.push(i === c.ops.length - 1 && c.tornBytes !== undefined ? { p, torn: c.tornBytes } : { p }));
    }
    all.sort((a, b) => a.p.seq - b.p.seq);
    for (const { p, torn } of all) applyOp(p.op, get, torn);
    inodes.copied = copied;
    return inodes;
  }

  /** An immutable DeviceImage of `inodes` with only what the root reaches. */
  freeze(inodes: Built): DeviceImage {
    const out = new Map<number, DurableInode>();
    const visit = (ino: number): void => {
      if (out.has(ino)) return;
      const node = inodes.get(ino);
      if (!node) return;
      out.set(ino, node.freeze(inodes.copied?.has(ino) ?? false));
      if (node.entries) for (const child of node.entries.values()) visit(child);
    };
    visit(this.image.rootIno);
    // Entries whose inode never reached the disk are dropped, as fsck drops dangling entries.
    for (const [ino, d] of out) {
      if (d.entries && [...d.entries.values()].some((c) => !out.has(c))) {
        const kept = new Map([...d.entries].filter(([, c]) => out.has(c)));
        out.set(ino, { ...d, entries: kept });
      }
    }
    return { ...this.image, nextIno: this.nextIno, inodes: out };
  }
}

/** What may survive of one stream: prefixes for directories; subsets (or prefixes) for files; tears of the last write. */
export function streamChoices(ops: PendingOp[], dirStream: boolean, limits: ChoiceLimits, sectorBytes: number): StreamChoice[] {
  const sets: PendingOp[][] = [];
  if (!dirStream && ops.length <= limits.maxSubsetOps) {
    for (let mask = 0; mask < 1 << ops.length; mask++) sets.push(ops.filter((_, i) => mask & (1 << i)));
  } else {
    for (let n = 0; n <= ops.length; n++) sets.push(ops.slice(0, n));
  }
  const out: StreamChoice[] = [];
  for (const set of sets) {
    out.push({ ops: set });
    for (const t of tearPoints(set[set.length - 1], sectorBytes, limits.maxTearsPerWrite)) out.push({ ops: set, tornBytes: t });
  }
  return out;
}

/** How many leading bytes of a write may survive when it tears: up to each sector boundary inside it. */
export function tearPoints(p: PendingOp | undefined, sectorBytes: number, max: number): number[] {
  if (!p || p.op.op !== 'write') return [];
  const { offset, data } = p.op;
  const end = offset + data.length;
  const points: number[] = [];
  for (let b = (Math.floor(offset / sectorBytes) + 1) * sectorBytes; b < end; b += sectorBytes) points.push(b - offset);
  if (points.length <= max) return points;
  // Too many to try all: keep the first, the last and evenly spaced ones between.
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(points[Math.round((i * (points.length - 1)) / Math.max(1, max - 1))]!);
  return [...picked];
}
