import { beforeEach, describe, expect, it } from 'vitest';
import {
  BACKUP_KEY_PREFIX,
  EXPORT_FORMAT,
  PROGRESS_KEY,
  ProgressStore,
  type ProgressNotice,
  type StorageLike,
} from '../../components/progress/store.ts';

/** A Storage stand-in that can be made to refuse writes, like a full or blocked localStorage. */
class FakeStorage implements StorageLike {
  readonly items = new Map<string, string>();
  refuseWrites: ((key: string) => boolean) | undefined;
  refuseReads = false;
  getItem(key: string): string | null {
    if (this.refuseReads) throw new Error('SecurityError: access denied');
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.refuseWrites?.(key)) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
  backups(): [string, string][] {
    return [...this.items].filter(([key]) => key.startsWith(BACKUP_KEY_PREFIX));
  }
}

/** A clock that moves one second per reading, so every change has a distinct time. */
function steppingClock(start = '2030-01-01T00:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => new Date((t += 1000));
}

let storage: FakeStorage;
let store: ProgressStore;

function stored(): { version: number; exercises: Record<string, Record<string, unknown>> } {
  return JSON.parse(storage.items.get(PROGRESS_KEY)!);
}

beforeEach(() => {
  storage = new FakeStorage();
  store = new ProgressStore(storage, steppingClock());
});

describe('saving and reading back', () => {
  it('starts empty with no notices when nothing is stored', () => {
    expect(store.open()).toEqual([]);
    expect(store.ids()).toEqual([]);
    expect(store.get('wal/decode-log')).toBeUndefined();
  });

  it('keeps code, run results and hints per exercise under one versioned key', () => {
    store.open();
    store.saveCode('wal/decode-log', 'let a = 1;');
    store.saveHintsRevealed('wal/decode-log', 2);
    store.saveRun('processes/reap', 'reap()', { passed: 3, failed: 1 });

    expect([...storage.items.keys()]).toEqual([PROGRESS_KEY]);
    expect(stored()).toEqual({
      version: 1,
      exercises: {
        'wal/decode-log': { code: 'let a = 1;', hintsRevealed: 2, updatedAt: '2030-01-01T00:00:02.000Z' },
        'processes/reap': {
          code: 'reap()',
          hintsRevealed: 0,
          result: { passed: 3, failed: 1, at: '2030-01-01T00:00:03.000Z' },
          updatedAt: '2030-01-01T00:00:04.000Z',
        },
      },
    });
  });

  it('survives a reload: a new store on the same storage sees the same progress', () => {
    store.open();
    store.saveRun('wal/decode-log', 'code v2', { passed: 5, failed: 0 });
    const reloaded = new ProgressStore(storage, steppingClock('2031-01-01T00:00:00.000Z'));
    expect(reloaded.open()).toEqual([]);
    expect(reloaded.get('wal/decode-log')).toMatchObject({ code: 'code v2', result: { passed: 5, failed: 0 } });
  });

  it('does not let callers change stored entries through what get() returns', () => {
    store.open();
    store.saveRun('a/b', 'x', { passed: 1, failed: 0 });
    store.get('a/b')!.result!.passed = 99;
    expect(store.get('a/b')!.result!.passed).toBe(1);
  });

  it('does not erase what another tab saved for a different exercise', () => {
    store.open();
    const otherTab = new ProgressStore(storage, steppingClock('2030-06-01T00:00:00.000Z'));
    otherTab.open();
    store.saveCode('a/one', 'from tab 1');
    otherTab.saveCode('a/two', 'from tab 2');
    store.saveCode('a/one', 'tab 1 again');
    expect(Object.keys(stored().exercises).sort()).toEqual(['a/one', 'a/two']);
    expect(stored().exercises['a/two']!.code).toBe('from tab 2');
  });

  it('tells subscribers which exercise changed, and stops after unsubscribe', () => {
    store.open();
    const seen: string[] = [];
    const unsubscribe = store.subscribe((id, source) => seen.push(`${source}:${id}`));
    store.saveCode('a/b', 'x');
    unsubscribe();
    store.saveCode('a/c', 'y');
    expect(seen).toEqual(['local:a/b']);
  });
});

