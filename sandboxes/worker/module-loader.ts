/**
 * Evaluates transpiled exercise files as CommonJS modules.
 *
 * Each file becomes `function (exports, require, module, <guards>) { <code> }`, built with the
 * Function constructor inside an outer function whose parameters shadow the host's globals
 * (`self`, `postMessage`, `fetch`, `indexedDB`, `process`…) with undefined and `console` with the
 * captured one. Shadowing in an *outer* function lets learner code still declare its own
 * `const process = …` at top level. It keeps honest code from reaching the page or the host by
 * accident; it is not a security boundary (the Web Worker is).
 *
 * `require` resolves only the exercise's own files (`./solution`, `./solution.ts`, `./helper.js`
 * -> `helper.ts`) and the named modules the host passes in (`vitest`, `simos`, `simos/testing`);
 * anything else throws an error that names the import and lists what is allowed.
 */
import { ITERABLE_GUARD, LOOP_GUARD, type LoopGuard } from './loop-guard.ts';
import type { SourcePosition } from '../protocol.ts';
import type { TranspiledModule } from './transpile.ts';

/** Prefix of the `//# sourceURL` of every exercise file: how stack frames from them are found. */
export const EXERCISE_URL_PREFIX = 'exercise/';

const SHADOWED_GLOBALS = [
  'self', 'window', 'document', 'global', 'process', 'navigator', 'location',
  'postMessage', 'importScripts', 'close', 'addEventListener', 'removeEventListener', 'onmessage',
  'fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource', 'BroadcastChannel', 'Worker', 'SharedWorker',
  'indexedDB', 'caches', 'localStorage', 'sessionStorage',
] as const;
const MODULE_PARAMETERS = ['exports', 'require', 'module', LOOP_GUARD, ITERABLE_GUARD];

type ModuleFunction = (
  exports: unknown,
  require: (specifier: string) => unknown,
  module: { exports: unknown },
  loop: unknown,
  iterable: unknown,
) => void;

/** Builds the module function; throws the engine's SyntaxError for what sucrase let through. */
function compileModule(code: string, url: string, console: unknown): ModuleFunction {
  const outer = new Function(
    'console',
    ...SHADOWED_GLOBALS,
    `return function (${MODULE_PARAMETERS.join(', ')}) {\n${code}\n}\n//# sourceURL=${url}`,
  ) as (console: unknown) => ModuleFunction;
  return outer(console);
}

let lineOffset: number | undefined;

/**
 * How many lines the engine puts before a module's first line in stack traces: the Function
 * constructor's own header plus ours. Measured once, because engines differ.
 */
export function moduleLineOffset(): number {
  if (lineOffset === undefined) {
    const url = `${EXERCISE_URL_PREFIX}__probe__.js`;
    try {
      compileModule('throw new Error("probe");', url, undefined)({}, () => undefined, { exports: {} }, 0, 0);
    } catch (error) {
      const match = /__probe__\.js:(\d+)/.exec(String((error as Error).stack));
      lineOffset = match ? Number(match[1]) - 1 : 3;
    }
  }
  return lineOffset ?? 3;
}

/**
 * A syntax error the engine found where sucrase, which only parses, found none: a redeclared
 * `let`, a top-level `await`. Engines give no position for these, so we find one where we can.
 */
export class ModuleSyntaxError extends Error {
  override name = 'ModuleSyntaxError';
  readonly position: SourcePosition;
  constructor(module: TranspiledModule, cause: unknown) {
    const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const topLevelAwait = /await is only valid/.test(message);
    super(topLevelAwait ? `${message} (exercise files cannot use await at top level: move it into an async function)` : message);
    this.position = locateRedeclaration(module, message) ?? { file: module.file, line: 1, column: 1 };
  }
}

/** For "Identifier 'x' has already been declared": the second declaration of x. */
function locateRedeclaration(module: TranspiledModule, message: string): SourcePosition | undefined {
  const name = /Identifier '([\w$]+)' has already been declared/.exec(message)?.[1];
  if (!name) return undefined;
  const declaration = new RegExp(`\\b(?:let|const|var|class|function\\*?)\\s+${name.replace(/\$/g, '\\$')}\\b`, 'g');
  const lines = module.code.split('\n');
  let seen = 0;
  for (let line = 0; line < lines.length; line++) {
    for (const match of lines[line]!.matchAll(declaration)) {
      if (++seen === 2) {
        return { file: module.file, line: line + 1, column: module.positions.sourceColumnOfRun(line, match.index) + 1 };
      }
    }
  }
  return undefined;
}

export interface ModuleHost {
  /** Bare-name modules exercise code may import, e.g. `vitest`, `simos`. */
  modules: Record<string, unknown>;
  console: unknown;
  guard: LoopGuard;
}

interface ModuleRecord {
  exports: unknown;
}

export class ExerciseModules {
  private readonly functions = new Map<string, ModuleFunction>();
  private readonly transpiled = new Map<string, TranspiledModule>();
  private readonly cache = new Map<string, ModuleRecord>();
  private readonly host: ModuleHost;

  /** Compiles every file up front, so a syntax error anywhere is reported before anything runs. */
  constructor(modules: readonly TranspiledModule[], host: ModuleHost) {
    this.host = host;
    for (const module of modules) {
      this.transpiled.set(module.file, module);
      try {
        this.functions.set(module.file, compileModule(module.code, EXERCISE_URL_PREFIX + module.file, host.console));
      } catch (error) {
        throw new ModuleSyntaxError(module, error);
      }
    }
  }

  /** Runs a file (once) and returns its exports. */
  load(file: string): unknown {
    const cached = this.cache.get(file);
    if (cached) return cached.exports;
    const run = this.functions.get(file)!;
    const record: ModuleRecord = { exports: {} };
    // Cached before it runs, so circular imports see the partial exports, as in Node.
    this.cache.set(file, record);
    const guards = this.host.guard.forFile(this.transpiled.get(file)!.loopSites);
    run(record.exports, (specifier) => this.require(specifier), record, guards.loop, guards.iterable);
    return record.exports;
  }

  private require(specifier: string): unknown {
    if (Object.hasOwn(this.host.modules, specifier)) return this.host.modules[specifier];
    const file = this.resolveFile(specifier);
    if (file) return this.load(file);
    throw new Error(`Cannot import "${specifier}": ${this.whatCanBeImported()}`);
  }

  private resolveFile(specifier: string): string | undefined {
    if (!specifier.startsWith('./')) return undefined;
    const name = specifier.slice(2);
    const candidates = [name, `${name}.ts`, name.replace(/\.js$/, '.ts')];
    return candidates.find((candidate) => this.functions.has(candidate));
  }

  private whatCanBeImported(): string {
    const files = [...this.functions.keys()]
      .filter((file) => !/\.test\.ts$/.test(file))
      .map((file) => `"./${file.replace(/\.ts$/, '')}"`);
    const named = Object.keys(this.host.modules).map((name) => `"${name}"`);
    return `exercise code can import only ${[...files, ...named].join(', ')}.`;
  }
}
