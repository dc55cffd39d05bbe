/**
 * Path lookup (xv6's namei, Linux's path_walk): one component at a time from the root or the
 * working directory, crossing mount points, following symlinks (at most 40, then ELOOP), and
 * failing the way path_resolution(7) says: ENOENT for a missing component, ENOTDIR when a
 * component that must be a directory is not one.
 */
import type { Call } from './call.ts';
import type { Inode } from './inode.ts';

/** Where a lookup ended: the directory holding the last component, its name, and what it names. */
export interface Lookup {
  dir: Inode;
  /** The last component; '.' or '..' when the path ends in one (callers refuse those where needed). */
  name: string;
  /** The inode the name refers to (a mounted device's root for a mount point), or null. */
  node: Inode | null;
  /** The path ended in '/': the result must be a directory. */
  trailingSlash: boolean;
}

/** What lookup needs from the file system: the root, mounts and the caller's working directory. */
export interface NameSpace {
  readonly root: Inode;
  /** The root of the device mounted on directory `dir`, if any. */
  mountedAt(dir: Inode): Inode | undefined;
  /** '..' of `dir`: its parent, crossing back out of a mount at a device root. */
  parentOf(dir: Inode): Inode;
  cwd(call: Call): Inode;
}

const MAX_SYMLINKS = 40;
const MAX_PATH = 4096;
const MAX_NAME = 255;

/**
 * Walk `path`. A symlink as the last component is followed only when `followLast` (stat, open)
 * and not for lstat, unlink, rename, O_NOFOLLOW; a trailing '/' always follows it.
 */
export function lookup(call: Call, ns: NameSpace, path: unknown, followLast: boolean): Lookup {
  if (typeof path !== 'string') call.fail('EINVAL', `path must be a string, got ${typeof path}`);
  if (path === '') call.fail('ENOENT', 'the path is empty');
  if (path.length >= MAX_PATH) call.fail('ENAMETOOLONG', `the path is ${path.length} characters long (limit ${MAX_PATH - 1})`);
  let cur = path.startsWith('/') ? ns.root : ns.cwd(call);
  const queue = path.split('/').filter(Boolean);
  const trailingSlash = path.endsWith('/');
  if (queue.length === 0) return { dir: cur, name: '.', node: cur, trailingSlash };
  let links = 0;
  let walked = path.startsWith('/') ? '' : '.';
  while (queue.length > 0) {
    const part = queue.shift()!;
    const last = queue.length === 0;
    if (!cur.isDir) call.fail('ENOTDIR', `${walked} is not a directory`);
    if (part.length > MAX_NAME) call.fail('ENAMETOOLONG', `the component "${part.slice(0, 20)}…" is longer than ${MAX_NAME} bytes`);
    if (part === '.' || part === '..') {
      const next = part === '.' ? cur : ns.parentOf(cur);
      if (last) return { dir: cur, name: part, node: next, trailingSlash };
      cur = next;
      walked += `/${part}`;
      continue;
    }
    const entry = cur.entries!.get(part);
    const child = entry ? (ns.mountedAt(entry) ?? entry) : undefined;
    if (!child) {
      if (last) return { dir: cur, name: part, node: null, trailingSlash };
      call.fail('ENOENT', `${walked}/${part} does not exist`);
    }
    if (child.linkTarget && (!last || followLast || trailingSlash)) {
      if (++links > MAX_SYMLINKS) call.fail('ELOOP', `more than ${MAX_SYMLINKS} symbolic links while resolving ${path}`);
      const target = child.linkTarget;
      queue.unshift(...target.split('/').filter(Boolean));
      if (target.startsWith('/')) cur = ns.root;
      if (queue.length === 0) return { dir: cur, name: '.', node: cur, trailingSlash };
      continue;
    }
    if (last) {
      if (trailingSlash && !child.isDir) call.fail('ENOTDIR', `${path} ends in '/' but is not a directory`);
      return { dir: cur, name: part, node: child, trailingSlash };
    }
    cur = child;
    walked += `/${part}`;
  }
  throw new Error('unreachable');
}

/** The inode `path` names (following a final symlink if `follow`), or ENOENT. */
export function resolve(call: Call, ns: NameSpace, path: unknown, follow = true): Inode {
  const r = lookup(call, ns, path, follow);
  if (!r.node) call.fail('ENOENT', `${String(path)} does not exist`);
  return r.node;
}

/** `path` made absolute against `cwd` and cleaned of '.', '..' and repeated '/' (no symlinks resolved). */
export function normalizePath(cwd: string, path: string): string {
  const out: string[] = [];
  for (const part of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}
