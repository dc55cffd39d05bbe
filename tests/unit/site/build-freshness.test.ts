/** When `npm start`, the e2e tests and the benchmarks may reuse dist/ (site/tools/build-freshness.mjs). */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { distFreshness } from '../../../site/tools/build-freshness.mjs';

let root = '';
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
const touch = (path: string, seconds: number) => utimesSync(path, at(seconds), at(seconds));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'freshness-'));
  mkdirSync(join(root, 'lessons', 'wal'), { recursive: true });
  mkdirSync(join(root, 'site'));
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'lessons', 'wal', 'a.mdx'), 'x');
  writeFileSync(join(root, 'site', 'page.astro'), 'x');
  writeFileSync(join(root, 'package.json'), '{}');
  for (const path of ['lessons/wal/a.mdx', 'lessons/wal', 'lessons', 'site/page.astro', 'site', 'package.json']) touch(join(root, path), 100);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('distFreshness', () => {
  it('is stale before any build', () => {
    expect(distFreshness(root)).toMatchObject({ fresh: false });
  });

  it('is fresh when the stamp is newer than every source', () => {
    writeFileSync(join(root, 'dist', '.build-stamp'), '');
    touch(join(root, 'dist', '.build-stamp'), 200);
    expect(distFreshness(root)).toMatchObject({ fresh: true });
  });

  it('is stale after a source changes, and names it', () => {
    writeFileSync(join(root, 'dist', '.build-stamp'), '');
    touch(join(root, 'dist', '.build-stamp'), 200);
    touch(join(root, 'lessons', 'wal', 'a.mdx'), 300);
    expect(distFreshness(root)).toEqual({ fresh: false, reason: 'lessons/wal/a.mdx changed since the last build' });
  });

  it('is stale after a file is deleted (its folder changes)', () => {
    writeFileSync(join(root, 'dist', '.build-stamp'), '');
    touch(join(root, 'dist', '.build-stamp'), 200);
    touch(join(root, 'site'), 300);
    expect(distFreshness(root).fresh).toBe(false);
  });
});
