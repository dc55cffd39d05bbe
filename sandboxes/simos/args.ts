/**
 * Argument checking for system call handlers ("we don't trust user code", xv6 sysfile.c).
 * Wrong types and out-of-range values become EINVAL/EBADF with a sentence saying what was wrong,
 * never a JavaScript TypeError from inside simos.
 */
import type { Call } from './call.ts';
import type { ErrnoName } from './errno.ts';

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return `a Uint8Array(${v.length})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return String(v);
  return typeof v;
}

/** An integer argument (pid, signal, flags). */
export function argInt(call: Call, v: unknown, name: string, code: ErrnoName = 'EINVAL'): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) call.fail(code, `${name} must be an integer, got ${describeValue(v)}`);
  return v;
}

/** A non-negative integer (counts, sizes, offsets). */
export function argCount(call: Call, v: unknown, name: string): number {
  const n = argInt(call, v, name);
  if (n < 0) call.fail('EINVAL', `${name} must not be negative, got ${n}`);
  return n;
}

/** A flags word: an integer with no bits outside `known`. */
export function argFlags(call: Call, v: unknown, name: string, known: number): number {
  const n = argInt(call, v, name);
  if (n < 0 || (n & ~known) !== 0) call.fail('EINVAL', `${name} has unknown bits 0x${(n & ~known).toString(16)}`);
  return n;
}

export function argString(call: Call, v: unknown, name: string): string {
  if (typeof v !== 'string') call.fail('EINVAL', `${name} must be a string, got ${describeValue(v)}`);
  if (v.length === 0 && name === 'path') call.fail('ENOENT', 'the path is empty');
  return v;
}

export function argStrings(call: Call, v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) call.fail('EINVAL', `${name} must be an array of strings`);
  return v as string[];
}

export function argBytes(call: Call, v: unknown, name: string): Uint8Array {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (!(v instanceof Uint8Array)) call.fail('EINVAL', `${name} must be a Uint8Array or a string, got ${describeValue(v)}`);
  return v;
}

export function argFunction<T extends (...a: any[]) => unknown>(call: Call, v: unknown, name: string): T {
  if (typeof v !== 'function') call.fail('EINVAL', `${name} must be a function, got ${describeValue(v)}`);
  return v as T;
}

/** An fd argument: an integer; negative or wrong types are EBADF, as for close(-1). */
export function argFd(call: Call, v: unknown, name = 'fd'): number {
  const fd = argInt(call, v, name, 'EBADF');
  if (fd < 0) call.fail('EBADF', `${name} ${fd} is negative`);
  return fd;
}