describe('a stored value it cannot read', () => {
  function openWith(raw: string): ProgressNotice[] {
    storage.items.set(PROGRESS_KEY, raw);
    return store.open();
  }

  it('copies bad JSON aside under a backup key, says so, and starts fresh', () => {
    const notices = openWith('{"version":1,"exercises":{');
    expect(storage.backups()).toEqual([[`${BACKUP_KEY_PREFIX}2030-01-01T00:00:01.000Z`, '{"version":1,"exercises":{']]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'unreadable', backupKey: `${BACKUP_KEY_PREFIX}2030-01-01T00:00:01.000Z`, backup: '{"version":1,"exercises":{' });
    expect(notices[0]!.message).toMatch(/^Your saved progress could not be read; it was kept as a backup .* Download it/);
    expect(stored()).toEqual({ version: 1, exercises: {} });
  });

  it('treats a wrong shape the same way', () => {
    const notices = openWith('[1,2,3]');
    expect(notices[0]!.kind).toBe('unreadable');
    expect(storage.backups()[0]![1]).toBe('[1,2,3]');
  });

  it('keeps a newer version aside instead of guessing at it', () => {
    const newer = JSON.stringify({ version: 7, exercises: { 'a/b': { whatever: true } } });
    const notices = openWith(newer);
    expect(notices[0]!.kind).toBe('newer-version');
    expect(notices[0]!.message).toContain('written by a newer version of the workbook');
    expect(storage.backups()[0]![1]).toBe(newer);
  });

  it('treats a version with no known migration as unreadable, keeping it aside', () => {
    const old = JSON.stringify({ version: 0, exercises: {} });
    expect(openWith(old)[0]!.kind).toBe('unreadable');
    expect(storage.backups()[0]![1]).toBe(old);
  });

  it('loads the readable entries, backs up the whole value and names the bad ones', () => {
    const raw = JSON.stringify({
      version: 1,
      exercises: {
        'a/good': { code: 'ok', hintsRevealed: 1, updatedAt: '2029-01-01T00:00:00.000Z' },
        'a/bad': { code: 42, hintsRevealed: 0, updatedAt: '2029-01-01T00:00:00.000Z' },
        'a/bad-result': { hintsRevealed: 0, updatedAt: '2029-01-01T00:00:00.000Z', result: { passed: -1, failed: 0, at: 'x' } },
      },
    });
    const notices = openWith(raw);
    expect(store.ids()).toEqual(['a/good']);
    expect(notices[0]).toMatchObject({ kind: 'partly-unreadable', backup: raw });
    expect(notices[0]!.message).toContain('(a/bad, a/bad-result)');
    expect(storage.backups()[0]![1]).toBe(raw);
  });

  it('never overwrites the value when the backup cannot be written', () => {
    storage.refuseWrites = (key) => key.startsWith(BACKUP_KEY_PREFIX);
    const notices = openWith('not json');
    expect(notices[0]!.message).toContain('no room to keep a backup');
    expect(notices[0]!.backup).toBe('not json');
    store.saveCode('a/b', 'new work');
    expect(storage.items.get(PROGRESS_KEY)).toBe('not json');
    expect(store.get('a/b')!.code).toBe('new work');
  });

  it('does not reuse a backup key that is taken', () => {
    storage.items.set(`${BACKUP_KEY_PREFIX}2030-01-01T00:00:01.000Z`, 'earlier backup');
    openWith('broken');
    expect(storage.backups().map(([k, v]) => [k.slice(BACKUP_KEY_PREFIX.length), v])).toEqual([
      ['2030-01-01T00:00:01.000Z', 'earlier backup'],
      ['2030-01-01T00:00:01.000Z-2', 'broken'],
    ]);
  });
});

