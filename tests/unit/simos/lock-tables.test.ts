import { describe, expect, it } from 'vitest';
import { FlockTable } from '../../../sandboxes/simos/flock.ts';
import { RangeLockTable, byteRange } from '../../../sandboxes/simos/record-lock.ts';

const A = { name: 'A' };
const B = { name: 'B' };
const C = { name: 'C' };

describe('FlockTable', () => {
  it('shared locks coexist; exclusive conflicts with any other holder; own lock never conflicts', () => {
    const t = new FlockTable<object>();
    t.grant(A, 'shared');
    expect(t.conflicts(B, 'shared')).toEqual([]);
    t.grant(B, 'shared');
    expect(t.conflicts(C, 'exclusive')).toEqual([A, B]);
    expect(t.conflicts(A, 'exclusive')).toEqual([B]);
    t.release(B);
    expect(t.conflicts(A, 'exclusive')).toEqual([]);
    t.grant(A, 'exclusive');
    expect(t.conflicts(B, 'shared')).toEqual([A]);
    expect(t.modeOf(A)).toBe('exclusive');
    expect(t.release(A)).toBe(true);
    expect(t.release(A)).toBe(false);
    expect(t.empty).toBe(true);
  });
});

describe('RangeLockTable', () => {
  const ranges = (t: RangeLockTable<object>, o: object) => t.ownedBy(o).map((l) => [l.type, l.start, l.end]);

  it('read locks of different owners coexist; a write lock conflicts with any overlap', () => {
    const t = new RangeLockTable<object>();
    t.set(A, 'read', 0, 10);
    expect(t.conflicts(B, 'read', 5, 15)).toEqual([]);
    expect(t.conflicts(B, 'write', 9, 15).map((l) => l.owner)).toEqual([A]);
    expect(t.conflicts(B, 'write', 10, 15)).toEqual([]); // [0,10) ends before byte 10
    expect(t.conflicts(A, 'write', 0, 10)).toEqual([]); // own locks never conflict
  });

  it('a lock in the middle of an own lock of the other type splits it into three', () => {
    const t = new RangeLockTable<object>();
    t.set(A, 'read', 0, 100);
    t.set(A, 'write', 40, 60);
    expect(ranges(t, A)).toEqual([['read', 0, 40], ['write', 40, 60], ['read', 60, 100]]);
    t.set(A, 'unlock', 50, 70);
    expect(ranges(t, A)).toEqual([['read', 0, 40], ['write', 40, 50], ['read', 70, 100]]);
  });

  it('adjacent and overlapping locks of one owner and type merge', () => {
    const t = new RangeLockTable<object>();
    t.set(A, 'write', 0, 10);
    t.set(A, 'write', 10, 20);
    t.set(A, 'write', 15, Infinity);
    expect(ranges(t, A)).toEqual([['write', 0, Infinity]]);
    t.set(B, 'read', 0, 5); // another owner's locks are not merged with A's
    expect(ranges(t, B)).toEqual([['read', 0, 5]]);
    expect(t.all()).toHaveLength(2);
  });

  it('unlocking a range nobody holds is a no-op; releaseOwner drops everything of one owner', () => {
    const t = new RangeLockTable<object>();
    t.set(A, 'unlock', 0, Infinity);
    expect(t.empty).toBe(true);
    t.set(A, 'read', 0, 10);
    t.set(A, 'write', 20, 30);
    t.set(B, 'read', 0, 10);
    expect(t.releaseOwner(A)).toBe(true);
    expect(t.releaseOwner(A)).toBe(false);
    expect(t.all().map((l) => l.owner)).toEqual([B]);
  });
});

describe('byteRange', () => {
  it('turns l_start/l_len into a half-open range, including negative lengths', () => {
    expect(byteRange(5, 0)).toEqual({ start: 5, end: Infinity });
    expect(byteRange(5, 10)).toEqual({ start: 5, end: 15 });
    expect(byteRange(10, -4)).toEqual({ start: 6, end: 10 });
    expect(byteRange(-1, 1)).toMatch(/before the start/);
    expect(byteRange(2, -3)).toMatch(/past byte 0/);
  });
});
