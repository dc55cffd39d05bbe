/**
 * Runs an exercise's tests against the learner's files and streams what happens as RunEvents.
 *
 * One pure function, `runTests`, used unchanged by the browser's Web Worker and by Node (content
 * tests, grader): transpile every file (syntax errors stop here), evaluate them as CommonJS
 * modules (module-loader.ts), and hand the test files to @vitest/runner through the small
 * VitestRunner below, so tests keep vitest's exact semantics (hooks, .only/.skip, timeouts).
 *
 * Event order: `compile-error`* | (`output` | `test-start` | `test-end` | `runtime-error` |
 * `trace`)*, then always exactly one `done`. (`stopped` comes from the sandbox around the runner,
 * never from here.) Errors nothing caught — a throw while a test file loads, an unhandled
 * rejection, a throw in a timer — become `runtime-error`s, never silence.
 *
 * Trace hook: while a run is in progress, `globalThis[TRACE_SINK_KEY]` (`__workbookTraceSink`)
 * is a function `(label: string, records: TraceRecord[]) => void` that emits a `trace` event.
 * simos calls it when a simulated run finishes; simos does not import the runner, it only looks
 * the hook up, so it runs unchanged under real vitest where the hook is absent.
 *
 * Environment: @vitest/runner keeps its collector state in module globals and the stray-error
 * listeners are process-wide, so one run at a time per JS realm, and never inside a process that
 * is itself being tested by vitest (the Node sandbox runs it in a worker thread for that reason).
 */
import type { ExpectStatic } from '@vitest/expect';
import {
  startTests,
  type File,
  type Suite,
  type Task,
  type Test,
  type VitestRunner,
  type VitestRunnerConfig,
} from '@vitest/runner';
import type { RunEvent, RunRequest, RunSummary, SourcePosition, TestFailure, TraceRecord } from '../protocol.ts';
import { createCapturedConsole } from './console-capture.ts';
import { listenForStrayErrors } from './host-errors.ts';
import { formatSeconds, LoopGuard } from './loop-guard.ts';
import { ExerciseModules, ModuleSyntaxError, moduleLineOffset } from './module-loader.ts';
import type { PositionMap } from './position-map.ts';
import { StackMapper, type MappedFrame } from './stack-trace.ts';
import { transpile, type TranspiledModule } from './transpile.ts';
import { checkExpectedAssertions, createExpect, createVitestModule, resetExpectState } from './vitest-api.ts';

/** Name of the global trace hook; see the file comment. */
export const TRACE_SINK_KEY = '__workbookTraceSink';
export type TraceSink = (label: string, records: TraceRecord[]) => void;

export interface RunOptions {
  /** Bare-name modules exercise code may import besides `vitest`, e.g. `{ simos, 'simos/testing' }`. */
  modules: Record<string, unknown>;
  emit: (event: RunEvent) => void;
  /**
   * Epoch ms (Date.now() scale) when loops are stopped and remaining tests skipped. Defaults to
   * start + request.timeoutMs; a sandbox with a watchdog passes a moment before the watchdog fires.
   */
  deadline?: number;
}

const now = Date.now; // captured before learner code can replace it

