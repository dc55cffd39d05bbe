/**
 * What makes an exercise folder sound (docs/exercise-format.md): meta.json is complete, the
 * reference solution passes every test, and the starter and every known-wrong mutant fail at
 * least one. Each check returns problems as sentences naming the exercise and the variant, so a
 * failing content test says what to fix without a debugger.
 */
import {
  loadExerciseFolder,
  runExercise,
  type ExerciseFolder,
  type Variant,
  type VariantRun,
} from '../../sandboxes/node/run-exercise.ts';

const MIN_HINTS = 3;

/** Problems with meta.json and with the folder's files. */
export function folderProblems(folder: ExerciseFolder): string[] {
  const problems: string[] = [];
  const say = (text: string) => problems.push(`${folder.id}: ${text}`);
  if (!folder.solution.trim()) say('solution.ts is missing or empty');
  if (!folder.starter.trim()) say('starter.ts is missing or empty');
  if (Object.keys(folder.tests).length === 0) say('has no *.test.ts file');
  if (folder.metaError !== undefined) {
    say(`meta.json cannot be read: ${folder.metaError}`);
    return problems;
  }
  const meta = folder.meta as Record<string, unknown>;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    say('meta.json must hold an object');
    return problems;
  }
  if (typeof meta.title !== 'string' || !meta.title.trim()) say('meta.json needs a non-empty "title"');
  const hints = meta.hints;
  if (!Array.isArray(hints) || hints.some((hint) => typeof hint !== 'string' || !hint.trim())) {
    say('meta.json "hints" must be a list of non-empty strings');
  } else if (hints.length < MIN_HINTS) {
    say(`meta.json has ${hints.length} hint(s); it needs at least ${MIN_HINTS}`);
  }
  if (meta.timeoutMs !== undefined && !(typeof meta.timeoutMs === 'number' && meta.timeoutMs > 0)) {
    say('meta.json "timeoutMs" must be a positive number of milliseconds');
  }
  const listed = meta.mutants;
  if (typeof listed !== 'object' || listed === null || Array.isArray(listed)) {
    say('meta.json needs "mutants": { "<file>.ts": "what is wrong with it" }');
    return problems;
  }
  for (const [file, description] of Object.entries(listed)) {
    if (!(file in folder.mutants)) say(`meta.json lists mutants/${file}, which does not exist`);
    if (typeof description !== 'string' || !description.trim()) say(`meta.json gives mutants/${file} no description`);
  }
  for (const file of Object.keys(folder.mutants)) {
    if (!(file in listed)) say(`mutants/${file} is not listed in meta.json "mutants"`);
  }
  return problems;
}

/** Problems when the reference solution does not pass cleanly. */
export function solutionProblems(folder: ExerciseFolder, run: VariantRun): string[] {
  const problems = [...compileProblems(folder, run)];
  const { passed, failed, skipped, stopped } = run.summary;
  const say = (text: string) => problems.push(`${folder.id} (solution): ${text}`);
  if (stopped && stopped !== 'compile-error') say(`the run was stopped (${stopped})`);
  for (const failure of run.failures) say(`fails ${failure}`);
  for (const error of run.runtimeErrors) say(`raises ${error}`);
  if (skipped > 0) say(`${skipped} test(s) were skipped; remove .skip/.only/.todo`);
  if (passed === 0 && failed === 0 && !stopped) say('no test ran');
  return problems;
}

/** Problems when a starter or mutant is not rejected by at least one failing test. */
export function rejectionProblems(folder: ExerciseFolder, run: VariantRun): string[] {
  const problems = [...compileProblems(folder, run)];
  if (problems.length === 0 && run.summary.failed === 0) {
    const why = run.runtimeErrors.length ? ` (it only raised: ${run.runtimeErrors.join('; ')})` : '';
    problems.push(
      `${folder.id} (${run.variant}): no test fails${why}; the tests must catch this ${run.variant === 'starter' ? 'starter' : 'bug'}`,
    );
  }
  return problems;
}

function compileProblems(folder: ExerciseFolder, run: VariantRun): string[] {
  return run.compileErrors.map(
    ({ message, position }) => `${folder.id} (${run.variant}): does not compile: ${message} at ${position.file}:${position.line}:${position.column}`,
  );
}

/** Every variant an exercise has, reference solution first. */
export function variantsOf(folder: ExerciseFolder): Variant[] {
  return ['solution', 'starter', ...Object.keys(folder.mutants).map((file): Variant => `mutants/${file}`)];
}

/** All problems of one folder: meta.json, then every variant run. */
export async function checkExercise(dir: string, id?: string): Promise<string[]> {
  const folder = await loadExerciseFolder(dir, id);
  const problems = folderProblems(folder);
  for (const variant of variantsOf(folder)) {
    const run = await runExercise(folder, variant);
    problems.push(...(variant === 'solution' ? solutionProblems(folder, run) : rejectionProblems(folder, run)));
  }
  return problems;
}
