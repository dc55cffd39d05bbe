/**
 * A fidelity scenario: actors and steps, written once, played on Linux (linux_runner.py) and on
 * simos (simos-runner.ts). The format is described in docs/fidelity.md; this file holds its
 * types and the checks that turn a malformed scenario into a message naming the step.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What a step returned, normalised the same way on both systems (see docs/fidelity.md). */
export type StepOutcome = unknown;

/** An actor's state at the end: processes are alive, zombies or reaped; threads alive or exited. */
export type Fate = 'alive' | 'zombie' | 'reaped' | 'exited';

export interface Step {
  /** Who makes the call; absent only for the driver's own "fates" observation. */
  actor?: string;
  op: string;
  args?: Record<string, unknown>;
  /** Name the result (an fd, or with an array, each element) for later steps' fd arguments. */
  as?: string | string[];
  /** The call is expected not to return until a later step; a later "await" collects it. */
  blocks?: boolean;
  /** Why this step is here, in words (shown in failure messages). */
  note?: string;
  /** The outcome recorded on Linux. */
  expect?: StepOutcome;
  /** simos deliberately differs here: why, and exactly what simos returns instead. */
  simosDiffers?: { reason: string; simos: StepOutcome };
  /**
   * A known simos bug, reported to its owner: what simos wrongly returns. The suite stays green
   * while simos returns exactly that, and fails once simos changes (fixed: delete the marker).
   */
  simosBug?: { report: string; simos: StepOutcome };
}

export interface Scenario {
  id: string;
  title: string;
  /** The facts the scenario checks, in words, with the man pages they come from. */
  facts?: string;
  sources?: string[];
  /** Processes the driver starts (children of init, each leading its own session). Default ["P"]. */
  roots?: string[];
  /** "pidns": Linux can only run it inside a PID namespace (kill(-1) would escape otherwise). */
  requires?: string[];
  steps: Step[];
  /** Every actor's fate at the end, recorded on Linux. */
  final?: Record<string, Fate>;
  finalSimosDiffers?: { reason: string; simos: Record<string, Fate> };
  recordedOn?: { kernel: string; fs: string; mode: string };
}

/** What a runner produces for one scenario. */
export interface Outcome {
  steps: StepOutcome[];
  final: Record<string, Fate>;
}

/** Operations and the argument keys each accepts (the shared vocabulary; docs/fidelity.md). */
export const OPS: Record<string, readonly string[]> = {
  // processes and threads
  fork: ['child'],
  thread_start: ['thread'],
  thread_exit: [],
  exit: ['code'],
  exec: ['program'],
  getpid: [],
  getppid: [],
  getpgid: ['pid'],
  getsid: ['pid'],
  setpgid: ['pid', 'pgid'],
  setsid: [],
  kill: ['pid', 'sig'],
  killpg: ['pgrp', 'sig'],
  waitpid: ['pid', 'options'],
  signal: ['sig', 'action'],
  caught: [],
  prctl_set_pdeathsig: ['sig'],
  prctl_get_pdeathsig: [],
  prctl_set_subreaper: ['on'],
  prctl_get_subreaper: [],
  // descriptors and files
  open: ['path', 'flags', 'mode'],
  close: ['fd'],
  dup: ['fd'],
  dup2: ['fd', 'to'],
  write: ['fd', 'data', 'bytes', 'char'],
  read: ['fd', 'count'],
  lseek: ['fd', 'offset', 'whence'],
  fstat: ['fd'],
  stat: ['path'],
  unlink: ['path'],
  rename: ['path', 'newpath'],
  fsync: ['fd'],
  fcntl: ['fd', 'cmd', 'arg'],
  // locks
  flock: ['fd', 'op'],
  lockf: ['fd', 'cmd', 'len'],
  fcntl_lock: ['fd', 'cmd', 'type', 'whence', 'start', 'len', 'lpid'],
  fcntl_getlk: ['fd', 'cmd', 'type', 'whence', 'start', 'len', 'lpid'],
  // pipes, eventfd, poll, pidfd
  pipe: ['flags'],
  eventfd: ['initval', 'flags'],
  eventfd_read: ['fd'],
  eventfd_write: ['fd', 'value'],
  poll: ['fds', 'timeout'],
  pidfd_open: ['pid'],
  pidfd_send_signal: ['fd', 'sig'],
  fill: ['fd', 'chunk'],
  // the driver's own
  await: [],
  fates: [],
};

/** Argument keys whose string values name a process actor (pid), "-X" for minus its pid. */
export const PID_KEYS = ['pid', 'pgid', 'pgrp'] as const;
/** Argument keys whose string values name an earlier step's result (`as`). */
export const FD_KEYS = ['fd', 'to'] as const;
/** Argument keys holding a path relative to the scenario's scratch directory. */
export const PATH_KEYS = ['path', 'newpath'] as const;

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** `step 4 (C: setpgid)`, the way failure messages name a step. */
export function stepLabel(scenario: Scenario, index: number): string {
  const s = scenario.steps[index]!;
  const args = s.args && Object.keys(s.args).length ? ` ${JSON.stringify(s.args)}` : '';
  return `step ${index + 1} (${s.actor ? `${s.actor}: ` : ''}${s.op}${args})`;
}

