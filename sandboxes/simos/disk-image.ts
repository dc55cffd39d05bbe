/**
 * A disk image: the durable state of every device, as a power cut leaves it. Immutable, so a
 * test can keep many (the crash-state enumerator yields one per distinct outcome) and boot a
 * fresh machine on any of them. The read helpers let a test look at it without booting.
 */
import { S_IFDIR, S_IFREG, S_ISDIR, S_ISLNK, type DeviceKind } from './inode.ts';

/** One inode as stored on disk. */
export interface DurableInode {
  readonly mode: number;
  /** Contents of a regular file; its length is st_size. */
  readonly data: Uint8Array;
  readonly mtimeMs: number;
  /** Directory entries, name -> ino (directories only). */
  readonly entries: ReadonlyMap<string, number> | null;
  /** Symlink target (symlinks only). */
  readonly target: string;
}

/** The durable state of one device, and where it is mounted. */
export interface DeviceImage {
  readonly dev: number;
  readonly kind: DeviceKind;
  readonly mountPath: string;
  /** Writes tear at multiples of this many bytes (a sector). */
  readonly sectorBytes: number;
  readonly rootIno: number;
  /** The next inode number this device hands out (numbers are never reused). */
  readonly nextIno: number;
  /** Only inodes reachable from the root: an unnamed inode does not survive a reboot. */
  readonly inodes: ReadonlyMap<number, DurableInode>;
}

export interface DeviceSpec {
  dev: number;
  kind: DeviceKind;
  mountPath: string;
  sectorBytes?: number;
  /** Directories to create (absolute, within this device's mount). */
  dirs?: string[];
  /** First inode number handed to new files. */
  firstIno?: number;
}

/**
 * The default machine: `/` on one disk, `/tmp` on a second disk, `/mnt/nfs` over NFS (and the
 * directory /sys/fs/cgroup, where the cgroup pseudo filesystem is mounted, vfs.ts). Each
 * device hands out inode numbers from 11 up, so the first file made on `/data` and the first on
 * `/tmp` have the same st_ino and differ only in st_dev.
 */
export const DEFAULT_DEVICES: DeviceSpec[] = [
  { dev: 2049, kind: 'disk', mountPath: '/', dirs: ['/tmp', '/mnt', '/mnt/nfs', '/data', '/home', '/sys', '/sys/fs', '/sys/fs/cgroup'] },
  { dev: 2065, kind: 'disk', mountPath: '/tmp' },
  { dev: 53, kind: 'nfs', mountPath: '/mnt/nfs' },
];

const ROOT_INO = 2;
const FIRST_INO = 11;
const EMPTY = new Uint8Array(0);

export class DiskImage {
  /** Devices sorted by mount path, so '/' comes first and a mount follows its mount point. */
  readonly devices: readonly DeviceImage[];

  constructor(devices: readonly DeviceImage[]) {
    this.devices = [...devices].sort((a, b) => a.mountPath.length - b.mountPath.length || (a.mountPath < b.mountPath ? -1 : 1));
    if (this.devices[0]?.mountPath !== '/') throw new Error('a disk image needs a device mounted at /');
  }

  /** A fresh machine's disks from specs (default: DEFAULT_DEVICES), plus `files` with their contents. */
  static create(specs: DeviceSpec[] = DEFAULT_DEVICES, files: Record<string, string | Uint8Array> = {}): DiskImage {
    const devices = specs.map((s) => {
      const inodes = new Map<number, DurableInode>([[ROOT_INO, dirInode(new Map())]]);
      let next = Math.max(s.firstIno ?? FIRST_INO, ROOT_INO + 1);
      let reserved = ROOT_INO + 1;
      for (const d of s.dirs ?? []) {
        const rel = relativeTo(s.mountPath, d);
        if (rel === null) throw new Error(`${d} is not under ${s.mountPath}`);
        mkdirs(inodes, rel, () => (reserved < next ? reserved++ : next++));
      }
      return { dev: s.dev, kind: s.kind, mountPath: s.mountPath, sectorBytes: s.sectorBytes ?? 512, rootIno: ROOT_INO, nextIno: next, inodes };
    });
    let image = new DiskImage(devices);
    for (const [path, content] of Object.entries(files)) image = image.withFile(path, content);
    return image;
  }

