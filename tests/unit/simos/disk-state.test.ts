import { describe, expect, it } from 'vitest';
import { DiskImage } from '../../../sandboxes/simos/disk-image.ts';
import { DEFAULT_CHOICE_LIMITS, DiskState, tearPoints, type DiskOp } from '../../../sandboxes/simos/disk.ts';
import { S_IFDIR, S_IFREG } from '../../../sandboxes/simos/inode.ts';

// A one-device disk: / (ino 2) with /a (ino 3) and /b (ino 4); new files from ino 11.
const fresh = () => new DiskState(DiskImage.create([{ dev: 1, kind: 'disk', mountPath: '/', dirs: ['/a', '/b'] }]).devices[0]!);
const bytes = (s: string) => new TextEncoder().encode(s);
const F = S_IFREG | 0o644;

function image(d: DiskState, which: 'synced' | 'all'): DiskImage {
  const chosen = which === 'all' ? [...d.pending.values()].map((ops) => ({ ops })) : [];
  return new DiskImage([d.freeze(d.build(chosen))]);
}

describe('DiskState', () => {
  it('syncs a file stream and a directory stream independently', () => {
    const d = fresh();
    let seq = 0;
    const ops: DiskOp[] = [
      { op: 'link', dev: 1, dir: 3, name: 'f', ino: 11, mode: F, target: '' },
      { op: 'write', dev: 1, ino: 11, mode: F, offset: 0, data: bytes('data') },
    ];
    for (const op of ops) d.issue(seq++, op);
    d.issue(seq++, { op: 'sync', dev: 1, ino: 11 });
    expect(image(d, 'synced').exists('/a/f')).toBe(false); // data durable, name not
    d.issue(seq++, { op: 'sync', dev: 1, ino: 3 });
    expect(image(d, 'synced').readText('/a/f')).toBe('data');
  });

  it('makes a cross-directory rename durable when either directory is synced, with what precedes it', () => {
    const d = fresh();
    d.issue(0, { op: 'link', dev: 1, dir: 3, name: 'f', ino: 11, mode: F, target: '' });
    d.issue(1, { op: 'sync', dev: 1, ino: 3 });
    d.issue(2, { op: 'link', dev: 1, dir: 4, name: 'other', ino: 12, mode: F, target: '' });
    d.issue(3, { op: 'rename', dev: 1, fromDir: 3, fromName: 'f', toDir: 4, toName: 'g', ino: 11 });
    d.issue(4, { op: 'link', dev: 1, dir: 4, name: 'later', ino: 13, mode: F, target: '' });
    d.issue(5, { op: 'sync', dev: 1, ino: 3 }); // the source directory
    const img = image(d, 'synced');
    expect([img.list('/a'), img.list('/b')]).toEqual([[], ['g', 'other']]);
  });

  it('drops a file\'s pending writes on EIO ("lose") without applying them', () => {
    const d = fresh();
    d.issue(0, { op: 'link', dev: 1, dir: 3, name: 'f', ino: 11, mode: F, target: '' });
    d.issue(1, { op: 'sync', dev: 1, ino: 3 });
    d.issue(2, { op: 'write', dev: 1, ino: 11, mode: F, offset: 0, data: bytes('lost') });
    d.issue(3, { op: 'lose', dev: 1, ino: 11 });
    d.issue(4, { op: 'sync', dev: 1, ino: 11 });
    expect(image(d, 'all').readText('/a/f')).toBe('');
    expect(d.pending.size).toBe(0);
  });

  it('leaves out inodes no name reaches, and names whose inode never reached the disk', () => {
    const d = fresh();
    d.issue(0, { op: 'link', dev: 1, dir: 3, name: 'sub', ino: 11, mode: S_IFDIR | 0o755, target: '' });
    d.issue(1, { op: 'link', dev: 1, dir: 11, name: 'f', ino: 12, mode: F, target: '' });
    d.issue(2, { op: 'sync', dev: 1, ino: 11 }); // the new directory's entry is durable, its own name is not
    const img = image(d, 'synced');
    expect(img.list('/a')).toEqual([]);
    expect(img.devices[0]!.inodes.has(11)).toBe(false);
    expect(img.devices[0]!.inodes.has(12)).toBe(false);
  });

  it('lists prefixes for directories, subsets for short file streams, and tears of the last write', () => {
    const d = fresh();
    d.issue(0, { op: 'link', dev: 1, dir: 3, name: 'x', ino: 11, mode: F, target: '' });
    d.issue(1, { op: 'link', dev: 1, dir: 3, name: 'y', ino: 12, mode: F, target: '' });
    d.issue(2, { op: 'write', dev: 1, ino: 11, mode: F, offset: 0, data: new Uint8Array(600) });
    d.issue(3, { op: 'write', dev: 1, ino: 11, mode: F, offset: 600, data: new Uint8Array(10) });
    const c = d.choices(DEFAULT_CHOICE_LIMITS);
    expect(c.get(3)!.map((x) => x.ops.map((p) => p.seq))).toEqual([[], [0], [0, 1]]);
    // {}, {w600}, {w600 torn at 512}, {w10}, {w600, w10}: the 10-byte write crosses no boundary.
    expect(c.get(11)!.map((x) => `${x.ops.map((p) => p.seq).join('+')}${x.tornBytes !== undefined ? `/${x.tornBytes}` : ''}`)).toEqual(['', '2', '2/512', '3', '2+3']);
  });

  it('keeps at most maxTearsPerWrite tear points, spread from the first to the last', () => {
    const p = { seq: 0, op: { op: 'write' as const, dev: 1, ino: 11, mode: F, offset: 100, data: new Uint8Array(512 * 100) } };
    const all = tearPoints(p, 512, Infinity);
    expect(all.length).toBe(100);
    expect(all[0]).toBe(412);
    const few = tearPoints(p, 512, 5);
    expect(few).toEqual([all[0], all[25], all[50], all[74], all[99]]);
  });
});

describe('DiskState.choices leaves out streams no image can show', () => {
  it('drops the data of a file whose name was replaced and synced, keeps files under a directory whose name is pending', () => {
    const d = fresh();
    // /a/t (ino 11) written, then renamed over by /a/t2 (ino 12), all names synced: 11 is gone.
    d.issue(0, { op: 'link', dev: 1, dir: 3, name: 't', ino: 11, mode: F, target: '' });
    d.issue(1, { op: 'write', dev: 1, ino: 11, mode: F, offset: 0, data: bytes('old') });
    d.issue(2, { op: 'link', dev: 1, dir: 3, name: 't2', ino: 12, mode: F, target: '' });
    d.issue(3, { op: 'rename', dev: 1, fromDir: 3, fromName: 't2', toDir: 3, toName: 't', ino: 12 });
    d.issue(4, { op: 'sync', dev: 1, ino: 3 });
    // /b/sub (ino 13) whose own name is pending, holding f (ino 14, name synced) with pending data.
    d.issue(5, { op: 'link', dev: 1, dir: 4, name: 'sub', ino: 13, mode: S_IFDIR | 0o755, target: '' });
    d.issue(6, { op: 'link', dev: 1, dir: 13, name: 'f', ino: 14, mode: F, target: '' });
    d.issue(7, { op: 'sync', dev: 1, ino: 13 });
    d.issue(8, { op: 'write', dev: 1, ino: 14, mode: F, offset: 0, data: bytes('kept') });
    expect([...d.choices(DEFAULT_CHOICE_LIMITS).keys()].sort()).toEqual([14, 4]);
    expect([...d.pending.keys()].sort()).toEqual([11, 14, 4]);
  });
});
