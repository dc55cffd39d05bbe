/**
 * cgroup v2, the process-containment part [Documentation/admin-guide/cgroup-v2.rst]: a tree of
 * cgroups rooted at "/", every process in exactly one of them, membership inherited at fork,
 * the core files cgroup.procs, cgroup.events and cgroup.kill, and the pids controller (pids.max,
 * pids.current). No other controller is modelled.
 *
 * The API is path-based and does not care which system call reaches it: the dedicated calls in
 * sys-cgroup.ts use it today, and a pseudo-filesystem mounted at /sys/fs/cgroup can map
 * `<path>/<file>` onto `read`/`write` and directories onto `mkdir`/`rmdir`/`children`.
 *
 * Two moments of a process's end matter, as in Linux: at exit (do_exit -> cgroup_exit) a process
 * stops being *live*, so `populated` can drop to 0 and the cgroup may be removed while its zombies
 * wait; at reap (release_task -> cgroup_release -> pids_release) its pids charge is returned, so
 * pids.current counts zombies until their parent collects them.
 */
import type { Call } from './call.ts';
import { SysError } from './errno.ts';
import type { Kernel } from './kernel.ts';
import type { Process } from './proc.ts';
import { SIGKILL } from './signals.ts';

export type PidsMax = number | 'max';

/** kernel/cgroup/pids.c: PIDS_MAX is PID_MAX_LIMIT + 1; pids.max accepts 0 .. PIDS_MAX - 1. */
const PIDS_MAX = 4 * 1024 * 1024 + 1;
const NAME_MAX = 255;

export class Cgroup {
  readonly children = new Map<string, Cgroup>();
  /** Processes in this cgroup that are not yet reaped (zombies stay until release_task). */
  readonly members = new Set<Process>();
  pidsMax: PidsMax = 'max';
  /** pids charged to this cgroup and its descendants: pids.current. */
  pidsCurrent = 0;
  /** rmdir'ed while zombies still pointed at it; /proc/PID/cgroup then says " (deleted)". */
  removed = false;
  /** Bumped each time `populated` flips: a "file modified" event on cgroup.events (poll, inotify). */
  eventsSeq = 0;

  constructor(
    readonly name: string,
    readonly parent: Cgroup | null,
  ) {}

  get isRoot(): boolean {
    return this.parent === null;
  }

  get path(): string {
    if (!this.parent) return '/';
    const up = this.parent.path;
    return up === '/' ? `/${this.name}` : `${up}/${this.name}`;
  }

  /** This cgroup, then its parent, up to the root. */
  ancestry(): Cgroup[] {
    const out: Cgroup[] = [];
    for (let c: Cgroup | null = this; c; c = c.parent) out.push(c);
    return out;
  }

  /** This cgroup and every descendant, parents before children (cgroup_for_each_live_descendant_pre). */
  subtree(): Cgroup[] {
    const out: Cgroup[] = [this];
    for (let i = 0; i < out.length; i++) for (const child of out[i]!.children.values()) out.push(child);
    return out;
  }
}

interface InterfaceFile {
  /** Also present in the root cgroup (the doc's "exists on all cgroups" vs "non-root"). */
  onRoot: boolean;
  read?: (tree: CgroupTree, cg: Cgroup) => string;
  write?: (tree: CgroupTree, cg: Cgroup, call: Call, text: string) => void;
}

const FILES: Record<string, InterfaceFile> = {
  'cgroup.procs': {
    onRoot: true,
    // Live processes of this cgroup only, not of descendants; zombies are not listed.
    read: (_t, cg) => lines(livePids(cg)),
    write: (tree, cg, call, text) => tree.migrate(call, cg, parsePid(call, text)),
  },
  'cgroup.events': {
    onRoot: false,
    // frozen is always 0: the freezer (cgroup.freeze) is not modelled.
    read: (tree, cg) => `populated ${tree.populated(cg) ? 1 : 0}\nfrozen 0\n`,
  },
  'cgroup.kill': {
    onRoot: false,
    write: (tree, cg, call, text) => {
      // cgroup_kill_write: kstrtoint, then anything but 1 is ERANGE.
      const n = parseKernelInt(text);
      if (n === undefined) call.fail('EINVAL', `cgroup.kill takes "1", got ${JSON.stringify(text)}`);
      if (n !== 1) call.fail('ERANGE', `the only value cgroup.kill accepts is 1, got ${n}`);
      tree.kill(call, cg);
    },
  },
  'pids.max': {
    onRoot: false,
    read: (_t, cg) => `${cg.pidsMax}\n`,
    write: (tree, cg, call, text) => tree.setPidsMax(call, cg, text),
  },
  'pids.current': {
    onRoot: false,
    read: (_t, cg) => `${cg.pidsCurrent}\n`,
  },
};