  /** A copy with `path` holding `content` (parent directories are created). */
  withFile(path: string, content: string | Uint8Array): DiskImage {
    const { index, rel } = this.#deviceFor(path);
    const d = this.devices[index]!;
    const inodes = new Map(d.inodes);
    let next = d.nextIno;
    const parts = rel.split('/').filter(Boolean);
    const name = parts.pop();
    if (!name) throw new Error(`${path} names a directory`);
    const dirIno = mkdirs(inodes, parts.join('/'), () => next++);
    const dir = inodes.get(dirIno)!;
    const existing = dir.entries!.get(name);
    const ino = existing ?? next++;
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content.slice();
    inodes.set(ino, { mode: S_IFREG | 0o644, data, mtimeMs: 0, entries: null, target: '' });
    inodes.set(dirIno, dirInode(new Map(dir.entries!).set(name, ino)));
    const devices = [...this.devices];
    devices[index] = { ...d, inodes, nextIno: next };
    return new DiskImage(devices);
  }

  /** The contents of the regular file at `path`, or null if there is none. */
  readFile(path: string): Uint8Array | null {
    const node = this.#lookup(path);
    return node && !node.entries && !S_ISLNK(node.mode) ? node.data.slice() : null;
  }

  /** `readFile` decoded as UTF-8. */
  readText(path: string): string | null {
    const bytes = this.readFile(path);
    return bytes && new TextDecoder().decode(bytes);
  }

  exists(path: string): boolean {
    return this.#lookup(path) !== null;
  }

  /** Sorted names in the directory at `path`, or null if it is not a directory. */
  list(path: string): string[] | null {
    const node = this.#lookup(path);
    return node?.entries ? [...node.entries.keys()].sort() : null;
  }

  /** Every regular file and symlink, with its size, as `path (N bytes)` lines: for failure messages. */
  describe(): string {
    const lines: string[] = [];
    for (const d of this.devices) {
      // A crash can leave odd shapes (a directory moved into its own child): visit each once.
      const seen = new Set<number>();
      const walk = (ino: number, prefix: string): void => {
        const node = d.inodes.get(ino);
        if (!node?.entries || seen.has(ino)) return;
        seen.add(ino);
        for (const name of [...node.entries.keys()].sort()) {
          const childIno = node.entries.get(name)!;
          const child = d.inodes.get(childIno);
          const path = `${prefix}/${name}`;
          if (!child) continue;
          if (child.entries) walk(childIno, path);
          else if (S_ISLNK(child.mode)) lines.push(`${path} -> ${child.target}`);
          else lines.push(`${path} (${child.data.length} bytes)`);
        }
      };
      walk(d.rootIno, d.mountPath === '/' ? '' : d.mountPath);
    }
    return lines.sort().join('\n');
  }

  /** The device whose mount covers `path` (the longest matching mount path) and the rest of the path. */
  #deviceFor(path: string): { index: number; rel: string } {
    if (!path.startsWith('/')) throw new Error(`disk image paths are absolute, got ${JSON.stringify(path)}`);
    let best = 0;
    let rel = path;
    this.devices.forEach((d, i) => {
      const r = relativeTo(d.mountPath, path);
      if (r !== null && d.mountPath.length >= this.devices[best]!.mountPath.length) {
        best = i;
        rel = r;
      }
    });
    return { index: best, rel };
  }

  #lookup(path: string): DurableInode | null {
    const { index, rel } = this.#deviceFor(path);
    const d = this.devices[index]!;
    let node = d.inodes.get(d.rootIno) ?? null;
    for (const part of rel.split('/').filter(Boolean)) {
      const ino = node?.entries?.get(part);
      node = ino === undefined ? null : (d.inodes.get(ino) ?? null);
      if (!node) return null;
    }
    return node;
  }
}

function dirInode(entries: Map<string, number>): DurableInode {
  return { mode: S_IFDIR | 0o755, data: EMPTY, mtimeMs: 0, entries, target: '' };
}

/** `path` relative to mount `mount` ('' for the mount itself), or null if outside it. */
function relativeTo(mount: string, path: string): string | null {
  if (mount === '/') return path.slice(1);
  if (path === mount) return '';
  return path.startsWith(mount + '/') ? path.slice(mount.length + 1) : null;
}

/** Create directories along `rel` in `inodes` (copy-on-write entries); returns the last one's ino. */
function mkdirs(inodes: Map<number, DurableInode>, rel: string, alloc: () => number): number {
  let ino = ROOT_INO;
  for (const part of rel.split('/').filter(Boolean)) {
    const dir = inodes.get(ino)!;
    const found = dir.entries?.get(part);
    if (found !== undefined) {
      if (!S_ISDIR(inodes.get(found)!.mode)) throw new Error(`${part} is not a directory`);
      ino = found;
      continue;
    }
    const child = alloc();
    inodes.set(child, dirInode(new Map()));
    inodes.set(ino, dirInode(new Map(dir.entries!).set(part, child)));
    ino = child;
  }
  return ino;
}
