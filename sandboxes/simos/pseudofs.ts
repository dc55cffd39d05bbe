/**
 * Pseudo filesystems: filesystems with no inodes and no disk (cgroupfs), mounted at a fixed path
 * in every machine. The file calls hand paths under such a mount to it (sys-file.ts). Paths are
 * matched as text after '.' and '..' are resolved; symlinks do not lead into a pseudo mount.
 */
import type { Call } from './call.ts';
import type { OpenFile } from './file.ts';
import type { Kernel } from './kernel.ts';

export interface PseudoFs {
  /** 'dir', 'file', or null when `rel` (the path below the mount, split on '/') names nothing. */
  kindOf(rel: string[]): 'dir' | 'file' | null;
  readdir(call: Call, rel: string[]): string[];
  mkdir(call: Call, rel: string[]): void;
  rmdir(call: Call, rel: string[]): void;
  /** A new open file description (access mode and status flags in `flags`). */
  open(call: Call, rel: string[], flags: number): OpenFile;
}

export interface PseudoPath {
  fs: PseudoFs;
  mount: string;
  rel: string[];
  /** st_dev of the mount: an anonymous device number (major 0), as Linux gives pseudo filesystems. */
  dev: number;
  /** A stable inode number for this path on this machine. */
  ino: number;
}

const mounts = new Map<string, { dev: number; make: (kernel: Kernel) => PseudoFs }>();
const inodeNumbers = new WeakMap<Kernel, Map<string, number>>();

/** Mount a pseudo filesystem at `path` in every machine (call once, at import time). */
export function registerPseudoFs(path: string, make: (kernel: Kernel) => PseudoFs): void {
  mounts.set(path, { dev: 27 + mounts.size, make });
}

/** The pseudo filesystem holding absolute, normalized `path`, or null. */
export function pseudoPath(kernel: Kernel, path: string): PseudoPath | null {
  for (const [mount, { dev, make }] of mounts) {
    if (path !== mount && !path.startsWith(mount + '/')) continue;
    const rel = path.slice(mount.length).split('/').filter(Boolean);
    let inos = inodeNumbers.get(kernel);
    if (!inos) inodeNumbers.set(kernel, (inos = new Map()));
    const key = `${mount}/${rel.join('/')}`;
    let ino = inos.get(key);
    if (ino === undefined) inos.set(key, (ino = inos.size + 1));
    return { fs: make(kernel), mount, rel, dev, ino };
  }
  return null;
}