export async function runTests(request: RunRequest, options: RunOptions): Promise<RunSummary> {
  const startedAt = now();
  const deadline = options.deadline ?? startedAt + request.timeoutMs;
  const emit = guardedEmit(options.emit);
  const tally = { passed: 0, failed: 0, skipped: 0 };
  const finish = (stopped?: RunSummary['stopped']): RunSummary => {
    const summary: RunSummary = { ...tally, durationMs: now() - startedAt };
    emit({ type: 'done', ...summary });
    return stopped ? { ...summary, stopped } : summary;
  };

  const compiled = compileAll(request, emit);
  if (!compiled) return finish('compile-error');

  const guard = new LoopGuard(deadline, request.timeoutMs);
  const expect = createExpect();
  const console = createCapturedConsole((stream, text) => emit({ type: 'output', stream, text }));
  let modules: ExerciseModules;
  try {
    modules = new ExerciseModules(compiled, {
      modules: { ...options.modules, vitest: createVitestModule(expect) },
      console,
      guard,
    });
  } catch (error) {
    if (!(error instanceof ModuleSyntaxError)) throw error;
    emit({ type: 'compile-error', message: error.message, position: error.position });
    return finish('compile-error');
  }

  const positions = new Map(compiled.map((module): [string, PositionMap] => [module.file, module.positions]));
  const reporter = new ErrorReporter(
    new StackMapper(positions, moduleLineOffset()),
    new Set(compiled.map((module) => module.file).filter((file) => !request.testFiles.includes(file))),
    guard,
    request.timeoutMs,
  );
  const stopListening = listenForStrayErrors((error) => emit({ type: 'runtime-error', ...reporter.describe(error) }));
  const previousSink = (globalThis as Record<string, unknown>)[TRACE_SINK_KEY];
  (globalThis as Record<string, unknown>)[TRACE_SINK_KEY] = traceSink(emit);
  try {
    const runner = new WorkbookRunner({ modules, expect, emit, reporter, tally, deadline });
    const missing = request.testFiles.filter((file) => !compiled.some((module) => module.file === file));
    for (const file of missing) emit({ type: 'runtime-error', message: `The test file ${file} is missing from this run.` });
    const files = await startTests(
      request.testFiles.filter((file) => !missing.includes(file)).map((file) => `/${file}`),
      runner,
    );
    runner.reportUnreported(files);
    await unhandledRejectionsReported();
    const swallowed = reporter.unreportedLoopStop();
    if (swallowed) emit({ type: 'runtime-error', ...swallowed });
  } finally {
    stopListening();
    (globalThis as Record<string, unknown>)[TRACE_SINK_KEY] = previousSink;
  }
  return finish();
}

/** Transpiles every `.ts` file; on syntax errors emits them all and returns undefined. */
function compileAll(request: RunRequest, emit: (event: RunEvent) => void): TranspiledModule[] | undefined {
  const modules: TranspiledModule[] = [];
  let failed = false;
  for (const [file, source] of Object.entries(request.files)) {
    if (!file.endsWith('.ts')) continue;
    const result = transpile(file, source, { guardLoops: !request.testFiles.includes(file) });
    if (result.ok) {
      modules.push(result.module);
    } else {
      failed = true;
      const { message, ...position } = result.error;
      emit({ type: 'compile-error', message, position });
    }
  }
  return failed ? undefined : modules;
}

/**
 * Waits until rejections from the run have been reported as unhandled. Engines decide that only
 * after the microtask queue drains, and Chromium then dispatches the event in a task of its own,
 * queued behind any timer set before the queue drained: so yield to the event loop twice.
 */
async function unhandledRejectionsReported(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}

function guardedEmit(emit: (event: RunEvent) => void): (event: RunEvent) => void {
  return (event) => {
    try {
      emit(event);
    } catch (error) {
      // The host's channel failed (e.g. a value that cannot be cloned): say so on its console.
      globalThis.console.error('workbook runner: could not emit', event.type, error);
    }
  };
}

/** The hook simos calls with a finished run's syscall records. Copies them, so later mutation cannot change what was sent. */
function traceSink(emit: (event: RunEvent) => void): TraceSink {
  return (label, records) => {
    try {
      emit({ type: 'trace', label: String(label), records: structuredClone(records) });
    } catch (error) {
      emit({ type: 'output', stream: 'stderr', text: `(trace "${label}" could not be recorded: ${String(error)})\n` });
    }
  };
}

interface RunnerContext {
  modules: ExerciseModules;
  expect: ExpectStatic;
  emit: (event: RunEvent) => void;
  reporter: ErrorReporter;
  tally: { passed: number; failed: number; skipped: number };
  deadline: number;
}

/** The VitestRunner that loads files through ExerciseModules and turns task updates into RunEvents. */
class WorkbookRunner implements VitestRunner {
  readonly config: VitestRunnerConfig;
  private readonly context: RunnerContext;
  private readonly reported = new Set<string>();
  private deadlineAnnounced = false;

