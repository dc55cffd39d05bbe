import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../sandboxes/protocol.ts';
import { createRunReporter, formatEvent, summaryText } from '../../components/exercise/client/run-report.ts';

/** The text a learner sees, without the colour codes. */
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('summaryText', () => {
  it('reads exactly "N passed, M failed" for a normal run', () => {
    expect(summaryText({ passed: 3, failed: 2, skipped: 0, durationMs: 40 }, 5000)).toBe('3 passed, 2 failed');
    expect(summaryText({ passed: 0, failed: 0, skipped: 0, durationMs: 1 }, 5000)).toBe('0 passed, 0 failed');
  });

  it('says why a run stopped, with the limit in seconds', () => {
    expect(summaryText({ passed: 1, failed: 0, skipped: 0, durationMs: 5000, stopped: 'timeout' }, 5000)).toBe('1 passed, 0 failed — stopped: ran longer than 5 s');
    expect(summaryText({ passed: 0, failed: 0, skipped: 0, durationMs: 2500, stopped: 'timeout' }, 2500)).toBe('0 passed, 0 failed — stopped: ran longer than 2.5 s');
    expect(summaryText({ passed: 0, failed: 0, skipped: 0, durationMs: 9, stopped: 'compile-error' }, 5000)).toBe('0 passed, 0 failed — stopped: the code did not compile');
    expect(summaryText({ passed: 0, failed: 0, skipped: 0, durationMs: 9, stopped: 'cancelled' }, 5000)).toBe('0 passed, 0 failed — stopped: cancelled');
  });

  it('mentions skipped tests only when there are some', () => {
    expect(summaryText({ passed: 1, failed: 0, skipped: 2, durationMs: 1 }, 5000)).toBe('1 passed, 0 failed, 2 skipped');
  });
});

describe('formatEvent', () => {
  it('marks passing tests with a green ✓ and the suite path, timing only slow ones', () => {
    const text = formatEvent({ type: 'test-end', id: '1', name: 'reads one record', suite: ['decode'], state: 'pass', durationMs: 2.4 });
    expect(text).toContain('\u001b[32m✓');
    expect(plain(text)).toBe('  ✓ decode › reads one record\n');
    expect(plain(formatEvent({ type: 'test-end', id: '1', name: 'slow', suite: [], state: 'pass', durationMs: 120.2 }))).toBe('  ✓ slow (120 ms)\n');
  });

  it('shows a failure with its message, diff and position in the learner file', () => {
    const text = formatEvent({
      type: 'test-end',
      id: '2',
      name: 'stops at a torn record',
      suite: [],
      state: 'fail',
      durationMs: 1,
      failure: { message: 'expected 2 to be 1', diff: '- Expected\n+ Received', position: { file: 'solution.ts', line: 12, column: 5 } },
    });
    expect(text).toContain('\u001b[31m✗');
    expect(plain(text)).toBe(
      '  ✗ stops at a torn record\n' +
        '      expected 2 to be 1\n' +
        '\n      - Expected\n      + Received\n' +
        '      at solution.ts:12:5\n\n',
    );
  });

  it('prints compile errors as file:line:column message', () => {
    const text = formatEvent({ type: 'compile-error', message: "Unexpected token, expected ';'", position: { file: 'solution.ts', line: 12, column: 5 } });
    expect(plain(text)).toBe("solution.ts:12:5 Unexpected token, expected ';'\n");
  });

  it('passes program output through, ending every chunk on a new line', () => {
    expect(formatEvent({ type: 'output', stream: 'stdout', text: 'hello' })).toBe('hello\n');
    expect(plain(formatEvent({ type: 'output', stream: 'stderr', text: 'warn\n' }))).toBe('warn\n');
  });

  it('shows runtime errors with where they happened and a short stack', () => {
    const text = plain(
      formatEvent({
        type: 'runtime-error',
        message: 'x is not defined',
        stack: 'ReferenceError: x is not defined\n    at decode (solution.ts:3:9)\n    at run (runner.js:1:1)',
        position: { file: 'solution.ts', line: 3, column: 9 },
      }),
    );
    expect(text).toBe('Error outside any test: x is not defined\n    at solution.ts:3:9\n    at decode (solution.ts:3:9)\n    at run (runner.js:1:1)\n');
  });

  it("shows the watchdog's stop message", () => {
    expect(plain(formatEvent({ type: 'stopped', reason: 'timeout', message: 'Stopped after 5 s: the tests ran too long.' }))).toBe('\n■ Stopped after 5 s: the tests ran too long.\n');
  });

  it('ends with coloured counts', () => {
    const failed = formatEvent({ type: 'done', passed: 2, failed: 1, skipped: 0, durationMs: 41.6 });
    expect(plain(failed)).toBe('\n2 passed, 1 failed (42 ms)\n');
    expect(failed).toContain('\u001b[1;31m');
    expect(formatEvent({ type: 'done', passed: 3, failed: 0, skipped: 0, durationMs: 1 })).toContain('\u001b[32m');
  });

  it('leaves trace and test-start events to other views', () => {
    expect(formatEvent({ type: 'trace', label: 'run', records: [] })).toBe('');
    expect(formatEvent({ type: 'test-start', id: '1', name: 'x', suite: [] })).toBe('');
  });
});

describe('createRunReporter', () => {
  const pass = (name: string, suite: string[]): RunEvent => ({ type: 'test-end', id: name, name, suite, state: 'pass', durationMs: 1 });

  it('prints each describe() block once, with its tests indented under it', () => {
    const report = createRunReporter();
    const text = [
      pass('empty log', ['intact']),
      pass('one record', ['intact']),
      pass('cut header', ['torn', 'header']),
      pass('cut payload', ['torn', 'payload']),
      pass('top level', []),
    ]
      .map((event) => plain(report(event)))
      .join('');
    expect(text).toBe(
      '  intact\n' +
        '    ✓ empty log\n' +
        '    ✓ one record\n' +
        '  torn\n' +
        '    header\n' +
        '      ✓ cut header\n' +
        '    payload\n' +
        '      ✓ cut payload\n' +
        '  ✓ top level\n',
    );
  });

  it('starts fresh for every run', () => {
    const first = createRunReporter();
    first(pass('a', ['s']));
    expect(plain(createRunReporter()(pass('a', ['s'])))).toBe('  s\n    ✓ a\n');
  });

  it('formats other events like formatEvent', () => {
    const event: RunEvent = { type: 'output', stream: 'stdout', text: 'hi' };
    expect(createRunReporter()(event)).toBe(formatEvent(event));
  });
});
