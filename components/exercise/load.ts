/**
 * Reading an exercise folder at build time.
 *
 * An exercise is a folder under `lessons/` (docs/exercise-format.md). The site renders it through
 * `<Exercise id="…" />` and checks every reference while compiling MDX, so this module must run in
 * plain Node: it imports nothing from Astro or Vite, and astro.config.mjs may import it directly.
 *
 * Every problem in a folder is collected before throwing, so an author fixes them in one pass; the
 * message names the exercise, the exact file and what to do about it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, isAbsolute, sep } from 'node:path';

/** How long a run may take when meta.json does not say; the sandbox watchdog stops it after this. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Hints go from a nudge to the idea; fewer than this cannot make that walk. */
export const MIN_HINTS = 3;

/** meta.json, after validation and defaults. */
export interface ExerciseMeta {
  title: string;
  /** Markdown, revealed one at a time. */
  hints: string[];
  timeoutMs: number;
  /** Mutant file name (inside `mutants/`) -> one-line description of its bug. */
  mutants: Record<string, string>;
}

/** Everything the site needs to render and run one exercise. */
export interface ExerciseData {
  /** The folder's path under `lessons/`, e.g. `wal/decode-log`. */
  id: string;
  /** Absolute path of the folder. */
  dir: string;
  title: string;
  /** prompt.md, as markdown source. */
  prompt: string;
  /** Markdown sources, in the order they are revealed. */
  hints: string[];
  timeoutMs: number;
  starter: string;
  solution: string;
  /** Test file name -> source, sorted by name; the order the sandbox runs them in. */
  tests: Record<string, string>;
  mutants: Record<string, string>;
}

const FOLDER_NEEDS =
  'An exercise folder needs meta.json, prompt.md, starter.ts, solution.ts and at least one *.test.ts ' +
  '(see docs/exercise-format.md).';
const META_KEYS = ['title', 'hints', 'timeoutMs', 'mutants'];
const ID_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reads and validates `lessons/<id>/`; throws an Error listing every problem when it is not usable. */
export function loadExercise(id: string, lessonsDir: string): ExerciseData {
  checkId(id);
  const dir = join(lessonsDir, ...id.split('/'));
  const shown = (file: string) => displayPath(join(dir, file)) + (file === '' ? '/' : '');
  if (!isDirectory(dir)) {
    throw new Error(
      `Exercise '${id}' does not exist: ${shown('')} is not a folder. ` +
        `Check the id in <Exercise id="${id}" /> or create the folder. ${FOLDER_NEEDS}`,
    );
  }

  const problems: string[] = [];
  const text = (file: string): string => {
    const path = join(dir, file);
    if (!isFile(path)) {
      problems.push(`${shown(file)} is missing.`);
      return '';
    }
    const content = readFileSync(path, 'utf8');
    if (content.trim() === '') problems.push(`${shown(file)} is empty.`);
    return content;
  };

  const metaSource = text('meta.json');
  const prompt = text('prompt.md');
  const starter = text('starter.ts');
  const solution = text('solution.ts');
  const tests = readTests(dir);
  if (Object.keys(tests).length === 0) {
    problems.push(`${shown('')} has no test file: add at least one *.test.ts that imports './solution'.`);
  }
  const meta = metaSource ? parseMeta(metaSource, shown('meta.json'), problems) : undefined;
  if (meta) checkMutants(dir, meta.mutants, shown, problems);

  if (problems.length > 0 || !meta) throw incomplete(id, problems);
  return { id, dir, title: meta.title, prompt, hints: meta.hints, timeoutMs: meta.timeoutMs, starter, solution, tests, mutants: meta.mutants };
}

/**
 * The exercise ids an MDX source references with `<Exercise id="…" />`, in order of first use.
 * Code blocks, inline code and MDX comments are skipped, so a lesson may show the tag as an example.
 */