  constructor(context: RunnerContext) {
    this.context = context;
    // Timeouts are fixed when tests are collected, which is now: what is left of the run's time.
    const timeLeft = Math.max(1, context.deadline - now());
    this.config = {
      root: '/',
      setupFiles: [],
      name: undefined,
      passWithNoTests: false,
      testNamePattern: undefined,
      allowOnly: true,
      sequence: { shuffle: false, concurrent: false, seed: 0, hooks: 'stack', setupFiles: 'list' },
      chaiConfig: undefined,
      maxConcurrency: 1,
      testTimeout: timeLeft,
      hookTimeout: timeLeft,
      retry: 0,
      includeTaskLocation: false,
      diffOptions: ANSI_DIFF_OPTIONS,
      tags: [],
      tagsFilter: undefined,
      strictTags: false,
    };
  }

  importFile(filepath: string, source: 'collect' | 'setup'): void {
    if (source === 'collect') this.context.modules.load(filepath.replace(/^\//, ''));
  }

  onCollected(files: File[]): void {
    // A file that threw while loading never gets tests: its error is all the learner will see.
    for (const file of files) {
      for (const error of file.result?.errors ?? []) {
        this.context.emit({ type: 'runtime-error', ...this.context.reporter.describe(error, `While loading ${file.name}: `) });
      }
    }
  }

  onBeforeRunTask(test: Test): void {
    if (test.mode === 'run' && now() >= this.context.deadline) {
      test.mode = 'skip';
      if (!this.deadlineAnnounced) {
        this.deadlineAnnounced = true;
        this.context.emit({ type: 'output', stream: 'stderr', text: 'Time limit reached: the remaining tests were not run.\n' });
      }
    }
    if (test.mode === 'run') {
      this.context.emit({ type: 'test-start', id: test.id, name: test.name, suite: suiteNames(test) });
    } else {
      this.reportSkipped(test);
    }
  }

  onBeforeTryTask(test: Test): void {
    resetExpectState(this.context.expect, test.fullTestName ?? test.name);
  }

  onAfterTryTask(): void {
    checkExpectedAssertions(this.context.expect);
  }

  onAfterRunTask(test: Test): void {
    const state = test.result?.state;
    if (state !== 'pass' && state !== 'fail') return this.reportSkipped(test);
    this.reported.add(test.id);
    this.context.tally[state === 'pass' ? 'passed' : 'failed']++;
    const event: Extract<RunEvent, { type: 'test-end' }> = {
      type: 'test-end',
      id: test.id,
      name: test.name,
      suite: suiteNames(test),
      state,
      durationMs: Math.round(test.result?.duration ?? 0),
    };
    if (state === 'fail') event.failure = this.context.reporter.failure(test.result?.errors ?? []);
    this.context.emit(event);
  }

  onAfterRunSuite(suite: Suite): void {
    // beforeAll/afterAll failures belong to no test; vitest marks the tests skipped, so say why.
    for (const error of suite.result?.errors ?? []) {
      const where = suite.name ? `In "${suite.name}": ` : '';
      this.context.emit({ type: 'runtime-error', ...this.context.reporter.describe(error, where) });
    }
  }

  extendTaskContext<T>(context: T): T {
    Object.defineProperty(context, 'expect', { get: () => this.context.expect });
    return context;
  }

  /** Skipped tests that never reached onBeforeRunTask (inside skipped or failed suites). */
  reportUnreported(files: File[]): void {
    for (const file of files) for (const test of testsIn(file)) this.reportSkipped(test);
  }

  private reportSkipped(test: Test): void {
    if (this.reported.has(test.id)) return;
    this.reported.add(test.id);
    this.context.tally.skipped++;
    const suite = suiteNames(test);
    this.context.emit({ type: 'test-end', id: test.id, name: test.name, suite, state: 'skip', durationMs: 0 });
  }
}

function testsIn(task: Task): Test[] {
  if (task.type === 'test') return [task];
  if (task.type === 'suite') return task.tasks.flatMap(testsIn);
  return [];
}

function suiteNames(test: Test): string[] {
  const names: string[] = [];
  for (let suite = test.suite; suite && suite !== test.file; suite = suite.suite) {
    if (suite.name) names.unshift(suite.name);
  }
  return names;
}

/** What the runner knows about an error, whether thrown raw or serialized by @vitest/runner. */
interface ErrorLike {
  name?: string;
  message?: string;
  stack?: string;
  diff?: string;
  /** Where a LoopLimitError's loop starts: a better place to point than the guard call. */
  site?: SourcePosition;
}

/** Turns errors into learner-facing messages, mapped stacks and positions. */
class ErrorReporter {
  private readonly stacks: StackMapper;
  private readonly learnerFiles: ReadonlySet<string>;
  private readonly guard: LoopGuard;
  private readonly timeoutMs: number;
  private loopStopReported = false;

  constructor(stacks: StackMapper, learnerFiles: ReadonlySet<string>, guard: LoopGuard, timeoutMs: number) {
    this.stacks = stacks;
    this.learnerFiles = learnerFiles;
    this.guard = guard;
    this.timeoutMs = timeoutMs;
  }

  failure(errors: readonly ErrorLike[]): TestFailure {
    const [first = { message: 'The test failed without an error.' }, ...others] = errors;
    const { message, stack, frames } = this.analyse(first, '');
    const failure: TestFailure = { message };
    for (const other of others) failure.message += `\n\nAlso: ${this.headline(other)}`;
    if (first.diff) failure.diff = first.diff;
    if (stack) failure.stack = stack;
    const learnerFrame = first.site ?? frames.find((frame) => this.learnerFiles.has(frame.file));
    if (learnerFrame) failure.position = positionOf(learnerFrame);
    return failure;
  }

  /** A `runtime-error`'s fields for any thrown value (`prefix` goes before the message). */
  describe(error: unknown, prefix = ''): { message: string; stack?: string; position?: SourcePosition } {
    const { message, stack, frames } = this.analyse(error, prefix);
    const described: { message: string; stack?: string; position?: SourcePosition } = { message };
    if (stack) described.stack = stack;
    const site = (error as ErrorLike | null)?.site;
    if (site ?? frames[0]) described.position = positionOf(site ?? frames[0]!);
    return described;
  }

  private analyse(error: unknown, prefix: string): { message: string; stack?: string; frames: MappedFrame[] } {
    const like: ErrorLike = typeof error === 'object' && error !== null ? (error as ErrorLike) : { message: String(error) };
    const frames = this.stacks.frames(like.stack);
    const message = prefix + this.headline(like);
    return frames.length ? { message, stack: `${message}\n${this.stacks.format(frames)}`, frames } : { message, frames };
  }

  /** The loop guard's error, if learner code caught it and nothing else reported it. */
  unreportedLoopStop(): { message: string; position: SourcePosition } | undefined {
    const tripped = this.guard.tripped;
    if (!tripped || this.loopStopReported) return undefined;
    this.loopStopReported = true;
    return { message: `${tripped.name}: ${tripped.message}`, position: tripped.site };
  }

  /** `Name: message`, rewritten where the raw text would puzzle a learner. Notes a reported loop stop. */
  private headline(error: ErrorLike): string {
    const name = error.name && error.name !== 'Error' ? error.name : 'Error';
    let message = error.message ?? '';
    if (name === 'LoopLimitError') this.loopStopReported = true;
    const timedOut = /^(Test|Hook) timed out in \d+ms\./.exec(message);
    if (timedOut) {
      message =
        `This ${timedOut[1] === 'Test' ? 'test' : 'hook'} was still running when the run's time limit ` +
        `(${formatSeconds(this.timeoutMs)}) ran out. Look for an await that never resolves or a loop that never ends.`;
    } else if (/Maximum call stack size exceeded|too much recursion/.test(message)) {
      message += ' (a function kept calling itself: check that its recursion reaches a base case)';
    }
    return `${name}: ${message}`;
  }
}

function positionOf({ file, line, column }: MappedFrame): SourcePosition {
  return { file, line, column };
}

/** vitest's own diff colours, written out: its colour library turns itself off inside workers. */
const ANSI_DIFF_OPTIONS: NonNullable<VitestRunnerConfig['diffOptions']> = {
  aColor: (text) => `\x1b[32m${text}\x1b[39m`,
  bColor: (text) => `\x1b[31m${text}\x1b[39m`,
  changeColor: (text) => `\x1b[7m${text}\x1b[27m`,
  commonColor: (text) => `\x1b[2m${text}\x1b[22m`,
  patchColor: (text) => `\x1b[33m${text}\x1b[39m`,
};
