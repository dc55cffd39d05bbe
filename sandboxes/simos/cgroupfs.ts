/**
 * cgroupfs: the cgroup tree (cgroup.ts) as files, for a pseudo-filesystem mounted at
 * /sys/fs/cgroup. Paths here are relative to the mount: `['job1', 'cgroup.procs']`.
 *
 * Interface files behave like kernfs seq files: a read at offset 0 takes a snapshot of the
 * contents and later reads continue through it; each write(2) is one command (a pid, "1",
 * "max"); poll on cgroup.events reports POLLPRI|POLLERR once `populated` has changed since the
 * description last read it (kernfs_generic_poll), which is how a supervisor waits for a cgroup
 * to empty without inotify.
 */
import type { Call } from './call.ts';
import { type Cgroup, CgroupTree } from './cgroup.ts';
import { OpenFile, O_ACCMODE, O_RDONLY, O_WRONLY, type FileOps } from './file.ts';
import type { Kernel } from './kernel.ts';

export const CGROUPFS_MOUNT = '/sys/fs/cgroup';

const POLLIN = 0x001;
const POLLPRI = 0x002;
const POLLOUT = 0x004;
const POLLERR = 0x008;
const POLLRDNORM = 0x040;
const POLLWRNORM = 0x100;
const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/** What a path under the mount names. */
export type CgroupNode = { kind: 'dir'; cgroup: Cgroup } | { kind: 'file'; cgroup: Cgroup; name: string };

/** The open file description state of one interface file. */
interface InterfaceFileState {
  tree: CgroupTree;
  cgroup: Cgroup;
  name: string;
  /** The seq-file snapshot taken by the last read at offset 0. */
  snapshot: Uint8Array | null;
  /** cgroup.eventsSeq when this description last read the file (kernfs of->event). */
  seenEvents: number;
}

const encoder = new TextEncoder();

const interfaceFileOps: FileOps = {
  describe: (file) => {
    const st = file.target as InterfaceFileState;
    const dir = st.cgroup.path === '/' ? '' : st.cgroup.path;
    return `${CGROUPFS_MOUNT}${dir}/${st.name}`;
  },

  read(call, file, count, offset) {
    const st = file.target as InterfaceFileState;
    const at = offset ?? file.offset;
    if (at === 0 || !st.snapshot) {
      st.snapshot = encoder.encode(st.tree.read(call, st.cgroup, st.name));
      st.seenEvents = st.cgroup.eventsSeq;
    }
    const data = st.snapshot.slice(at, at + count);
    if (offset === null) file.offset = at + data.length;
    return data;
  },

  write(call, file, data) {
    const st = file.target as InterfaceFileState;
    st.tree.write(call, st.cgroup, st.name, new TextDecoder().decode(data));
    return data.length;
  },

  poll(file) {
    const st = file.target as InterfaceFileState;
    return st.seenEvents !== st.cgroup.eventsSeq ? DEFAULT_POLLMASK | POLLERR | POLLPRI : DEFAULT_POLLMASK;
  },
};

/** The directory side of cgroupfs: what a VFS calls for paths under /sys/fs/cgroup. */
export class CgroupFs {
  readonly tree: CgroupTree;

  static of(kernel: Kernel): CgroupFs {
    return ((kernel.ext.cgroupfs as CgroupFs | undefined) ??= new CgroupFs(CgroupTree.of(kernel)));
  }

  private constructor(tree: CgroupTree) {
    this.tree = tree;
  }

  /** What `rel` names, or null (a missing name; the caller decides between ENOENT and create). */
  lookup(rel: string[]): CgroupNode | null {
    const dir = this.tree.lookup(rel);
    if (dir) return { kind: 'dir', cgroup: dir };
    const parent = this.tree.lookup(rel.slice(0, -1));
    const name = rel[rel.length - 1];
    if (parent && name !== undefined && this.tree.files(parent).includes(name)) return { kind: 'file', cgroup: parent, name };
    return null;
  }

  /** readdir of a cgroup directory: its interface files, then its child cgroups. */
  readdir(cgroup: Cgroup): string[] {
    return [...this.tree.files(cgroup), ...this.tree.children(cgroup)];
  }

  mkdir(call: Call, rel: string[]): void {
    this.tree.mkdir(call, `/${rel.join('/')}`);
  }

  rmdir(call: Call, rel: string[]): void {
    const node = this.lookup(rel);
    if (node?.kind === 'file') call.fail('ENOTDIR', `${CGROUPFS_MOUNT}/${rel.join('/')} is an interface file`);
    this.tree.rmdir(call, `/${rel.join('/')}`);
  }

  /**
   * open(2) of an interface file, with the caller's access mode (and status flags) in `flags`.
   * Files that cannot be read (cgroup.kill) or written (cgroup.events) refuse that access mode
   * with EACCES, as their permission bits make open(2) do.
   */
  open(call: Call, rel: string[], flags: number): OpenFile {
    const node = this.lookup(rel);
    if (!node) call.fail('ENOENT', `${CGROUPFS_MOUNT}/${rel.join('/')} does not exist (cgroupfs files cannot be created)`);
    if (node.kind === 'dir') call.fail('EISDIR', `${CGROUPFS_MOUNT}/${rel.join('/')} is a cgroup directory`);
    const acc = flags & O_ACCMODE;
    const { readable, writable } = this.tree.access(node.name);
    if (acc !== O_WRONLY && !readable) call.fail('EACCES', `${node.name} is write-only`);
    if (acc !== O_RDONLY && !writable) call.fail('EACCES', `${node.name} is read-only`);
    const state: InterfaceFileState = { tree: this.tree, cgroup: node.cgroup, name: node.name, snapshot: null, seenEvents: node.cgroup.eventsSeq };
    return new OpenFile(interfaceFileOps, flags, state);
  }
}
