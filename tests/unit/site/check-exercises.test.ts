/**
 * The build-time check of <Exercise id> references (site/markdown/check-exercises.mjs), run
 * through the same Sätteri MDX pipeline Astro uses, on lesson folders made for each case.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { satteri } from '@astrojs/markdown-satteri';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExercises } from '../../../site/markdown/check-exercises.mjs';

let root = '';
let lessonsDir = '';

function writeExercise(id: string, files: Record<string, string>): void {
  const dir = join(lessonsDir, id);
  mkdirSync(join(dir, 'mutants'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

const COMPLETE = {
  'meta.json': JSON.stringify({ title: 'Add', hints: ['one', 'two', 'three'], mutants: {} }),
  'prompt.md': 'Add two numbers.',
  'starter.ts': 'export const add = (a: number, b: number) => 0;\n',
  'solution.ts': 'export const add = (a: number, b: number) => a + b;\n',
  'add.test.ts': "import { it, expect } from 'vitest';\nimport { add } from './solution';\nit('adds', () => expect(add(1, 2)).toBe(3));\n",
};

/** Compiles `source` as the MDX file `relativePath` (under the fixture root) the way a build does. */
async function compile(relativePath: string, source: string) {
  const processor = satteri({ mdastPlugins: [checkExercises({ lessonsDir, projectRoot: root })] });
  const renderer = await processor.createMdxRenderer!({ syntaxHighlight: false }, { optimize: false });
  return renderer.process(source, join(root, relativePath), {});
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'check-exercises-'));
  lessonsDir = join(root, 'lessons');
  writeExercise('demo/add', COMPLETE);
  const { 'prompt.md': _prompt, ...withoutPrompt } = COMPLETE;
  writeExercise('demo/no-prompt', withoutPrompt);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check-exercises', () => {
  it('lets a lesson embed a complete exercise', async () => {
    const result = await compile('lessons/demo/intro.mdx', '# Intro\n\n<Exercise id="demo/add" />\n');
    expect(result.code).toContain('Exercise');
  });

  it('fails on a missing exercise, naming the lesson, its line and the folder', async () => {
    const failure = compile('lessons/demo/intro.mdx', '# Intro\n\nText.\n\n<Exercise id="demo/nope" />\n');
    await expect(failure).rejects.toThrow(/lessons\/demo\/intro\.mdx:5: <Exercise id="demo\/nope" \/> cannot be built/);
    await expect(failure).rejects.toThrow(/demo\/nope/);
  });

  it('fails on an incomplete exercise, naming the file that is missing', async () => {
    const failure = compile('lessons/demo/intro.mdx', '<Exercise id="demo/no-prompt" />\n');
    await expect(failure).rejects.toThrow(/lessons\/demo\/intro\.mdx:1: .*no-prompt\/prompt\.md is missing/s);
  });

  it('checks inline uses too', async () => {
    await expect(compile('lessons/demo/intro.mdx', 'Try <Exercise id="demo/nope" /> now.\n')).rejects.toThrow(/demo\/nope/);
  });

  it('fails on an <Exercise> without a literal id', async () => {
    await expect(compile('lessons/demo/intro.mdx', '<Exercise />\n')).rejects.toThrow(/needs a literal id/);
    await expect(compile('lessons/demo/intro.mdx', '<Exercise id={name} />\n')).rejects.toThrow(/needs a literal id/);
  });

  it('ignores the tag inside code, where a lesson shows it as an example', async () => {
    const source = 'Write `<Exercise id="demo/nope" />` like this:\n\n```mdx\n<Exercise id="demo/nope" />\n```\n';
    await expect(compile('lessons/demo/intro.mdx', source)).resolves.toBeTruthy();
  });

  it('leaves MDX outside lessons/ alone', async () => {
    await expect(compile('site/pages/about.mdx', '<Exercise id="demo/nope" />\n')).resolves.toBeTruthy();
  });
});
