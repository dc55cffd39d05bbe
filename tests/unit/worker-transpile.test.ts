import { describe, expect, it } from 'vitest';
import { ITERABLE_GUARD, LOOP_GUARD, LoopGuard, LoopLimitError } from '../../sandboxes/worker/loop-guard.ts';
import { transpile, type TranspiledModule } from '../../sandboxes/worker/transpile.ts';

function compiled(source: string, file = 'solution.ts'): TranspiledModule {
  const result = transpile(file, source);
  if (!result.ok) throw new Error(`unexpected compile error: ${JSON.stringify(result.error)}`);
  return result.module;
}

/** Runs a transpiled module with a loop guard whose deadline is `budgetMs` away; returns its exports. */
function run(module: TranspiledModule, budgetMs = 5000): Record<string, unknown> {
  const guards = new LoopGuard(Date.now() + budgetMs, budgetMs).forFile(module.loopSites);
  const exports: Record<string, unknown> = {};
  const body = new Function('exports', 'require', 'module', LOOP_GUARD, ITERABLE_GUARD, module.code);
  body(exports, () => ({}), { exports }, guards.loop, guards.iterable);
  return exports;
}

describe('transpile: syntax errors', () => {
  it('reports the 1-based line and column of the offending token, without sucrase decoration', () => {
    const result = transpile('solution.ts', 'export const a = 1;\n\nconst x = ;\n');
    expect(result).toEqual({
      ok: false,
      error: { file: 'solution.ts', line: 3, column: 11, message: 'Unexpected token' },
    });
  });

  it('points an unterminated string at its opening quote', () => {
    const result = transpile('decode.ts', 'let a = 1;\n  let b = "oops\n');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ file: 'decode.ts', line: 2, column: 11 });
      expect(result.error.message).toMatch(/Unterminated string/);
    }
  });
});

describe('transpile: output', () => {
  it('keeps every line where it was', () => {
    const source = [
      "import { helper, type Options } from './helper';",
      'export interface Shape { size: number }',
      'export function area(s: Shape, o?: Options): number {',
      '  let total = 0;',
      '  for (let i = 0; i < s.size; i++) { total += helper(i); }',
      '  while (total > 100) total -= 100;',
      '  return total;',
      '}',
    ].join('\n');
    expect(compiled(source).code.split('\n')).toHaveLength(source.split('\n').length);
  });

  it('maps columns of the code that runs back to the TypeScript, across imports and guards', () => {
    const source = "import { step } from './step';\nexport function f(n: number) { while (step(n) > 0) { n--; boom(n); } }";
    const module = compiled(source);
    const runLine = module.code.split('\n')[1]!;
    const sourceLine = source.split('\n')[1]!;
    const sourceColumnOf = (runText: string) => module.positions.sourceColumnOfRun(1, runLine.indexOf(runText));
    expect(sourceColumnOf('boom(')).toBe(sourceLine.indexOf('boom('));
    expect(sourceColumnOf('n--')).toBe(sourceLine.indexOf('n--'));
    // The imported name became `_step.step.call(`: every part of it points at `step`.
    expect(sourceColumnOf('_step.step')).toBe(sourceLine.indexOf('step('));
    expect(sourceColumnOf('call(')).toBe(sourceLine.indexOf('step('));
    // Inside the guard text, positions belong to the loop's condition.
    expect(sourceColumnOf(LOOP_GUARD)).toBe(sourceLine.indexOf('step('));
  });

  it('leaves "while(" inside strings, templates, regexes and comments alone', () => {
    const source = [
      'export const s = "while(true){}";',
      "export const t = `for(;;){} ${'do {} while(1)'}`;",
      'export const r = /while(x)/.source;',
      '// while (true) {}',
      '/* for (;;) {} */',
      'export const o = { while: 1, for: 2 }; o.while; o.for;',
    ].join('\n');
    const module = compiled(source);
    expect(module.loopSites).toEqual([]);
    expect(module.code).not.toContain(LOOP_GUARD);
    expect(run(module)).toMatchObject({ s: 'while(true){}', t: 'for(;;){} do {} while(1)', r: 'while(x)' });
  });
});

describe('transpile: loop guards', () => {
  it('stops while(true){} with a message naming the loop', () => {
    const module = compiled('export const a = 1;\nexport function spin() {\n  while (true) {}\n}\nspin();');
    expect(module.loopSites).toEqual([{ file: 'solution.ts', line: 3, column: 3 }]);
    expect(() => run(module, 30)).toThrowError(
      /^Stopped a loop that ran more than [\d,]+ iterations without finishing, at solution\.ts:3:3: the run's time limit of 0 s ran out/,
    );
  });

  it('stops for(;;){} and an infinite for…of over a generator', () => {
    expect(() => run(compiled('for(;;){}'), 20)).toThrow(LoopLimitError);
    const generator = 'function* naturals() { let n = 0; for (;;) yield n++; }\nlet last = 0;\nfor (const n of naturals()) last = n;';
    expect(() => run(compiled(generator), 20)).toThrow(/at solution\.ts:(1:35|3:1):/);
  });

  it('stops do…while and for await…of', async () => {
    expect(() => run(compiled('let i = 0;\ndo { i++; } while (i > 0);'), 20)).toThrow(/at solution\.ts:2:1/);
    const asyncSource =
      'async function* forever() { while (true) yield 1; }\n' +
      'export const done = (async () => { for await (const x of forever()) {} })();';
    await expect(run(compiled(asyncSource), 20).done).rejects.toThrow(LoopLimitError);
  });

  it('keeps throwing once tripped, so a catch inside an outer loop cannot keep it spinning', () => {
    const source = 'let caught = 0;\nwhile (true) {\n  try { while (true) {} } catch { caught++; }\n}';
    expect(() => run(compiled(source), 20)).toThrow(/at solution\.ts:3:9/);
  });

  it('leaves finite loops with the same results, including break, continue, labels and for…in', () => {
    const source = `
      export let sum = 0;
      for (let i = 0; i < 10; i++) { if (i === 5) continue; sum += i; }
      let j = 0; while (j < 3) j++;
      let k = 0; do k += 2; while (k < 7);
      export const keys: string[] = [];
      for (const key in { a: 1, b: 2 }) keys.push(key);
      export const pairs: number[][] = [];
      outer: for (const x of [1, 2, 3]) { for (const y of [1, 2, 3]) { if (y > x) continue outer; pairs.push([x, y]); } }
      export let closed = false;
      function* g() { try { yield 1; yield 2; } finally { closed = true; } }
      for (const v of g()) { if (v === 1) break; }
      export const chars = [...'ab'].length + Array.from('cd').length;
      for (const ch of 'xy') sum += ch.length;
      export const counts = { j, k };
    `;
    const exports = run(compiled(source));
    expect(exports).toMatchObject({ sum: 42, keys: ['a', 'b'], closed: true, chars: 4, counts: { j: 3, k: 8 } });
    expect(exports.pairs).toEqual([[1, 1], [2, 1], [2, 2], [3, 1], [3, 2], [3, 3]]);
  });

  it('runs a long legitimate loop to the end: the guard is a deadline, not a count', () => {
    const exports = run(compiled('export let n = 0;\nwhile (n < 5_000_000) n++;'), 5000);
    expect(exports.n).toBe(5_000_000);
  });

  it('keeps the error for…of gives a non-iterable', () => {
    expect(() => run(compiled('for (const x of (5 as any)) {}'))).toThrow(/5 is not iterable/);
  });
});
