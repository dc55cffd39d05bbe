/**
 * Every exercise under lessons/ is sound: meta.json complete, the solution passes, the starter
 * and every mutant fail (see check-exercise.ts). Runs each variant through the browser's runner
 * on Node, so what passes here passes in the page.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeSharedSandbox,
  loadExerciseFolder,
  runExercise,
  type ExerciseFolder,
} from '../../sandboxes/node/run-exercise.ts';
import { folderProblems, rejectionProblems, solutionProblems } from './check-exercise.ts';

const LESSONS = fileURLToPath(new URL('../../lessons/', import.meta.url));
/** A run may take the exercise's whole time limit (5 s by default); leave room around it. */
const RUN_TIMEOUT_MS = 20_000;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

const paths = walk(LESSONS);
const exerciseDirs = paths.filter((path) => existsSync(join(path, 'starter.ts'))).sort();
const lessonFiles = paths.filter((path) => path.endsWith('.mdx'));

afterAll(() => disposeSharedSandbox());

it('finds the exercises of the lessons', () => {
  expect(
    exerciseDirs.length > 0 || lessonFiles.length === 0,
    `lessons/ holds ${lessonFiles.length} .mdx lesson(s) but no exercise folder (a folder with starter.ts)`,
  ).toBe(true);
});

for (const dir of exerciseDirs) {
  const id = relative(LESSONS, dir).split(sep).join('/');
  const mutants = existsSync(join(dir, 'mutants'))
    ? readdirSync(join(dir, 'mutants')).filter((file) => file.endsWith('.ts')).sort()
    : [];

  describe(`exercise ${id}`, () => {
    let folder: ExerciseFolder;
    beforeAll(async () => {
      folder = await loadExerciseFolder(dir, id);
    });

    it('has a complete meta.json and its files', () => {
      expect(folderProblems(folder)).toEqual([]);
    });

    it('solution passes every test', async () => {
      expect(solutionProblems(folder, await runExercise(folder, 'solution'))).toEqual([]);
    }, RUN_TIMEOUT_MS);

    it('starter fails a test', async () => {
      expect(rejectionProblems(folder, await runExercise(folder, 'starter'))).toEqual([]);
    }, RUN_TIMEOUT_MS);

    for (const mutant of mutants) {
      it(`mutant ${mutant} fails a test`, async () => {
        expect(rejectionProblems(folder, await runExercise(folder, `mutants/${mutant}`))).toEqual([]);
      }, RUN_TIMEOUT_MS);
    }
  });
}