function lines(values: number[]): string {
  return values.map((v) => `${v}\n`).join('');
}

function livePids(cg: Cgroup): number[] {
  return [...cg.members].filter((p) => p.alive).map((p) => p.pid).sort((a, b) => a - b);
}

/** kstrtoint with base 0 after strstrip: decimal, 0x hex or 0 octal, optional sign. */
function parseKernelInt(text: string): number | undefined {
  const s = text.trim();
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = body.length > 1 && body[0] === '0' && (body[1] === 'x' || body[1] === 'X') ? parseInt(body.slice(2), 16)
    : body.length > 1 && body[0] === '0' ? parseInt(body.slice(1), 8)
    : parseInt(body, 10);
  return m[1] === '-' ? -v : v;
}

function parsePid(call: Call, text: string): number {
  const n = parseKernelInt(text);
  if (n === undefined || n < 0) call.fail('EINVAL', `cgroup.procs takes one pid, got ${JSON.stringify(text)}`);
  return n;
}

/** Split "/a/b" (or "a/b", "/a/b/") into names; "." and ".." are not resolved here. */
function splitPath(call: Call, path: unknown): string[] {
  if (typeof path !== 'string') call.fail('EINVAL', `a cgroup path must be a string like "/job1", got ${typeof path}`);
  const names = path.split('/').filter((n) => n.length > 0);
  for (const n of names) {
    if (n === '.' || n === '..') call.fail('EINVAL', `cgroup paths are absolute inside the hierarchy, without "." or "..": ${JSON.stringify(path)}`);
    if (n.length > NAME_MAX) call.fail('ENAMETOOLONG', `"${n.slice(0, 20)}…" is longer than ${NAME_MAX} bytes`);
  }
  return names;
}

/** The one cgroup hierarchy of a kernel: `CgroupTree.of(kernel)` creates it on first use. */
export class CgroupTree {
  readonly root = new Cgroup('', null);

  static of(kernel: Kernel): CgroupTree {
    return (kernel.ext.cgroup as CgroupTree | undefined) ?? new CgroupTree(kernel);
  }