describe('storage that refuses', () => {
  it('reports a failed save after open() and keeps the work in memory', () => {
    store.open();
    const later: ProgressNotice[] = [];
    store.onNotice((notice) => later.push(notice));
    storage.refuseWrites = () => true;
    store.saveCode('a/b', 'x');
    expect(later.map((n) => n.kind)).toEqual(['not-saved']);
    expect(later[0]!.message).toContain('QuotaExceededError');
    expect(store.get('a/b')!.code).toBe('x');
  });

  it('works in memory when storage cannot even be read', () => {
    storage.refuseReads = true;
    const notices = store.open();
    expect(notices.map((n) => n.kind)).toEqual(['not-saved']);
    store.saveCode('a/b', 'x');
    expect(store.get('a/b')!.code).toBe('x');
  });
});

describe('export and import', () => {
  it('exports a versioned, marked JSON file of every exercise', () => {
    store.open();
    store.saveRun('a/b', 'code', { passed: 2, failed: 1 });
    const file = JSON.parse(store.exportProgress());
    expect(file).toMatchObject({ format: EXPORT_FORMAT, version: 1, exercises: { 'a/b': { code: 'code', result: { passed: 2, failed: 1 } } } });
    expect(typeof file.exportedAt).toBe('string');
  });

  it('round-trips into an empty browser', () => {
    store.open();
    store.saveRun('a/b', 'code', { passed: 2, failed: 1 });
    store.saveHintsRevealed('a/c', 3);
    const elsewhere = new ProgressStore(new FakeStorage(), steppingClock());
    elsewhere.open();
    const report = elsewhere.importProgress(store.exportProgress());
    expect(report.imported.sort()).toEqual(['a/b', 'a/c']);
    expect(report.summary).toBe('Imported 2 exercises.');
    expect(elsewhere.get('a/b')).toEqual(store.get('a/b'));
    expect(elsewhere.get('a/c')).toEqual(store.get('a/c'));
  });

  it('merges: the newer side wins per exercise and hints never go down', () => {
    store.open();
    const file = JSON.stringify({
      format: EXPORT_FORMAT,
      version: 1,
      exercises: {
        'a/old': { code: 'imported old', hintsRevealed: 3, updatedAt: '2000-01-01T00:00:00.000Z' },
        'a/new': { code: 'imported new', hintsRevealed: 0, updatedAt: '2099-01-01T00:00:00.000Z' },
        'a/broken': { code: 1 },
      },
    });
    store.saveCode('a/old', 'local work');
    store.saveCode('a/new', 'local work');
    store.saveHintsRevealed('a/new', 2);
    const seen: string[] = [];
    store.subscribe((id, source) => seen.push(`${source}:${id}`));

    const report = store.importProgress(file);

    expect(report).toEqual({
      imported: ['a/new'],
      keptLocal: ['a/old'],
      skipped: [{ id: 'a/broken', reason: 'the entry is not in the expected shape' }],
      summary: 'Imported 1 exercise; kept 1 exercise where this browser has newer work; skipped 1 unreadable entry (a/broken).',
    });
    expect(store.get('a/old')).toMatchObject({ code: 'local work', hintsRevealed: 3 });
    expect(store.get('a/new')).toMatchObject({ code: 'imported new', hintsRevealed: 2 });
    expect(stored().exercises['a/new']!.code).toBe('imported new');
    expect(seen.sort()).toEqual(['import:a/new', 'import:a/old']);
  });

  it('rejects what is not an export and changes nothing', () => {
    store.open();
    store.saveCode('a/b', 'mine');
    const before = storage.items.get(PROGRESS_KEY);
    expect(() => store.importProgress('hello')).toThrow(/not a progress export: it is not valid JSON .* Nothing was imported\./);
    expect(() => store.importProgress('{"exercises":{}}')).toThrow('it has no "version" number. Nothing was imported.');
    expect(() => store.importProgress('{"version":9,"exercises":{}}')).toThrow('written by a newer version of the workbook (format 9');
    expect(() => store.importProgress('{"version":1}')).toThrow('it has no "exercises" object.');
    expect(storage.items.get(PROGRESS_KEY)).toBe(before);
  });
});
