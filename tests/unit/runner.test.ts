/**
 * runTests, through the Node sandbox (a worker thread per run, as the browser uses a Web Worker
 * per run). Running it in this process would share @vitest/runner's module state with the vitest
 * that runs this file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunRequest, RunSummary } from '../../sandboxes/protocol.ts';
import { createNodeSandbox } from '../../sandboxes/node/node-sandbox.ts';

const sandbox = createNodeSandbox();
afterAll(() => sandbox.dispose());

async function run(files: Record<string, string>, timeoutMs = 5000): Promise<{ events: RunEvent[]; summary: RunSummary }> {
  const request: RunRequest = {
    exerciseId: 'test/runner',
    files,
    testFiles: Object.keys(files).filter((file) => file.endsWith('.test.ts')),
    timeoutMs,
  };
  const events: RunEvent[] = [];
  const summary = await sandbox.run(request, (event) => events.push(event));
  return { events, summary };
}

function only<T extends RunEvent['type']>(events: RunEvent[], type: T): Extract<RunEvent, { type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { type: T }> => event.type === type);
}

const SUM = 'export function sum(values: number[]): number {\n  return values.reduce((a, b) => a + b, 0);\n}\n';

describe('runTests: results', () => {
  it('reports passing tests, with their suites, and ends with done', async () => {
    const { events, summary } = await run({
      'solution.ts': SUM,
      'sum.test.ts': `import { describe, it, expect } from 'vitest';
import { sum } from './solution';
describe('sum', () => {
  it('adds', () => { expect(sum([1, 2, 3])).toBe(6); });
  it('is zero for nothing', () => { expect(sum([])).toBe(0); });
});`,
    });
    expect(summary).toMatchObject({ passed: 2, failed: 0, skipped: 0 });
    expect(summary.stopped).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(['test-start', 'test-end', 'test-start', 'test-end', 'done']);
    expect(only(events, 'test-end')[0]).toMatchObject({ name: 'adds', suite: ['sum'], state: 'pass' });
    expect(events.at(-1)).toMatchObject({ type: 'done', passed: 2, failed: 0, skipped: 0 });
  });

  it('reports a failing assertion with its message and a coloured diff', async () => {
    const { events, summary } = await run({
      'solution.ts': 'export const first = () => ({ first: 2, size: 1 });',
      'first.test.ts': `import { it, expect } from 'vitest';
import { first } from './solution';
it('finds the first', () => { expect(first()).toEqual({ first: 1, size: 1 }); });`,
    });
    expect(summary).toMatchObject({ passed: 0, failed: 1 });
    const [end] = only(events, 'test-end');
    expect(end!.state).toBe('fail');
    expect(end!.failure!.message).toBe('AssertionError: expected { first: 2, size: 1 } to deeply equal { first: 1, size: 1 }');
    expect(end!.failure!.diff).toContain('\x1b[32m- Expected\x1b[39m');
    expect(end!.failure!.diff).toContain('\x1b[31m+ Received\x1b[39m');
    expect(end!.failure!.diff).toMatch(/-\s+"first": 1,/);
    expect(end!.failure!.stack).toMatch(/at first\.test\.ts:3:\d+/);
  });

  it('counts skipped tests and honours .only', async () => {
    const { summary, events } = await run({
      'solution.ts': SUM,
      'a.test.ts': `import { describe, it, expect } from 'vitest';
it.skip('skipped', () => { throw new Error('never'); });
describe.skip('skipped suite', () => { it('inner', () => {}); });
it('runs', () => { expect(1).toBe(1); });`,
    });
    expect(summary).toMatchObject({ passed: 1, failed: 0, skipped: 2 });
    expect(only(events, 'test-end').map((end) => `${end.name}:${end.state}`).sort()).toEqual([
      'inner:skip', 'runs:pass', 'skipped:skip',
    ]);
  });

  it('runs async tests and beforeEach hooks, in order', async () => {
    const { summary, events } = await run({
      'solution.ts': 'export let count = 0;\nexport function bump() { return ++count; }\nexport function reset() { count = 0; }',
      'hooks.test.ts': `import { beforeEach, afterEach, it, expect } from 'vitest';
import { bump, reset, count } from './solution';
const log: string[] = [];
beforeEach(() => { reset(); log.push('before'); });
afterEach(() => { log.push('after'); });
it('starts from zero', async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(bump()).toBe(1);
});
it('starts from zero again', async () => {
  bump(); bump();
  expect(count).toBe(2);
  expect(log).toEqual(['before', 'after', 'before']);
});
it('fails after an await', async () => {
  await Promise.resolve();
  await expect(Promise.resolve(bump())).resolves.toBe(99);
});`,
    });
    expect(summary).toMatchObject({ passed: 2, failed: 1 });
    expect(only(events, 'test-end')[2]!.failure!.message).toMatch(/expected 1 to be 99/);
  });

  it('checks expect.assertions', async () => {
    const { events } = await run({
      'solution.ts': SUM,
      'count.test.ts': `import { it, expect } from 'vitest';
it('promises two', () => { expect.assertions(2); expect(1).toBe(1); });`,
    });
    expect(only(events, 'test-end')[0]!.failure!.message).toMatch(/expected number of assertions to be 2, but got 1/);
  });
});

describe('runTests: output and errors', () => {
  it('captures console output as output events, between the test events it belongs to', async () => {
    const { events } = await run({
      'solution.ts': 'export function greet(name: string) { console.log("hello", name, { n: 1 }); console.error("oops %d", 3); }',
      'greet.test.ts': `import { it } from 'vitest';
import { greet } from './solution';
console.info('loading');
it('greets', () => { greet('ada'); });`,
    });
    expect(events.map((event) => event.type)).toEqual(['output', 'test-start', 'output', 'output', 'test-end', 'done']);
    expect(only(events, 'output')).toEqual([
      { type: 'output', stream: 'stdout', text: 'loading\n' },
      { type: 'output', stream: 'stdout', text: "hello ada { n: 1 }\n" },
      { type: 'output', stream: 'stderr', text: 'oops 3\n' },
    ]);
  });

  it('names an import the sandbox cannot resolve, and lists what it can', async () => {
    const { events, summary } = await run({
      'solution.ts': "import { readFileSync } from 'node:fs';\nexport const read = () => readFileSync('x');",
      'read.test.ts': "import { it } from 'vitest';\nimport { read } from './solution';\nit('reads', () => { read(); });",
    });
    expect(summary).toMatchObject({ passed: 0, failed: 0 });
    const [error] = only(events, 'runtime-error');
    expect(error!.message).toBe(
      'While loading read.test.ts: Error: Cannot import "node:fs": exercise code can import only "./solution", "simos", "simos/testing", "vitest".',
    );
    expect(error!.position).toEqual({ file: 'solution.ts', line: 1, column: 1 });
    expect(events.at(-1)!.type).toBe('done');
  });

  it('reports a throw while loading, at its place in the learner file', async () => {
    const { events } = await run({
      'solution.ts': "import { it } from 'vitest';\nexport const x = 1;\nif (x) {\n    throw new RangeError('bad start');\n}",
      'load.test.ts': "import { it } from 'vitest';\nimport { x } from './solution';\nit('x', () => { x; });",
    });
    const [error] = only(events, 'runtime-error');
    expect(error!.message).toBe('While loading load.test.ts: RangeError: bad start');
    expect(error!.position).toEqual({ file: 'solution.ts', line: 4, column: 11 });
    expect(error!.stack).toMatch(/^While loading load\.test\.ts: RangeError: bad start\n {4}at solution\.ts:4:11\n {4}at load\.test\.ts:2:/);
  });

  it('reports unhandled rejections and throws in timers as runtime errors', async () => {
    const { events, summary } = await run({
      'solution.ts': "export function forget() { Promise.reject(new Error('nobody awaited me')); }\nexport function later() { setTimeout(() => { throw new TypeError('thrown in a timer'); }, 0); }",
      'stray.test.ts': `import { it } from 'vitest';
import { forget, later } from './solution';
it('forgets', () => { forget(); });
it('waits', async () => { later(); await new Promise((resolve) => setTimeout(resolve, 20)); });`,
    });
    expect(summary).toMatchObject({ passed: 2, failed: 0 });
    const messages = only(events, 'runtime-error').map((error) => error.message);
    expect(messages).toEqual(['Error: nobody awaited me', 'TypeError: thrown in a timer']);
    expect(only(events, 'runtime-error')[0]!.position).toEqual({ file: 'solution.ts', line: 1, column: 43 });
  });

  it('maps a runtime error inside the solution to the TypeScript line and column', async () => {
    const solution = [
      "import { SIZE } from './constants';",
      'export interface Box { items: number[] }',
      'export function last(box: Box): number {',
      '  const items: number[] = box.items.length > SIZE ? box.items : (undefined as any);',
      '  return SIZE * items[items.length - 1]!;',
      '}',
    ].join('\n');
    const { events } = await run({
      'constants.ts': 'export const SIZE = 2;',
      'solution.ts': solution,
      'last.test.ts': "import { it, expect } from 'vitest';\nimport { last } from './solution';\nit('last', () => { expect(last({ items: [1] })).toBe(1); });",
    });
    const failure = only(events, 'test-end')[0]!.failure!;
    expect(failure.message).toMatch(/^TypeError: Cannot read properties of undefined/);
    // V8 points at `length`, past the `SIZE` that became `_constants.SIZE`.
    expect(failure.position).toEqual({ file: 'solution.ts', line: 5, column: 29 });
    expect(failure.stack).toContain('    at last (solution.ts:5:29)');
    expect(failure.stack).toContain('    at last.test.ts:3:');
  });

  it('stops a compile error before running anything', async () => {
    const { events, summary } = await run({
      'solution.ts': 'export function f( {\n  return 1;\n}',
      'f.test.ts': "import { it } from 'vitest';\nit('f', () => {});",
    });
    expect(summary).toMatchObject({ passed: 0, failed: 0, skipped: 0, stopped: 'compile-error' });
    expect(events.map((event) => event.type)).toEqual(['compile-error', 'done']);
    expect(only(events, 'compile-error')[0]!.position).toMatchObject({ file: 'solution.ts', line: 2 });
  });

  it('locates a redeclared variable, which only the engine notices', async () => {
    const { events, summary } = await run({
      'solution.ts': "import { SIZE } from './size';\nexport function f() {\n  let total = SIZE;\n  let total = 1;\n  return total;\n}",
      'size.ts': 'export const SIZE = 1;',
      'f.test.ts': "import { it } from 'vitest';\nimport { f } from './solution';\nit('f', () => { f(); });",
    });
    expect(summary.stopped).toBe('compile-error');
    expect(only(events, 'compile-error')).toEqual([
      {
        type: 'compile-error',
        message: "SyntaxError: Identifier 'total' has already been declared",
        position: { file: 'solution.ts', line: 4, column: 3 },
      },
    ]);
  });

  it('says that vi is not available instead of failing obscurely', async () => {
    const { events } = await run({
      'solution.ts': SUM,
      'vi.test.ts': "import { it, vi } from 'vitest';\nit('mocks', () => { vi.fn(); });",
    });
    expect(only(events, 'test-end')[0]!.failure!.message).toMatch(/^Error: vi \(mocks, spies and fake timers\) is not available/);
  });

  it('keeps learner code away from the host, while letting it name its own `process`', async () => {
    const { summary, events } = await run({
      'solution.ts': `export const seen = [typeof postMessage, typeof fetch, typeof self, typeof importScripts, typeof indexedDB];
const process = { pid: 1 };
export const pid = process.pid;`,
      'host.test.ts': `import { it, expect } from 'vitest';
import { seen, pid } from './solution';
it('sees nothing', () => { expect(seen).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']); expect(pid).toBe(1); });`,
    });
    expect(only(events, 'test-end')[0]!.failure).toBeUndefined();
    expect(summary.passed).toBe(1);
  });

  it('passes simos traces through the trace hook', async () => {
    const { events } = await run({
      'solution.ts': SUM,
      'trace.test.ts': `import { it } from 'vitest';
import { reportTrace } from 'simos/testing';
it('traces', () => { reportTrace('demo', [{ pid: 1, call: 'fork' }]); });`,
    });
    expect(only(events, 'trace')).toEqual([{ type: 'trace', label: 'demo', records: [{ pid: 1, call: 'fork' }] }]);
  });
});

describe('runTests: time limits', () => {
  it('stops an endless loop with its position, skips the rest, and still ends with done', async () => {
    const started = Date.now();
    const { events, summary } = await run(
      {
        'solution.ts': 'export function spin(n: number) {\n  let i = 0;\n  while (i < n) {\n    i--;\n  }\n  return i;\n}',
        'spin.test.ts': "import { it, expect } from 'vitest';\nimport { spin } from './solution';\nit('spins', () => { expect(spin(3)).toBe(3); });\nit('next', () => {});",
      },
      800,
    );
    expect(Date.now() - started).toBeLessThan(800);
    expect(summary).toMatchObject({ passed: 0, failed: 1, skipped: 1 });
    expect(summary.stopped).toBeUndefined();
    const failure = only(events, 'test-end')[0]!.failure!;
    expect(failure.message).toMatch(/^LoopLimitError: Stopped a loop that ran more than [\d,]+ iterations without finishing, at solution\.ts:3:3: the run's time limit of 0\.8 s ran out/);
    expect(failure.position).toEqual({ file: 'solution.ts', line: 3, column: 3 });
    expect(events.at(-1)!.type).toBe('done');
  });

  it('fails an await that never resolves with a learner-sized message', async () => {
    const { events } = await run(
      {
        'solution.ts': 'export const never = () => new Promise<void>(() => {});',
        'never.test.ts': "import { it } from 'vitest';\nimport { never } from './solution';\nit('waits', async () => { await never(); });",
      },
      400,
    );
    expect(only(events, 'test-end')[0]!.failure!.message).toBe(
      "Error: This test was still running when the run's time limit (0.4 s) ran out. Look for an await that never resolves or a loop that never ends.",
    );
  });

  it('has the watchdog stop code no guard reaches, and the next run works', async () => {
    const hang = await run(
      {
        'solution.ts': 'export const block = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
        'hang.test.ts': "import { it } from 'vitest';\nimport { block } from './solution';\nit('passes', () => {});\nit('blocks', () => { block(); });",
      },
      400,
    );
    expect(hang.summary).toMatchObject({ passed: 1, failed: 0, stopped: 'timeout' });
    expect(hang.events.at(-1)).toEqual({
      type: 'stopped',
      reason: 'timeout',
      message: 'Your code ran longer than 0.4 s and was stopped. Look for a loop that never ends or an await that never resolves.',
    });
    const next = await run({ 'solution.ts': SUM, 'ok.test.ts': "import { it } from 'vitest';\nit('ok', () => {});" });
    expect(next.summary).toMatchObject({ passed: 1, failed: 0 });
    expect(next.summary.stopped).toBeUndefined();
  });

  it('cancels the run in flight when a new one starts', async () => {
    const slowEvents: RunEvent[] = [];
    const slow = sandbox.run(
      {
        exerciseId: 'test/slow',
        files: { 'solution.ts': SUM, 'slow.test.ts': "import { it } from 'vitest';\nit('slow', async () => { await new Promise((r) => setTimeout(r, 3000)); });" },
        testFiles: ['slow.test.ts'],
        timeoutMs: 5000,
      },
      (event) => slowEvents.push(event),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fast = await run({ 'solution.ts': SUM, 'ok.test.ts': "import { it } from 'vitest';\nit('ok', () => {});" });
    expect(await slow).toMatchObject({ stopped: 'cancelled' });
    expect(slowEvents.at(-1)).toMatchObject({ type: 'stopped', reason: 'cancelled' });
    expect(fast.summary).toMatchObject({ passed: 1 });
  });
});