  private constructor(private readonly kernel: Kernel) {
    kernel.ext.cgroup = this;
    // "Initially, only the root cgroup exists to which all processes belong": adopt every process
    // that existed before the first cgroup call.
    for (const p of kernel.procs.values()) this.#put(p, this.root);
    kernel.hooks.beforeFork.push((parent) => this.#checkPidsMax(parent));
    kernel.hooks.afterFork.push((parent, child) => this.#put(child, this.cgroupOf(parent)));
    kernel.hooks.afterExit.push((p) => this.#exited(p));
    kernel.hooks.afterReap.push((p) => this.#leave(p));
  }

  // ------------------------------------------------------------------ lookup

  cgroupOf(p: Process): Cgroup {
    return (p.ext.cgroup as Cgroup | undefined) ?? this.root;
  }

  /** The cgroup at `path`, or undefined. */
  lookup(names: string[]): Cgroup | undefined {
    let cg: Cgroup | undefined = this.root;
    for (const n of names) cg = cg?.children.get(n);
    return cg;
  }

  /** The cgroup at `path`; ENOENT when there is none. */
  resolve(call: Call, path: unknown): Cgroup {
    const cg = this.lookup(splitPath(call, path));
    if (!cg) call.fail('ENOENT', `no cgroup ${JSON.stringify(path)}`);
    return cg;
  }

  /** Interface file names present in `cg` (a directory listing's files). */
  files(cg: Cgroup): string[] {
    return Object.keys(FILES).filter((f) => !cg.isRoot || FILES[f]!.onRoot);
  }

  /** Names of the child cgroups (a directory listing's subdirectories). */
  children(cg: Cgroup): string[] {
    return [...cg.children.keys()].sort();
  }

  /** 1 while the cgroup or any descendant has a live (not exited) process. */
  populated(cg: Cgroup): boolean {
    return cg.subtree().some((c) => [...c.members].some((p) => p.alive));
  }

  /** Live pids in the whole subtree, for wait-for graphs. */
  livePidsBelow(cg: Cgroup): number[] {
    return cg.subtree().flatMap(livePids);
  }

  // ------------------------------------------------------------------ directories

  mkdir(call: Call, path: unknown): Cgroup {
    const names = splitPath(call, path);
    if (names.length === 0) call.fail('EEXIST', 'the root cgroup "/" always exists');
    const name = names[names.length - 1]!;
    const parent = this.lookup(names.slice(0, -1));
    if (!parent) call.fail('ENOENT', `the parent of ${JSON.stringify(path)} does not exist (mkdir does not create parents)`);
    if (parent.children.has(name)) call.fail('EEXIST', `cgroup ${JSON.stringify(path)} already exists`);
    if (this.files(parent).includes(name)) call.fail('EEXIST', `"${name}" is an interface file of ${parent.path}`);
    const cg = new Cgroup(name, parent);
    parent.children.set(name, cg);
    this.#note(call.proc.pid, `cgroup ${cg.path} created`);
    return cg;
  }

  /** rmdir: only a cgroup with no child cgroups and no live process; zombies do not count. */
  rmdir(call: Call, path: unknown): void {
    const cg = this.resolve(call, path);
    if (cg.isRoot) call.fail('EBUSY', 'the root cgroup cannot be removed');
    if (cg.children.size > 0) call.fail('EBUSY', `cgroup ${cg.path} still has child cgroups: ${this.children(cg).join(', ')}`);
    const live = livePids(cg);
    if (live.length > 0) call.fail('EBUSY', `cgroup ${cg.path} still has live processes: ${live.join(', ')}`);
    cg.parent!.children.delete(cg.name);
    cg.removed = true;
    this.#note(call.proc.pid, `cgroup ${cg.path} removed`);
  }

  // ------------------------------------------------------------------ interface files

  /** Which ways an interface file can be opened (its permission bits, in effect). */
  access(file: string): { readable: boolean; writable: boolean } {
    const f = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
    return { readable: !!f?.read, writable: !!f?.write };
  }

  read(call: Call, cg: Cgroup, file: unknown): string {
    const f = this.#file(call, cg, file);
    if (!f.read) call.fail('EINVAL', `${file} is write-only`);
    return f.read(this, cg);
  }

  write(call: Call, cg: Cgroup, file: unknown, text: unknown): void {
    const f = this.#file(call, cg, file);
    if (!f.write) call.fail('EINVAL', `${file} is read-only`);
    if (typeof text !== 'string') call.fail('EINVAL', `the value written to ${file} must be a string`);
    f.write(this, cg, call, text);
  }

  #file(call: Call, cg: Cgroup, file: unknown): InterfaceFile {
    // An open file of a removed cgroup: kernfs has deactivated it.
    if (cg.removed) call.fail('ENODEV', `cgroup ${cg.path} has been removed`);
    if (typeof file !== 'string') call.fail('EINVAL', 'the interface file name must be a string');
    const f = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
    if (!f) call.fail('ENOENT', `simos cgroups have no file "${file}" (there are: ${Object.keys(FILES).join(', ')})`);
    if (cg.isRoot && !f.onRoot) call.fail('ENOENT', `${file} exists only in non-root cgroups`);
    return f;
  }

  /**
   * Writing a pid to cgroup.procs moves the whole process. simos checks no permissions; Linux
   * also requires write access to the common ancestor's cgroup.procs (the delegation rule).
   * A zombie is skipped without an error (cgroup_migrate_add_task ignores PF_EXITING tasks).
   */
  migrate(call: Call, dest: Cgroup, pid: number): void {
    const p = pid === 0 ? call.proc : this.kernel.procs.get(pid);
    if (!p || p.state === 'reaped') call.fail('ESRCH', `no process ${pid}`);
    if (p === this.kernel.init) call.fail('EINVAL', 'pid 1 is simos\'s own init; it stays in the root cgroup');
    if (!p.alive) return;
    const src = this.cgroupOf(p);
    if (src === dest) return;
    const wasEmpty = dest.ancestry().filter((a) => !a.isRoot && !this.populated(a));
    src.members.delete(p);
    this.#charge(src, -1);
    // Organisational operations are not limited by pids.max: migration may exceed it.
    this.#put(p, dest);
    this.#note(call.proc.pid, `pid ${p.pid} moved from cgroup ${src.path} to ${dest.path}`);
    for (const a of wasEmpty) this.#flipped(call.proc.pid, a, 1);
    this.#notePopulated(call.proc.pid, src);
    this.kernel.scheduler.changed();
  }

  /**
   * cgroup.kill: SIGKILL every process of the cgroup and its descendants. As in Linux the kill is
   * asynchronous: each victim gets SIGKILL pending and dies at its next scheduling point, before
   * it can make another system call, so `populated` stays 1 until the victims have run (wait for
   * `populated 0`). No fork escapes: a victim cannot fork any more, and a child it forked earlier
   * is already in the subtree. Linux needs the CGRP_KILL flag tested in cgroup_post_fork for a
   * child that exists but is not yet linked into its cgroup while the kill walks the tasks
   * [commit 661ee6280931]; in simos a fork links the child within the same call, so that window
   * never opens.
   */
  kill(call: Call, cg: Cgroup): void {
    const k = this.kernel;
    const reason = `cgroup.kill ${cg.path}`;
    const victims = cg.subtree().flatMap((c) => [...c.members].filter((p) => p.alive));
    this.#note(call.proc.pid, `${reason}: ${victims.length} process(es)`);
    for (const p of victims) {
      // The writer dies on its way out of the write, and a stopped process runs nothing before
      // it would be killed: both die now.
      if (p === call.proc || p.stopped) {
        k.sendSignal(p, SIGKILL, call.proc.pid, reason);
        continue;
      }
      if (p.sigPending.includes(SIGKILL)) continue;
      k.trace.event(k.clock.nowMs, p.pid, 'signal', { sig: SIGKILL, from: call.proc.pid, reason });
      p.sigPending.push(SIGKILL);
    }
    k.scheduler.changed();
  }

  setPidsMax(call: Call, cg: Cgroup, text: string): void {
    const s = text.trim();
    if (s === 'max') {
      cg.pidsMax = 'max';
    } else {
      const n = parseKernelInt(s);
      if (n === undefined || n < 0 || n >= PIDS_MAX) call.fail('EINVAL', `pids.max takes "max" or a number from 0 to ${PIDS_MAX - 1}, got ${JSON.stringify(text)}`);
      cg.pidsMax = n;
    }
    this.kernel.scheduler.changed();
  }

  // ------------------------------------------------------------------ life cycle

  #put(p: Process, cg: Cgroup): void {
    p.ext.cgroup = cg;
    cg.members.add(p);
    this.#charge(cg, +1);
  }

  #charge(cg: Cgroup, n: number): void {
    for (const a of cg.ancestry()) a.pidsCurrent += n;
  }

  /** pids_can_fork: every ancestor's limit applies, and zombies still hold their charge. */
  #checkPidsMax(parent: Process): void {
    for (const a of this.cgroupOf(parent).ancestry()) {
      if (a.isRoot || a.pidsMax === 'max' || a.pidsCurrent + 1 <= a.pidsMax) continue;
      const callName = this.kernel.scheduler.current?.pending?.name ?? 'fork';
      throw new SysError(
        'EAGAIN',
        callName,
        `cgroup ${a.path} has pids.max ${a.pidsMax} and pids.current ${a.pidsCurrent} (zombies count until reaped)`,
      );
    }
  }

  #exited(p: Process): void {
    this.#notePopulated(p.pid, this.cgroupOf(p));
  }

  #leave(p: Process): void {
    const cg = this.cgroupOf(p);
    if (!cg.members.delete(p)) return;
    this.#charge(cg, -1);
  }

  /**
   * After a process left `from` (exit, migration): every cgroup on the way to the root that has
   * no live process left flips to `populated 0` (they all held that process a moment ago).
   */
  #notePopulated(pid: number, from: Cgroup): void {
    for (const a of from.ancestry()) if (!a.isRoot && !this.populated(a)) this.#flipped(pid, a, 0);
  }

  #flipped(pid: number, cg: Cgroup, populated: 0 | 1): void {
    cg.eventsSeq++;
    this.#note(pid, `cgroup ${cg.path}${cg.removed ? ' (deleted)' : ''}: populated ${populated}`);
  }

  #note(pid: number, text: string): void {
    this.kernel.trace.event(this.kernel.clock.nowMs, pid, 'note', { text });
  }
}
