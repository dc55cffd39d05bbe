import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, findExerciseRefs, loadExercise } from '../../components/exercise/load.ts';

let lessonsDir: string;

const goodMeta = {
  title: 'Decode the log',
  hints: ['What marks the end of a record?', 'Where does the checksum sit?', 'Stop at the first bad record.'],
  timeoutMs: 3000,
  mutants: { 'skips-checksum.ts': 'never checks the checksum' },
};

/** Writes a complete exercise folder, then lets a test break one thing about it. */
function writeExercise(id: string, files: Record<string, string | null> = {}): string {
  const dir = join(lessonsDir, ...id.split('/'));
  const all: Record<string, string | null> = {
    'meta.json': JSON.stringify(goodMeta),
    'prompt.md': '# Decode\n\nWrite `decode(bytes)`.\n',
    'starter.ts': 'export function decode() { return []; }\n',
    'solution.ts': 'export function decode() { return [1]; }\n',
    'decode.test.ts': "import { it } from 'vitest';\nit('decodes', () => {});\n",
    'mutants/skips-checksum.ts': 'export function decode() { return [2]; }\n',
    ...files,
  };
  for (const [name, content] of Object.entries(all)) {
    if (content === null) continue;
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function loadError(id: string): string {
  try {
    loadExercise(id, lessonsDir);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`loadExercise('${id}') did not throw`);
}

beforeEach(() => {
  lessonsDir = join(mkdtempSync(join(tmpdir(), 'exercise-load-')), 'lessons');
});
afterEach(() => {
  rmSync(join(lessonsDir, '..'), { recursive: true, force: true });
});

describe('loadExercise', () => {
  it('reads every part of a complete folder', () => {
    const dir = writeExercise('wal/decode-log', { 'z-extra.test.ts': "it('b', () => {});\n" });
    const data = loadExercise('wal/decode-log', lessonsDir);
    expect(data).toEqual({
      id: 'wal/decode-log',
      dir,
      title: 'Decode the log',
      prompt: '# Decode\n\nWrite `decode(bytes)`.\n',
      hints: goodMeta.hints,
      timeoutMs: 3000,
      starter: 'export function decode() { return []; }\n',
      solution: 'export function decode() { return [1]; }\n',
      tests: {
        'decode.test.ts': "import { it } from 'vitest';\nit('decodes', () => {});\n",
        'z-extra.test.ts': "it('b', () => {});\n",
      },
      mutants: goodMeta.mutants,
    });
    expect(Object.keys(data.tests)).toEqual(['decode.test.ts', 'z-extra.test.ts']);
  });

  it('defaults timeoutMs when meta.json leaves it out', () => {
    const { timeoutMs: _, ...meta } = goodMeta;
    writeExercise('wal/decode-log', { 'meta.json': JSON.stringify(meta) });
    expect(loadExercise('wal/decode-log', lessonsDir).timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
  });

  it('names the exercise, the missing file and what a folder needs', () => {
    writeExercise('wal/decode-log', { 'solution.ts': null });
    const message = loadError('wal/decode-log');
    expect(message).toMatch(/^Exercise 'wal\/decode-log' is incomplete: .*wal\/decode-log\/solution\.ts is missing\./);
    expect(message).toContain('An exercise folder needs meta.json, prompt.md, starter.ts, solution.ts and at least one *.test.ts');
  });

  it('shows paths relative to the project root when the folder lies inside it', () => {
    const message = (() => {
      try {
        loadExercise('wal/no-such', join(process.cwd(), 'lessons'));
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain(' lessons/wal/no-such/ is not a folder');
  });

  it('says when the folder itself does not exist', () => {
    expect(loadError('wal/nope')).toMatch(/Exercise 'wal\/nope' does not exist: .*lessons\/wal\/nope\/ is not a folder/);
  });

  it('rejects ids that are not a plain folder path', () => {
    expect(loadError('../etc')).toContain("Exercise id '../etc' is not a folder path under lessons/");
    expect(loadError('')).toContain("Exercise id '' is not a folder path");
    expect(loadError('wal//x')).toContain('is not a folder path');
  });

  it('lists every problem at once', () => {
    writeExercise('wal/decode-log', { 'prompt.md': null, 'starter.ts': '   \n', 'decode.test.ts': null });
    const message = loadError('wal/decode-log');
    expect(message).toMatch(/^Exercise 'wal\/decode-log' has 3 problems:/);
    expect(message).toMatch(/decode-log\/prompt\.md is missing\./);
    expect(message).toMatch(/decode-log\/starter\.ts is empty\./);
    expect(message).toMatch(/decode-log\/ has no test file: add at least one \*\.test\.ts/);
  });

  it('requires at least three hints', () => {
    writeExercise('wal/decode-log', { 'meta.json': JSON.stringify({ ...goodMeta, hints: ['a', 'b'] }) });
    expect(loadError('wal/decode-log')).toMatch(/meta\.json has 2 hint\(s\) in "hints"; give at least 3/);
  });

  it('explains each invalid meta.json field', () => {
    writeExercise('wal/decode-log', { 'meta.json': JSON.stringify({ title: '', hints: 'x', timeoutMs: -1, mutants: [], timeout: 1 }) });
    const message = loadError('wal/decode-log');
    expect(message).toContain('has an unknown field "timeout"');
    expect(message).toContain('needs "title": a non-empty string');
    expect(message).toContain('needs "hints": an array of non-empty markdown strings');
    expect(message).toContain('"timeoutMs" = -1; use a positive number');
    expect(message).toContain('needs "mutants": an object mapping each file');
  });

  it('reports meta.json that is not JSON with the parser message', () => {
    writeExercise('wal/decode-log', { 'meta.json': '{ "title": ' });
    expect(loadError('wal/decode-log')).toMatch(/meta\.json is not valid JSON \(.+\)\./);
  });

  it('requires every listed mutant to exist', () => {
    writeExercise('wal/decode-log', { 'mutants/skips-checksum.ts': null });
    expect(loadError('wal/decode-log')).toMatch(/decode-log\/mutants\/skips-checksum\.ts is missing but meta\.json lists it/);
  });

  it('requires every mutant file to be listed', () => {
    writeExercise('wal/decode-log', { 'mutants/off-by-one.ts': 'export {}\n' });
    expect(loadError('wal/decode-log')).toMatch(/decode-log\/mutants\/off-by-one\.ts is not listed in meta\.json "mutants"/);
  });

  it('refuses mutant names that leave mutants/', () => {
    writeExercise('wal/decode-log', { 'meta.json': JSON.stringify({ ...goodMeta, mutants: { '../solution.ts': 'x' } }) });
    expect(loadError('wal/decode-log')).toContain('lists mutant "../solution.ts"; name a .ts file directly inside mutants/');
  });
});

describe('findExerciseRefs', () => {
  it('finds ids in order of first use, with either quote style and other attributes', () => {
    const mdx = [
      '# Lesson',
      '<Exercise id="wal/decode-log" />',
      "Some text <Exercise id='wal/append' /> inline.",
      '<Exercise',
      '  title="x"',
      '  id="processes/reap-all"',
      '/>',
      '<Exercise id="wal/decode-log" />',
      '<Exercise id={"wal/expr"} />',
    ].join('\n');
    expect(findExerciseRefs(mdx)).toEqual(['wal/decode-log', 'wal/append', 'processes/reap-all', 'wal/expr']);
  });

  it('skips examples in code blocks, inline code and comments', () => {
    const mdx = [
      'Use `<Exercise id="inline/x" />` to embed.',
      '```mdx',
      '<Exercise id="fenced/x" />',
      '```',
      '{/* <Exercise id="comment/x" /> */}',
      '<Exercise id="real/one" />',
    ].join('\n');
    expect(findExerciseRefs(mdx)).toEqual(['real/one']);
  });

  it('ignores other components whose names start the same way', () => {
    expect(findExerciseRefs('<ExerciseList id="a/b" />\n<Exercises id="c/d" />')).toEqual([]);
  });
});
