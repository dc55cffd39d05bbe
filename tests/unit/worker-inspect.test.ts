import { describe, expect, it } from 'vitest';
import { formatArgs, inspect } from '../../sandboxes/worker/inspect.ts';

describe('formatArgs (console.log in the sandbox)', () => {
  it('prints strings as they are and other values inspected, space-separated', () => {
    expect(formatArgs(['pid', 42, 'state', 'zombie', true, null, undefined])).toBe('pid 42 state zombie true null undefined');
    expect(formatArgs([])).toBe('');
  });

  it('applies printf-style directives to the first string, like Node', () => {
    expect(formatArgs(['%s has %d children (%i%%)', 'init', 3, 42.9])).toBe('init has 3 children (42%)');
    expect(formatArgs(['%o and %j', { a: 1 }, { b: [2] }])).toBe("{ a: 1 } and {\"b\":[2]}");
    expect(formatArgs(['%s', 'only', 'extra'])).toBe('only extra');
    expect(formatArgs(['%d left', 10n])).toBe('10n left');
  });
});

describe('inspect', () => {
  it('shows collections the way Node does', () => {
    expect(inspect({ pid: 1, argv: ['sh', '-c'], env: {} })).toBe("{ pid: 1, argv: [ 'sh', '-c' ], env: {} }");
    expect(inspect(new Map([['a', 1]]))).toBe("Map(1) { 'a' => 1 }");
    expect(inspect(new Set([1, 2]))).toBe('Set(2) { 1, 2 }');
    expect(inspect(new Uint8Array([1, 2]))).toBe('Uint8Array(2) [ 1, 2 ]');
    expect(inspect({ 'needs quotes': "it's" })).toBe(`{ 'needs quotes': "it's" }`);
    expect(inspect(-0)).toBe('-0');
  });

  it('names class instances and cuts deep or circular structures', () => {
    class Inode {
      number = 7;
    }
    expect(inspect(new Inode())).toBe('Inode { number: 7 }');
    expect(inspect({ a: { b: { c: { d: 1 } } } })).toBe('{ a: { b: { c: [Object] } } }');
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    expect(inspect(loop)).toBe("{ name: 'loop', self: [Circular *] }");
    expect(inspect(function reap() {})).toBe('[Function: reap]');
  });

  it('breaks long collections over lines and caps them at 100 items', () => {
    const long = inspect(Array.from({ length: 120 }, (_, i) => i));
    expect(long.split('\n')[0]).toBe('[');
    expect(long).toContain('  99,\n  ... 20 more items\n]');
  });
});
