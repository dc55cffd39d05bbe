/**
 * Handles: per-process tables of small numbers that refer to kernel objects (jobs, processes,
 * threads, completion ports), like fds but Windows-shaped: values are multiples of 4, each entry
 * has its own inherit flag, and an object counts the handles to it in every process, because
 * "last handle closed" is an event jobs react to (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE).
 */
import type { HANDLE } from './constants.ts';

export type ObjectKind = 'job' | 'process' | 'thread' | 'port';

/** Something a handle can refer to. */
export abstract class KernelObject {
  abstract readonly kind: ObjectKind;
  /** Open handles to this object, in every process's table. */
  handleCount = 0;
  /** A short label for traces and error messages: `job 1`, `process 5`. */
  abstract describe(): string;
}

export interface HandleEntry {
  readonly object: KernelObject;
  inheritable: boolean;
}

export class HandleTable {
  readonly #entries = new Map<HANDLE, HandleEntry>();
  #next = 4;

  constructor(private readonly onLastClose: (object: KernelObject) => void) {}

  add(object: KernelObject, inheritable: boolean): HANDLE {
    const h = this.#next;
    this.#next += 4;
    this.#install(h, object, inheritable);
    return h;
  }

  get(h: HANDLE): HandleEntry | undefined {
    return this.#entries.get(h);
  }

  /** Remove `h`; the object hears about it when this was its last handle anywhere. */
  close(h: HANDLE): KernelObject | undefined {
    const e = this.#entries.get(h);
    if (!e) return undefined;
    this.#entries.delete(h);
    e.object.handleCount--;
    if (e.object.handleCount === 0) this.onLastClose(e.object);
    return e.object;
  }

  /** CreateProcess with bInheritHandles: the child gets the inheritable entries at the same values. */
  inheritInto(child: HandleTable): number {
    let n = 0;
    for (const [h, e] of this.#entries) {
      if (!e.inheritable) continue;
      child.#install(h, e.object, true);
      child.#next = Math.max(child.#next, h + 4);
      n++;
    }
    return n;
  }

  /** Process exit closes every handle, lowest value first. */
  closeAll(): void {
    for (const h of [...this.#entries.keys()].sort((a, b) => a - b)) this.close(h);
  }

  entries(): [HANDLE, HandleEntry][] {
    return [...this.#entries].sort((a, b) => a[0] - b[0]);
  }

  #install(h: HANDLE, object: KernelObject, inheritable: boolean): void {
    object.handleCount++;
    this.#entries.set(h, { object, inheritable });
  }
}
