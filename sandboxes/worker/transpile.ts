/**
 * TypeScript in, runnable CommonJS out, with every line where the learner wrote it.
 *
 * sucrase strips the types and turns `import`/`export` into `require`/`exports` (nothing else:
 * browsers run modern JS as is), then loop guards are spliced in. Neither step adds or removes a
 * line; the PositionMap undoes the column shifts both make, so runtime errors and loop-guard
 * messages point at the learner's own `file:line:column`. Type errors are not found here: sucrase
 * only parses, and type checking is the editor's job.
 */
import { transform } from 'sucrase/dist/esm/index.js';
import type { SourcePosition } from '../protocol.ts';
import { insertLoopGuards } from './loop-guard-insertion.ts';
import { PositionMap } from './position-map.ts';

/** A syntax error, 1-based, in the learner's file. */
export interface CompileError extends SourcePosition {
  message: string;
}

export interface TranspiledModule {
  file: string;
  /** CommonJS code with loop guards; expects `exports`, `require`, `module` and the guards in scope. */
  code: string;
  positions: PositionMap;
  /** Where each guarded loop starts in the learner's file, by site number (1-based). */
  loopSites: SourcePosition[];
}

export type TranspileResult =
  | { ok: true; module: TranspiledModule }
  | { ok: false; error: CompileError };

/**
 * A reused worker sees the same test files run after run: keep the last few results (the result
 * is plain data and is not changed by its users), keyed by name and source.
 */
const recent = new Map<string, TranspileResult>();
const RECENT_MAX = 16;

export interface TranspileOptions {
  /**
   * Insert loop guards (default true). The runner skips them in the exercise's own test files:
   * those are ours, not the learner's, and a guard on every iteration of a test's CRC loop costs
   * more than the rest of the run; the watchdog still stops anything that never ends.
   */
  guardLoops?: boolean;
}

export function transpile(file: string, source: string, options: TranspileOptions = {}): TranspileResult {
  const guardLoops = options.guardLoops ?? true;
  const key = `${file}\0${guardLoops}\0${source}`;
  const cached = recent.get(key);
  if (cached) return cached;
  const result = transpileUncached(file, source, guardLoops);
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
  recent.set(key, result);
  return result;
}

function transpileUncached(file: string, source: string, guardLoops: boolean): TranspileResult {
  let sucrased: { code: string; mappings: string };
  try {
    const result = transform(source, {
      transforms: ['typescript', 'imports'],
      disableESTransforms: true,
      filePath: file,
      sourceMapOptions: { compiledFilename: file.replace(/\.ts$/, '.js') },
    });
    sucrased = { code: result.code, mappings: result.sourceMap?.mappings ?? '' };
  } catch (error) {
    return { ok: false, error: compileErrorOf(file, error) };
  }

  const guarded = guardLoops ? insertLoopGuards(sucrased.code) : { code: sucrased.code, insertions: [], sites: [] };
  const positions = new PositionMap(sucrased.mappings, guarded.insertions);
  const loopSites = guarded.sites.map(({ line, column }) => ({
    file,
    line: line + 1,
    column: positions.sourceColumnOfTranspiled(line, column) + 1,
  }));
  return { ok: true, module: { file, code: guarded.code, positions, loopSites } };
}

/** sucrase says `Error transforming f.ts: Unexpected token (3:7)` and sets `loc` (1-based). */
function compileErrorOf(file: string, error: unknown): CompileError {
  const { message = String(error), loc } = error as { message?: string; loc?: { line: number; column: number } };
  const bare = message.replace(/^Error transforming [^:]*: /, '').replace(/ \(\d+:\d+\)$/, '');
  return { file, line: loc?.line ?? 1, column: loc?.column ?? 1, message: bare };
}