export function findExerciseRefs(mdxSource: string): string[] {
  const prose = mdxSource
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\{\/\*[\s\S]*?\*\/\}/g, '');
  const ids: string[] = [];
  const tag = /<Exercise\b([^>]*?)\/?>/g;
  for (const match of prose.matchAll(tag)) {
    const attr = /\bid\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*(?:"([^"]*)"|'([^']*)'|`([^`$]*)`)\s*\})/.exec(match[1]);
    const id = attr?.slice(1).find((value) => value !== undefined);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !id.split('/').every((segment) => ID_SEGMENT.test(segment))) {
    throw new Error(
      `Exercise id '${id}' is not a folder path under lessons/: use the folder's path with '/' ` +
        `between parts, e.g. <Exercise id="wal/decode-log" />.`,
    );
  }
}

function readTests(dir: string): Record<string, string> {
  const tests: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.test.ts') && isFile(join(dir, name))) tests[name] = readFileSync(join(dir, name), 'utf8');
  }
  return tests;
}

function parseMeta(source: string, shownPath: string, problems: string[]): ExerciseMeta | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    problems.push(`${shownPath} is not valid JSON (${(error as Error).message}).`);
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${shownPath} must hold a JSON object with "title", "hints" and "mutants".`);
    return undefined;
  }
  const meta = raw as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(meta)) {
    if (!META_KEYS.includes(key)) problems.push(`${shownPath} has an unknown field "${key}"; the fields are ${META_KEYS.map((k) => `"${k}"`).join(', ')}.`);
  }
  if (typeof meta.title !== 'string' || meta.title.trim() === '') {
    problems.push(`${shownPath} needs "title": a non-empty string.`);
  }
  const hints = meta.hints;
  if (!Array.isArray(hints) || !hints.every((h) => typeof h === 'string' && h.trim() !== '')) {
    problems.push(`${shownPath} needs "hints": an array of non-empty markdown strings.`);
  } else if (hints.length < MIN_HINTS) {
    problems.push(`${shownPath} has ${hints.length} hint(s) in "hints"; give at least ${MIN_HINTS}, from a nudge to the idea.`);
  }
  const timeoutMs = meta.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    problems.push(`${shownPath} has "timeoutMs" = ${JSON.stringify(meta.timeoutMs)}; use a positive number of milliseconds or leave it out (default ${DEFAULT_TIMEOUT_MS}).`);
  }
  const mutants = meta.mutants;
  if (typeof mutants !== 'object' || mutants === null || Array.isArray(mutants) || !Object.values(mutants).every((d) => typeof d === 'string')) {
    problems.push(`${shownPath} needs "mutants": an object mapping each file in mutants/ to a one-line description of its bug.`);
  }
  if (problems.length > before) return undefined;
  return {
    title: meta.title as string,
    hints: hints as string[],
    timeoutMs: timeoutMs as number,
    mutants: mutants as Record<string, string>,
  };
}

function checkMutants(dir: string, mutants: Record<string, string>, shown: (file: string) => string, problems: string[]): void {
  for (const name of Object.keys(mutants)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.ts$/.test(name)) {
      problems.push(`${shown('meta.json')} lists mutant "${name}"; name a .ts file directly inside mutants/, e.g. "stops-at-first-exit.ts".`);
    } else if (!isFile(join(dir, 'mutants', name))) {
      problems.push(`${shown(`mutants/${name}`)} is missing but meta.json lists it; add the file or remove the entry.`);
    }
  }
  const mutantsDir = join(dir, 'mutants');
  if (!isDirectory(mutantsDir)) return;
  for (const name of readdirSync(mutantsDir).sort()) {
    if (name.endsWith('.ts') && !(name in mutants)) {
      problems.push(`${shown(`mutants/${name}`)} is not listed in meta.json "mutants"; add it with a one-line description of its bug.`);
    }
  }
}

function incomplete(id: string, problems: string[]): Error {
  if (problems.length === 1) return new Error(`Exercise '${id}' is incomplete: ${problems[0]} ${FOLDER_NEEDS}`);
  return new Error(`Exercise '${id}' has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${FOLDER_NEEDS}`);
}

/** Paths in messages are relative to the working directory (the project root) when they lie inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  return shown.split(sep).join('/');
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
