/**
 * The byte-range lock table of one file, shared by traditional POSIX record locks (owner: a
 * process) and open file description locks (owner: an open file description) — fcntl(2),
 * "Advisory record locking" and "Open file description locks (non-POSIX)". Both kinds live in
 * one table because they conflict with each other exactly as two owners of either kind do.
 *
 * Ranges are half-open byte intervals [start, end); `end` is Infinity for a lock that runs to
 * end of file "and beyond" (l_len 0). Per owner the table keeps Linux's normal form: an owner's
 * locks never overlap, and adjacent or overlapping locks of the same type are merged, so a new
 * lock or an unlock may split, shrink or join existing ones (fcntl(2): "the new lock replaces
 * existing locks of the same owner in the range").
 *
 * Pure data: blocking, wake-ups and deadlock detection live in locks.ts. Owners are opaque.
 */

export type RangeType = 'read' | 'write';

export interface RangeLock<Owner> {
  owner: Owner;
  type: RangeType;
  start: number;
  /** Exclusive end; Infinity = to end of file and beyond. */
  end: number;
}

function overlaps(a: { start: number; end: number }, start: number, end: number): boolean {
  return a.start < end && start < a.end;
}

export class RangeLockTable<Owner extends object> {
  /** Sorted by start, then by owner insertion; never two overlapping locks of one owner. */
  #locks: RangeLock<Owner>[] = [];

  /**
   * Locks of other owners that stop `owner` from holding `type` on [start, end): they overlap the
   * range and at least one side is a write lock.
   */
  conflicts(owner: Owner, type: RangeType, start: number, end: number): RangeLock<Owner>[] {
    return this.#locks.filter((l) => l.owner !== owner && overlaps(l, start, end) && (type === 'write' || l.type === 'write'));
  }

  /**
   * Make `owner`'s locks on [start, end) exactly `type` ('unlock' removes them), splitting and
   * merging its existing locks around the range. The caller checked for conflicts.
   */
  set(owner: Owner, type: RangeType | 'unlock', start: number, end: number): void {
    if (start >= end) return;
    const kept: RangeLock<Owner>[] = [];
    for (const l of this.#locks) {
      if (l.owner !== owner || !overlaps(l, start, end)) {
        kept.push(l);
        continue;
      }
      // Keep the parts of the old lock that stick out of the new range on either side.
      if (l.start < start) kept.push({ ...l, end: start });
      if (l.end > end) kept.push({ ...l, start: end });
    }
    if (type !== 'unlock') kept.push({ owner, type, start, end });
    this.#locks = kept;
    this.#mergeOwner(owner);
  }

  /** Remove every lock `owner` holds (close of any fd for POSIX owners, last close for OFD owners). */
  releaseOwner(owner: Owner): boolean {
    const before = this.#locks.length;
    this.#locks = this.#locks.filter((l) => l.owner !== owner);
    return this.#locks.length !== before;
  }

  /** `owner`'s locks, sorted by start. */
  ownedBy(owner: Owner): RangeLock<Owner>[] {
    return this.#locks.filter((l) => l.owner === owner).map((l) => ({ ...l }));
  }

  all(): RangeLock<Owner>[] {
    return this.#locks.map((l) => ({ ...l }));
  }

  get empty(): boolean {
    return this.#locks.length === 0;
  }

  /** Join `owner`'s same-type locks that touch or overlap, and keep the list sorted by start. */
  #mergeOwner(owner: Owner): void {
    const mine = this.#locks.filter((l) => l.owner === owner).sort((a, b) => a.start - b.start);
    const merged: RangeLock<Owner>[] = [];
    for (const l of mine) {
      const last = merged[merged.length - 1];
      if (last && last.type === l.type && l.start <= last.end) last.end = Math.max(last.end, l.end);
      else merged.push({ ...l });
    }
    const others = this.#locks.filter((l) => l.owner !== owner);
    this.#locks = [...others, ...merged].sort((a, b) => a.start - b.start);
  }
}

/**
 * The half-open range an absolute l_start and l_len describe (fcntl(2)): l_len > 0 covers
 * start .. start+len-1, 0 covers start to end of file and beyond, and a negative l_len covers
 * start+len .. start-1 (POSIX.1-2001). Returns why it is invalid instead, for EINVAL.
 */
export function byteRange(start: number, len: number): { start: number; end: number } | string {
  if (start < 0) return `the lock would start at byte ${start}, before the start of the file`;
  if (len === 0) return { start, end: Infinity };
  if (len > 0) return { start, end: start + len };
  if (start + len < 0) return `l_len ${len} reaches back past byte 0 from byte ${start}`;
  return { start: start + len, end: start };
}
