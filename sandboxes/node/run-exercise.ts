/**
 * Runs an exercise folder's tests on Node, the same way the browser does: the folder's files
 * become a RunRequest whose `solution.ts` is the chosen variant (the reference solution, the
 * starter, or a mutant), and the Node sandbox runs it with the browser's runner in a thread.
 * Used by the content tests (tests/content/) and meant for the grader.
 *
 * Folder layout: docs/exercise-format.md. This module reads what is there and does not judge it;
 * checking meta.json is the content tests' job.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunEvent, RunRequest, RunSummary, SourcePosition } from '../protocol.ts';
import { createNodeSandbox } from './node-sandbox.ts';

export const DEFAULT_TIMEOUT_MS = 5000;

export interface ExerciseFolder {
  /** Folder path relative to `lessons/` (or to whatever root it was loaded from). */
  id: string;
  dir: string;
  /** meta.json parsed, unvalidated; undefined when the file is missing or is not JSON. */
  meta: unknown;
  /** Why meta.json could not be read, when it could not. */
  metaError?: string;
  solution: string;
  starter: string;
  /** `mutants/<name>.ts` sources by file name (`<name>.ts`). */
  mutants: Record<string, string>;
  /** `*.test.ts` sources by file name, in name order. */
  tests: Record<string, string>;
  /** Other top-level `.ts` files (helpers both sides import), by file name. */
  support: Record<string, string>;
}

/** What the learner's `solution.ts` is during a run. */
export type Variant = 'solution' | 'starter' | `mutants/${string}`;

export interface VariantRun {
  variant: Variant;
  summary: RunSummary;
  events: RunEvent[];
  compileErrors: { message: string; position: SourcePosition }[];
  runtimeErrors: string[];
  /** `suite > name: message` of every failed test. */
  failures: string[];
}

/** Reads an exercise folder. Missing `solution.ts`/`starter.ts` read as empty strings. */
export async function loadExerciseFolder(dir: string, id = basename(dir)): Promise<ExerciseFolder> {
  const entries = await readdir(dir, { withFileTypes: true });
  const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
  const topLevelTs = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => entry.name).sort();

  const folder: ExerciseFolder = {
    id,
    dir,
    meta: undefined,
    solution: await read('solution.ts'),
    starter: await read('starter.ts'),
    mutants: {},
    tests: {},
    support: {},
  };
  try {
    folder.meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));
  } catch (error) {
    folder.metaError = (error as Error).message;
  }
  for (const name of topLevelTs) {
    if (name === 'solution.ts' || name === 'starter.ts') continue;
    (name.endsWith('.test.ts') ? folder.tests : folder.support)[name] = await read(name);
  }
  if (entries.some((entry) => entry.isDirectory() && entry.name === 'mutants')) {
    for (const name of (await readdir(join(dir, 'mutants'))).filter((file) => file.endsWith('.ts')).sort()) {
      folder.mutants[name] = await read(join('mutants', name));
    }
  }
  return folder;
}

/** The RunRequest the browser would send for this exercise with `variant` in the editor. */
export function requestFor(folder: ExerciseFolder, variant: Variant): RunRequest {
  const timeoutMs = (folder.meta as { timeoutMs?: unknown } | undefined)?.timeoutMs;
  return {
    exerciseId: folder.id,
    files: { ...folder.support, ...folder.tests, 'solution.ts': sourceOf(folder, variant) },
    testFiles: Object.keys(folder.tests),
    timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : DEFAULT_TIMEOUT_MS,
  };
}

function sourceOf(folder: ExerciseFolder, variant: Variant): string {
  if (variant === 'solution') return folder.solution;
  if (variant === 'starter') return folder.starter;
  const name = variant.slice('mutants/'.length);
  const source = folder.mutants[name];
  if (source === undefined) throw new Error(`${folder.id} has no mutant ${name}`);
  return source;
}

let sharedSandbox: ReturnType<typeof createNodeSandbox> | undefined;

/** Runs the exercise's tests with `variant` as solution.ts and collects what happened. */
export async function runExercise(
  folder: ExerciseFolder,
  variant: Variant,
  sandbox = (sharedSandbox ??= createNodeSandbox()),
): Promise<VariantRun> {
  const events: RunEvent[] = [];
  const summary = await sandbox.run(requestFor(folder, variant), (event) => events.push(event));
  const run: VariantRun = { variant, summary, events, compileErrors: [], runtimeErrors: [], failures: [] };
  for (const event of events) {
    if (event.type === 'compile-error') run.compileErrors.push({ message: event.message, position: event.position });
    if (event.type === 'runtime-error') run.runtimeErrors.push(event.message);
    if (event.type === 'stopped') run.runtimeErrors.push(event.message);
    if (event.type === 'test-end' && event.state === 'fail') {
      run.failures.push(`${[...event.suite, event.name].join(' > ')}: ${event.failure?.message ?? '(no message)'}`);
    }
  }
  return run;
}

/** Stops the threads runExercise started with its shared sandbox. */
export function disposeSharedSandbox(): void {
  sharedSandbox?.dispose();
  sharedSandbox = undefined;
}
