/**
 * Crashes from the outside, on the `Sim` a test holds: a process crash (SIGKILL: the page cache
 * survives, so everything the process wrote is still there) versus a power cut (the page cache is
 * lost; each device keeps its durable state plus whatever of the pending writes the seed lets
 * through, disk.ts). After a power cut the machine is off; `reboot()` boots a new one on the
 * surviving disk to run recovery.
 */
import { DiskImage, type DeviceImage, type DurableInode } from './disk-image.ts';
import type { StreamChoice } from './disk.ts';
import type { Device } from './device.ts';
import type { Inode } from './inode.ts';
import { Sim, type SimOptions } from './sim.ts';
import { SIGKILL } from './signals.ts';
import { Vfs, vfsOf, type DiskOptions, type DiskRecording } from './vfs.ts';

/** What survives of the writes not yet synced: a seeded mix (default), none of them, or all. */
export type Survival = 'random' | 'synced' | 'all';

export interface RebootOptions extends SimOptions {
  /** Disk options for the new machine (faults, record); the image is the power cut's survivor. */
  disk?: Omit<DiskOptions, 'image'>;
}

declare module './sim.ts' {
  interface Sim {
    /**
     * Set up the machine's disks before anything touches a file: boot on `image`, preload
     * `files`, turn on `faults`, `record` disk operations for enumerateCrashStates. Throws if a
     * file call already ran (the file system exists by then).
     */
    configureDisk(opts: DiskOptions): this;
    /**
     * Cut the power: every process dies at once, the page cache is lost, and what each device
     * keeps is its synced state plus — per `survive` — a seeded choice of the pending writes
     * ('random', default), none of them ('synced') or all ('all'). Returns the surviving disk;
     * the machine stays off (file calls fail with EIO) until `reboot()` makes a new one. Call it
     * between runs, not from inside a simulated program.
     */
    powerCut(survive?: Survival): DiskImage;
    /** SIGKILL `pid` from outside, as a crash would: its writes stay in the page cache and are still read by others. */
    crashProcess(pid: number): void;
    /** A new machine booted on the disk the last powerCut left, with the same programs registered and seed (unless given). */
    reboot(opts?: RebootOptions): Sim;
    /** The disk operations of the run so far (needs `configureDisk({ record: true })`). */
    diskRecording(): DiskRecording;
    /** The disk as it is now: 'durable' (what a power cut with nothing pending surviving keeps) or 'cache' (what processes see). */
    diskImage(which?: 'durable' | 'cache'): DiskImage;
  }
}

const SURVIVOR = 'disk.survivor';

Sim.prototype.configureDisk = function (opts) {
  if (this.kernel.ext.vfs) throw new Error('configureDisk must come before the first file call: the file system already exists');
  this.kernel.ext.vfs = new Vfs(this.kernel, opts);
  return this;
};

Sim.prototype.powerCut = function (survive: Survival = 'random') {
  const k = this.kernel;
  const vfs = vfsOf(k);
  if (vfs.poweredOff) throw new Error('the power is already off; reboot() first');
  const current = k.scheduler.current;
  if (current && current.state !== 'exited') {
    throw new Error('sim.powerCut() was called from inside a simulated program; call it after sim.run() returns');
  }
  const rng = k.rng.fork('disk');
  const devices = vfs.devices.map((d) => {
    const disk = d.disk;
    let chosen: Iterable<StreamChoice>;
    if (survive === 'random') chosen = disk.randomChoice(rng).values();
    else if (survive === 'all') chosen = [...disk.pending.values()].map((ops) => ({ ops }));
    else chosen = [];
    return disk.freeze(disk.build(chosen));
  });
  const image = new DiskImage(devices);
  vfs.poweredOff = true;
  k.trace.event(k.clock.nowMs, 0, 'note', { text: `power cut (${survive}): the page cache is lost` });
  for (const p of [...k.procs.values()]) if (p.pid !== 1 && p.alive) k.sendSignal(p, SIGKILL, 0, 'power cut');
  k.scheduler.changed();
  k.ext[SURVIVOR] = image;
  return image;
};

Sim.prototype.crashProcess = function (pid: number) {
  const p = this.kernel.procs.get(pid);
  if (!p || !p.alive) throw new Error(`crashProcess: no live process ${pid}`);
  if (this.kernel.scheduler.current?.proc === p) throw new Error(`crashProcess(${pid}) from inside pid ${pid} itself: use k.kill(await k.getpid(), SIGKILL)`);
  this.kernel.sendSignal(p, SIGKILL, 0, 'crashProcess');
  this.kernel.scheduler.changed();
};

Sim.prototype.reboot = function (opts: RebootOptions = {}) {
  const image = this.kernel.ext[SURVIVOR] as DiskImage | undefined;
  if (!image) throw new Error('reboot() needs a powerCut() first');
  const { disk, ...simOpts } = opts;
  const { disk: _previousDisk, ...inherited } = this.options;
  const next = new Sim({ ...inherited, seed: this.seed, limits: { ...this.kernel.limits }, ...simOpts });
  for (const [name, main] of this.kernel.programs) next.register(name, main);
  const old = this.kernel.ext.vfs as Vfs;
  next.configureDisk({ record: old.recording !== null, ...disk, image });
  return next;
};

Sim.prototype.diskRecording = function () {
  const rec = vfsOf(this.kernel).recording;
  if (!rec) throw new Error('this run was not recorded: call sim.configureDisk({ record: true }) before it');
  return rec;
};

Sim.prototype.diskImage = function (which: 'durable' | 'cache' = 'durable') {
  const vfs = vfsOf(this.kernel);
  if (which === 'durable') return new DiskImage(vfs.devices.map((d) => d.disk.freeze(d.disk.build([]))));
  return new DiskImage(vfs.devices.map(cacheImage));
};

/** The page cache of `d` as a DeviceImage (what processes would read now). */
function cacheImage(d: Device): DeviceImage {
  const inodes = new Map<number, DurableInode>();
  const visit = (node: Inode): void => {
    if (inodes.has(node.ino)) return;
    const entries = node.entries && new Map([...node.entries].map(([name, child]) => [name, child.ino] as [string, number]));
    inodes.set(node.ino, { mode: node.mode, data: node.contents(), mtimeMs: node.mtimeMs, entries, target: node.linkTarget });
    // Entries that are mount points hold the mount point's own (root-device) inode, not the mounted root.
    if (node.entries) for (const child of node.entries.values()) visit(child);
  };
  visit(d.root);
  return { dev: d.dev, kind: d.kind, mountPath: d.mountPath, sectorBytes: d.disk.sectorBytes, rootIno: d.root.ino, nextIno: d.disk.nextIno, inodes };
}

/** A new machine booted on `image` (a crash state, a power cut's survivor) with `opts`. */
export function bootSim(image: DiskImage, opts: SimOptions & { disk?: Omit<DiskOptions, 'image'> } = {}): Sim {
  const { disk, ...simOpts } = opts;
  return new Sim(simOpts).configureDisk({ ...disk, image });
}
