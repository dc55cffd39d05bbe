/**
 * A mounted device: its page cache (the Inode tree processes see) and its disk (disk.ts: what
 * is durable and what is still pending). Booting builds the cache from the durable image, so a
 * machine started after a power cut sees exactly what survived.
 */
import type { DeviceImage } from './disk-image.ts';
import { DiskState, type DiskOp } from './disk.ts';
import { Inode, type DeviceKind, type InodeDevice } from './inode.ts';

export class Device implements InodeDevice {
  readonly dev: number;
  readonly kind: DeviceKind;
  readonly mountPath: string;
  readonly root: Inode;
  readonly disk: DiskState;

  constructor(
    image: DeviceImage,
    /** Where ops go: the vfs numbers them, records them, then hands them to `disk`. */
    private readonly sink: (device: Device, op: DiskOp, label: () => string) => void,
  ) {
    this.dev = image.dev;
    this.kind = image.kind;
    this.mountPath = image.mountPath;
    this.disk = new DiskState(image);
    this.root = this.#boot(image);
  }

  /** A fresh inode number; numbers are never reused, so a new file never looks like an old one. */
  allocIno(): number {
    return this.disk.nextIno++;
  }

  /** Hand `op` to the disk; `label` says in words what it was, should the run be recorded. */
  issue(op: DiskOp, label: () => string): void {
    this.sink(this, op, label);
  }

  #boot(image: DeviceImage): Inode {
    const made = new Map<number, Inode>();
    const make = (ino: number, parent: Inode | null): Inode => {
      const existing = made.get(ino);
      if (existing) {
        existing.nlink++;
        return existing;
      }
      const d = image.inodes.get(ino)!;
      const node = new Inode(this, ino, d.mode, d.mtimeMs, d.target);
      made.set(ino, node);
      node.write(0, d.data);
      if (d.entries) {
        node.parent = parent ?? node;
        node.nlink = 2; // its entry (or, for the root, its own '..') and its '.'
        for (const [name, child] of d.entries) {
          const c = make(child, node);
          node.entries!.set(name, c);
          if (c.isDir) node.nlink++;
        }
      } else node.nlink = 1;
      return node;
    };
    const root = make(image.rootIno, null);
    return root;
  }
}