/**
 * Check a parsed scenario: known ops and keys, actors that exist when they act, `as` names that
 * are unique and used only after they are bound, `await` only after a blocking step.
 */
export function validateScenario(raw: unknown, source: string): Scenario {
  const fail = (msg: string): never => {
    throw new ScenarioError(`${source}: ${msg}`);
  };
  if (!raw || typeof raw !== 'object') fail('a scenario must be a JSON object');
  const sc = raw as Scenario;
  if (typeof sc.id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(sc.id)) fail('"id" must be a short name like "D1a"');
  if (typeof sc.title !== 'string' || !sc.title) fail('"title" is required');
  if (!Array.isArray(sc.steps) || sc.steps.length === 0) fail('"steps" must be a non-empty array');
  const roots = sc.roots ?? ['P'];
  const processes = new Set<string>(roots);
  const threads = new Set<string>();
  const blockedActors = new Set<string>();
  const exited = new Set<string>();
  const bound = new Set<string>();
  const where = (i: number) => `step ${i + 1}`;
  sc.steps.forEach((s, i) => {
    if (!s || typeof s !== 'object') fail(`${where(i)} must be an object`);
    const keys = OPS[s.op];
    if (!keys) fail(`${where(i)}: unknown op "${s.op}" (known: ${Object.keys(OPS).join(', ')})`);
    for (const k of Object.keys(s.args ?? {})) {
      if (!keys!.includes(k)) fail(`${where(i)}: ${s.op} takes no argument "${k}" (it takes: ${keys!.join(', ') || 'none'})`);
    }
    if (s.simosDiffers && (typeof s.simosDiffers.reason !== 'string' || !('simos' in s.simosDiffers))) fail(`${where(i)}: simosDiffers needs "reason" and "simos"`);
    if (s.simosBug && (typeof s.simosBug.report !== 'string' || !('simos' in s.simosBug))) fail(`${where(i)}: simosBug needs "report" and "simos"`);
    if (s.simosDiffers && s.simosBug) fail(`${where(i)}: a step is either a deliberate deviation or a bug, not both`);
    if (s.op === 'fates') return;
    const actor = s.actor;
    if (typeof actor !== 'string') return fail(`${where(i)}: "actor" is required for ${s.op}`);
    if (!processes.has(actor) && !threads.has(actor)) fail(`${where(i)}: actor "${actor}" does not exist yet (roots: ${roots.join(', ')}; others come from fork/thread_start)`);
    if (exited.has(actor)) fail(`${where(i)}: actor "${actor}" has already exited`);
    if (s.op === 'await') {
      if (!blockedActors.delete(actor)) fail(`${where(i)}: await, but ${actor} has no earlier step marked "blocks"`);
      return;
    }
    if (blockedActors.has(actor)) fail(`${where(i)}: ${actor} is still inside a blocked call; "await" it first`);
    if (s.blocks) blockedActors.add(actor);
    const args = s.args ?? {};
    for (const [k, v] of Object.entries(args)) checkRefs(k, v);
    function checkRefs(k: string, v: unknown): void {
      if (Array.isArray(v)) return v.forEach((x) => checkRefs(k, x));
      if (v && typeof v === 'object') return Object.entries(v).forEach(([kk, vv]) => checkRefs(kk, vv));
      if (typeof v !== 'string') return;
      if ((PID_KEYS as readonly string[]).includes(k)) {
        const name = v.replace(/^-/, '');
        if (name !== 'init' && !processes.has(name)) fail(`${where(i)}: ${k} "${v}" names no process actor`);
      }
      if ((FD_KEYS as readonly string[]).includes(k) && !bound.has(v)) fail(`${where(i)}: ${k} "${v}" was not named by an earlier step's "as"`);
    }
    if (s.op === 'fork') {
      const child = args.child;
      if (typeof child !== 'string' || processes.has(child) || threads.has(child)) fail(`${where(i)}: fork needs a new actor name in "child"`);
      processes.add(child as string);
    }
    if (s.op === 'thread_start') {
      const t = args.thread;
      if (typeof t !== 'string' || processes.has(t) || threads.has(t)) fail(`${where(i)}: thread_start needs a new actor name in "thread"`);
      threads.add(t as string);
    }
    if (s.op === 'thread_exit' && !threads.has(actor)) fail(`${where(i)}: thread_exit is for thread actors; a process ends with exit`);
    if (s.op === 'thread_exit' || s.op === 'exit') exited.add(actor);
    for (const name of [s.as ?? []].flat()) {
      if (bound.has(name) || processes.has(name) || threads.has(name)) fail(`${where(i)}: "as" name "${name}" is already used`);
      bound.add(name);
    }
  });
  if (blockedActors.size) fail(`${[...blockedActors].join(', ')} still blocked at the end: add an "await" step`);
  return sc;
}

export function loadScenario(path: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ScenarioError(`${path}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return validateScenario(raw, path);
}

/** Every scenario file in `dir`, sorted by name. */
export function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}
