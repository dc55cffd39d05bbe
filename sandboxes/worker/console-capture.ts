/**
 * The `console` that exercise code sees: every call becomes an `output` event, in order, so the
 * learner's prints land in the terminal between the test results they belong to.
 * log/info/debug go to stdout and warn/error/trace to stderr, as in Node.
 */
import { formatArgs, inspect } from './inspect.ts';

export type ConsoleStream = 'stdout' | 'stderr';
export type ConsoleWrite = (stream: ConsoleStream, text: string) => void;

export function createCapturedConsole(write: ConsoleWrite): Partial<Console> {
  let indent = '';
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const print = (stream: ConsoleStream, args: readonly unknown[]) => {
    const text = formatArgs(args);
    write(stream, `${indent ? text.replace(/^/gm, indent) : text}\n`);
  };
  const elapsed = (label: string) => {
    const start = timers.get(label);
    return start === undefined ? undefined : `${label}: ${(performance.now() - start).toFixed(3)}ms`;
  };

  return {
    log: (...args) => print('stdout', args),
    info: (...args) => print('stdout', args),
    debug: (...args) => print('stdout', args),
    warn: (...args) => print('stderr', args),
    error: (...args) => print('stderr', args),
    trace: (...args) => {
      const stack = new Error().stack?.split('\n').slice(2).join('\n') ?? '';
      print('stderr', [`Trace: ${formatArgs(args)}\n${stack}`]);
    },
    dir: (value, options?: { depth?: number }) => print('stdout', [inspect(value, options?.depth ?? undefined)]),
    table: (...args) => print('stdout', args), // a table needs column widths we do not know: print the data
    assert: (condition, ...args) => {
      if (!condition) print('stderr', ['Assertion failed' + (args.length ? ':' : ''), ...args]);
    },
    group: (...args) => {
      if (args.length) print('stdout', args);
      indent += '  ';
    },
    groupCollapsed: (...args) => {
      if (args.length) print('stdout', args);
      indent += '  ';
    },
    groupEnd: () => {
      indent = indent.slice(2);
    },
    count: (label = 'default') => {
      const count = (counts.get(label) ?? 0) + 1;
      counts.set(label, count);
      print('stdout', [`${label}: ${count}`]);
    },
    countReset: (label = 'default') => void counts.delete(label),
    time: (label = 'default') => void timers.set(label, performance.now()),
    timeLog: (label = 'default', ...args) => {
      const text = elapsed(label);
      if (text) print('stdout', [text, ...args]);
    },
    timeEnd: (label = 'default') => {
      const text = elapsed(label);
      timers.delete(label);
      if (text) print('stdout', [text]);
    },
  };
}
