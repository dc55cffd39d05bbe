/**
 * The flock(2) lock table of one file: whole-file locks, shared or exclusive, each held by an
 * owner. In the kernel the owner is an open file description (flock(2): "the lock is associated
 * with an open file description"), so dup'ed and forked descriptors share a lock while a second
 * open(2) of the same file, even in the same process, is a separate owner that can conflict.
 *
 * This module only answers "who conflicts" and records holders; blocking, waking and the
 * non-atomic conversion live in locks.ts. Owners are opaque objects.
 */

export type FlockMode = 'shared' | 'exclusive';

export class FlockTable<Owner extends object> {
  /** Holders in the order they got the lock (stable, so reports and pickers are deterministic). */
  readonly #holders = new Map<Owner, FlockMode>();

  /** The mode `owner` holds, if any. */
  modeOf(owner: Owner): FlockMode | undefined {
    return this.#holders.get(owner);
  }

  /**
   * Other owners whose lock stops `owner` from taking `mode`: any holder blocks an exclusive
   * request, an exclusive holder blocks a shared one. `owner`'s own lock never conflicts.
   */
  conflicts(owner: Owner, mode: FlockMode): Owner[] {
    const out: Owner[] = [];
    for (const [o, m] of this.#holders) {
      if (o !== owner && (mode === 'exclusive' || m === 'exclusive')) out.push(o);
    }
    return out;
  }

  /** Record that `owner` holds `mode` (the caller checked for conflicts). */
  grant(owner: Owner, mode: FlockMode): void {
    this.#holders.delete(owner);
    this.#holders.set(owner, mode);
  }

  /** Drop `owner`'s lock; true if it had one. */
  release(owner: Owner): boolean {
    return this.#holders.delete(owner);
  }

  get empty(): boolean {
    return this.#holders.size === 0;
  }

  holders(): [Owner, FlockMode][] {
    return [...this.#holders];
  }
}
