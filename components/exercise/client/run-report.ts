/**
 * What a run looks like to the learner: the terminal lines for each sandbox event and the one-line
 * summary. Pure text in, text out (ANSI colours for xterm), so it is tested in Node.
 */
import type { RunEvent, RunSummary, SourcePosition } from '../../../sandboxes/protocol.ts';

const ESC = '\u001b[';
const paint = (code: string) => (text: string) => `${ESC}${code}m${text}${ESC}0m`;
export const ansi = {
  green: paint('32'),
  red: paint('31'),
  yellow: paint('33'),
  dim: paint('2'),
  bold: paint('1'),
  boldRed: paint('1;31'),
};

/** The exact text of the `role="status"` summary after a run: `N passed, M failed`, plus why it stopped. */
export function summaryText(summary: RunSummary, timeoutMs: number): string {
  let text = `${summary.passed} passed, ${summary.failed} failed`;
  if (summary.skipped > 0) text += `, ${summary.skipped} skipped`;
  if (summary.stopped === 'timeout') text += ` — stopped: ran longer than ${formatSeconds(timeoutMs)}`;
  else if (summary.stopped === 'cancelled') text += ' — stopped: cancelled';
  else if (summary.stopped === 'compile-error') text += ' — stopped: the code did not compile';
  return text;
}

/** Test durations at or above this are shown; faster ones would only add noise. */
export const SLOW_TEST_MS = 50;

/**
 * A formatter for one run: terminal text for each event in order, empty for events the terminal
 * does not show. Tests are listed under their describe() blocks the way vitest prints them, so
 * each suite name appears once. Every chunk ends in `\n`.
 */
export function createRunReporter(): (event: RunEvent) => string {
  let printedSuite: string[] = [];
  return (event) => {
    if (event.type !== 'test-end') return formatEvent(event);
    let shared = 0;
    while (shared < printedSuite.length && shared < event.suite.length && printedSuite[shared] === event.suite[shared]) shared++;
    const headings = event.suite.slice(shared).map((name, i) => `${'  '.repeat(shared + i + 1)}${ansi.bold(name)}\n`);
    printedSuite = event.suite;
    return headings.join('') + formatTestEnd(event, '  '.repeat(event.suite.length + 1), event.name);
  };
}

/** Terminal text for one event outside the flow of a run (test-end lines carry no suite headings). */
export function formatEvent(event: RunEvent): string {
  switch (event.type) {
    case 'output':
      return event.stream === 'stderr' ? ansi.yellow(withNewline(event.text)) : withNewline(event.text);
    case 'compile-error':
      return `${ansi.boldRed(`${where(event.position)} ${event.message}`)}\n`;
    case 'test-start':
    case 'trace':
      return '';
    case 'test-end':
      return formatTestEnd(event, '  ', [...event.suite, event.name].join(' › '));
    case 'runtime-error': {
      const at = event.position ? ansi.dim(`    at ${where(event.position)}\n`) : '';
      const stack = event.stack ? ansi.dim(indent(trimStack(event.stack, event.message), '    ')) : '';
      return `${ansi.boldRed(`Error outside any test: ${event.message}`)}\n${at}${stack}`;
    }
    case 'stopped':
      return `\n${ansi.yellow(`■ ${event.message}`)}\n`;
    case 'done': {
      const counts = `${event.passed} passed, ${event.failed} failed${event.skipped > 0 ? `, ${event.skipped} skipped` : ''}`;
      const coloured = event.failed > 0 ? ansi.boldRed(counts) : ansi.green(ansi.bold(counts));
      return `\n${coloured} ${ansi.dim(`(${Math.round(event.durationMs)} ms)`)}\n`;
    }
  }
}

/** `solution.ts:12:5`, the form editors and compilers print and learners can search for. */
export function where(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}

function formatTestEnd(event: Extract<RunEvent, { type: 'test-end' }>, pad: string, name: string): string {
  const time = event.durationMs >= SLOW_TEST_MS ? ansi.dim(` (${Math.round(event.durationMs)} ms)`) : '';
  if (event.state === 'pass') return `${pad}${ansi.green('✓')} ${name}${time}\n`;
  if (event.state === 'skip') return `${pad}${ansi.dim(`↓ ${name} (skipped)`)}\n`;
  const failure = event.failure;
  let text = `${pad}${ansi.red('✗')} ${ansi.red(name)}${time}\n`;
  if (failure) {
    const detail = `${pad}    `;
    text += indent(ansi.red(failure.message), detail);
    if (failure.diff) text += `\n${indent(failure.diff, detail)}`;
    if (failure.position) text += ansi.dim(`${detail}at ${where(failure.position)}\n`);
    text += '\n';
  }
  return text;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function indent(text: string, prefix: string): string {
  return withNewline(
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => prefix + line)
      .join('\n'),
  );
}

/** Drops the first stack line when it only repeats the message, and keeps the first few frames. */
function trimStack(stack: string, message: string): string {
  const lines = stack.split('\n');
  if (lines[0]?.includes(message)) lines.shift();
  return lines.slice(0, 6).map((line) => line.trim()).join('\n');
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
