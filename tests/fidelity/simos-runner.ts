/**
 * The simos side of the fidelity suite: plays a scenario's steps on a fresh simulated machine and
 * returns the outcome in the same normalised JSON shape as linux_runner.py.
 *
 * Each actor is a simos process (or thread) running a command loop that blocks in the mailbox
 * system call (mailbox.ts). The driver posts one step, runs the scheduler until nothing can move
 * (the simulated counterpart of the Linux driver's "settle"), and reads the reply. No reply and
 * the actor still there means the call blocked; no reply and the actor gone means it died.
 */
import {
  EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, F_GETFD, F_GETFL, F_GETLK, F_GETPIPE_SZ, F_LOCK, F_OFD_GETLK,
  F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_SETFD, F_SETFL, F_SETLK, F_SETLKW, F_SETPIPE_SZ, F_TEST, F_TLOCK,
  F_ULOCK, F_UNLCK, F_WRLCK, KernelPanic, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, O_APPEND, O_CLOEXEC, O_CREAT,
  O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT,
  POLLPRI, POLLRDHUP, POLLRDNORM, POLLWRNORM, PR_GET_CHILD_SUBREAPER, PR_GET_PDEATHSIG,
  PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, SIGNALS, Sim, SimulationError, SysError, WCONTINUED, WEXITSTATUS,
  WIFCONTINUED, WIFEXITED, WIFSIGNALED, WIFSTOPPED, WNOHANG, WSTOPSIG, WTERMSIG, WUNTRACED, formatPollEvents,
  isErrno, signalName, type Disposition, type Sys,
} from 'simos';
import type { Process, Thread } from '../../sandboxes/simos/proc.ts';
import { FIDELITY_RECV, Mailbox, type Command, type Reply } from './mailbox.ts';
import { FD_KEYS, PATH_KEYS, PID_KEYS, ScenarioError, stepLabel, type Fate, type Outcome, type Scenario, type Step } from './scenario.ts';

/** The registered program an actor execs into: the same command loop, same actor name. */
const ACTOR_PROGRAM = 'fidelity-actor';
/** Where a scenario's relative paths live in the simulated filesystem. */
export const SIMOS_SCRATCH_DIR = '/tmp';

export type SimosResult = Outcome | { pending: string[] } | { error: string };

const table = <T extends number>(entries: Record<string, T>) => entries;
const OPEN_FLAGS = table({ O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_CLOEXEC });
const EFD_FLAGS = table({ EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC });
const FLOCK_OPS = table({ LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN });
const LOCKF_CMDS = table({ F_ULOCK, F_LOCK, F_TLOCK, F_TEST });
const LOCK_CMDS = table({ F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW });
const LOCK_TYPES = table({ F_RDLCK, F_WRLCK, F_UNLCK });
const FCNTL_CMDS = table({ F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETPIPE_SZ, F_SETPIPE_SZ });
const WAIT_OPTIONS = table({ WNOHANG, WUNTRACED, WCONTINUED });
const WHENCE = table({ SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 });
const POLL_BITS = table({ POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLWRNORM, POLLRDHUP });
/** F_GETFL bits a scenario observes (Linux adds bookkeeping bits such as O_LARGEFILE). */
const GETFL_VISIBLE = ['O_WRONLY', 'O_RDWR', 'O_APPEND', 'O_NONBLOCK'] as const;

/**
 * The system calls each op needs. A scenario whose calls simos lacks is reported as pending
 * (with their names) instead of run.
 */
function syscallsFor(step: Step): string[] {
  const a = step.args ?? {};
  switch (step.op) {
    case 'fork': return ['fork'];
    case 'thread_start': return ['clone_thread'];
    case 'thread_exit': return ['thread_exit'];
    case 'exit': return ['exit_group'];
    case 'exec': return ['execve'];
    case 'signal': return ['sigaction'];
    case 'killpg': return ['kill'];
    case 'prctl_set_pdeathsig': case 'prctl_get_pdeathsig': case 'prctl_set_subreaper': case 'prctl_get_subreaper': return ['prctl'];
    case 'open': return ['open'];
    case 'pipe': return ['pipe2'];
    case 'eventfd': return ['eventfd2'];
    case 'eventfd_read': return ['read'];
    case 'eventfd_write': case 'fill': return ['write'];
    case 'fcntl_lock': case 'fcntl_getlk': return [`fcntl:${lookup(LOCK_CMDS, a.cmd, 'lock command')}`];
    case 'fcntl': {
      const cmd = lookup(FCNTL_CMDS, a.cmd, 'fcntl command');
      return cmd === F_GETPIPE_SZ || cmd === F_SETPIPE_SZ ? [`fcntl:${cmd}`] : ['fcntl'];
    }
    case 'caught': case 'await': case 'fates': return [];
    default: return [step.op];
  }
}

function lookup<T extends number>(tbl: Record<string, T>, name: unknown, what: string): T {
  if (typeof name !== 'string' || !(name in tbl)) throw new ScenarioError(`unknown ${what} ${JSON.stringify(name)} (known: ${Object.keys(tbl).join(', ')})`);
  return tbl[name]!;
}

function flagsOf(names: unknown, tbl: Record<string, number>, what: string): number {
  if (names === undefined) return 0;
  if (!Array.isArray(names)) throw new ScenarioError(`${what} must be a list of names`);
  return names.reduce((acc: number, n: unknown) => acc | lookup(tbl, n, what), 0);
}

function sigNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const entry = Object.entries(SIGNALS).find(([, info]) => info.name === v);
  if (!entry) throw new ScenarioError(`unknown signal ${JSON.stringify(v)}`);
  return Number(entry[0]);
}

function pollNames(mask: number): string {
  return formatPollEvents(mask);
}

function decodeStatus(s: number): Record<string, unknown> {
  if (WIFEXITED(s)) return { exited: WEXITSTATUS(s) };
  if (WIFCONTINUED(s)) return { continued: true };
  if (WIFSTOPPED(s)) return { stopped: signalName(WSTOPSIG(s)) };
  if (WIFSIGNALED(s)) return { signaled: signalName(WTERMSIG(s)), ...(s & 0x80 ? { core: true } : {}) };
  return { raw: s };
}

const latin1 = {
  encode: (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff),
  decode: (b: Uint8Array): string => String.fromCharCode(...b),
};

function dispositionName(d: Disposition): string {
  return d === 'default' ? 'default' : d === 'ignore' ? 'ignore' : 'catch';
}

/** State the actors of one run share with the driver. */
interface Env {
  box: Mailbox;
  /** Signals caught by handlers, per pid (a forked child starts with none, as on Linux). */
  caught: Map<number, number[]>;
  /** Pending exec commands by actor name: the new program's loop answers them. */
  execs: Map<string, number>;
}

/** One actor's command loop: receive, perform, reply, forever (until thread_exit, exit or death). */
async function actorLoop(k: Sys, name: string, env: Env): Promise<void> {
  for (;;) {
    let cmd: Command;
    try {
      cmd = await k.call<Command>(FIDELITY_RECV, [name]);
    } catch (e) {
      if (isErrno(e, 'EINTR')) continue; // a caught signal arrived while idle
      throw e;
    }
    if (cmd.op === 'thread_exit') return;
    let reply: Reply;
    try {
      reply = { ok: await perform(k, cmd, env) };
    } catch (e) {
      if (e instanceof KernelPanic || e instanceof SimulationError) throw e;
      reply = e instanceof SysError ? { errno: e.code } : { fatal: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    env.box.reply(cmd.seq, reply);
  }
}

/** The calls behind each op; arguments are already resolved to numbers by the driver. */
async function perform(k: Sys, cmd: Command, env: Env): Promise<unknown> {
  const a = cmd.args as Record<string, any>;
  switch (cmd.op) {
    case 'ping':
      return 'pong';
    case 'fork':
      return k.fork((ck) => actorLoop(ck, a.child, env));
    case 'thread_start':
      return k.thread((tk) => actorLoop(tk, a.thread, env));
    case 'exit':
      return k.exit(a.code ?? 0);
    case 'exec':
      return k.execve(a.program === 'missing' ? 'fidelity-missing' : ACTOR_PROGRAM, [a.name]);
    case 'getpid':
      return k.getpid();
    case 'getppid':
      return k.getppid();
    case 'getpgid':
      return k.getpgid(a.pid ?? 0);
    case 'getsid':
      return k.getsid(a.pid ?? 0);
    case 'setpgid':
      return k.setpgid(a.pid ?? 0, a.pgid ?? 0);
    case 'setsid':
      return k.setsid();
    case 'kill':
      return k.kill(a.pid, sigNumber(a.sig));
    case 'killpg':
      // glibc's killpg: a negative group is EINVAL, otherwise kill(-pgrp, sig).
      if (a.pgrp < 0) throw new SysError('EINVAL', 'killpg');
      return k.kill(-a.pgrp, sigNumber(a.sig));
    case 'waitpid':
      return k.waitpid(a.pid, flagsOf(a.options, WAIT_OPTIONS, 'waitpid option'));
    case 'signal': {
      const sig = sigNumber(a.sig);
      const action = String(a.action);
      const handler: Disposition =
        action === 'default' ? 'default'
        : action === 'ignore' ? 'ignore'
        : async (signo: number, hk: Sys) => {
            const pid = await hk.getpid();
            env.caught.set(pid, [...(env.caught.get(pid) ?? []), signo]);
          };
      return dispositionName(await k.sigaction(sig, handler, { restart: action === 'catch_restart' }));
    }
    case 'caught': {
      const pid = await k.getpid();
      const list = env.caught.get(pid) ?? [];
      env.caught.set(pid, []);
      return list.map(signalName);
    }
    case 'prctl_set_pdeathsig':
      return k.prctl(PR_SET_PDEATHSIG, a.sig === undefined || a.sig === 0 ? 0 : sigNumber(a.sig));
    case 'prctl_get_pdeathsig': {
      const v = await k.prctl(PR_GET_PDEATHSIG);
      return v ? signalName(v) : 0;
    }
    case 'prctl_set_subreaper':
      return k.prctl(PR_SET_CHILD_SUBREAPER, a.on ?? 1);
    case 'prctl_get_subreaper':
      return k.prctl(PR_GET_CHILD_SUBREAPER);
    case 'close':
      return k.close(a.fd);
    case 'dup':
      return k.dup(a.fd);
    case 'dup2':
      return k.dup2(a.fd, a.to);
    case 'write':
      return k.write(a.fd, latin1.encode(a.data ?? String(a.char ?? 'x').repeat(a.bytes)));
    case 'read': {
      const data = await k.read(a.fd, a.count);
      // Long reads are summarised, as linux_runner.py does, so expectations stay readable.
      return data.length <= 64 ? latin1.decode(data) : { length: data.length };
    }
    case 'fcntl': {
      const c = lookup(FCNTL_CMDS, a.cmd, 'fcntl command');
      const arg = Array.isArray(a.arg) ? flagsOf(a.arg, OPEN_FLAGS, 'open flag') : (a.arg ?? 0);
      const v = (await k.fcntl(a.fd, c, arg)) as number;
      if (c !== F_GETFL) return v;
      const names = GETFL_VISIBLE.filter((n) => v & OPEN_FLAGS[n]);
      return names.length ? names : ['O_RDONLY'];
    }
    case 'flock':
      return k.flock(a.fd, flagsOf(a.op, FLOCK_OPS, 'flock operation'));
    case 'lockf':
      return k.lockf(a.fd, lookup(LOCKF_CMDS, a.cmd, 'lockf command'), a.len ?? 0);
    case 'fcntl_lock':
    case 'fcntl_getlk': {
      const lock = { type: lookup(LOCK_TYPES, a.type, 'lock type'), whence: a.whence ?? 0, start: a.start ?? 0, len: a.len ?? 0, pid: a.lpid ?? 0 };
      const c = lookup(LOCK_CMDS, a.cmd, 'lock command');
      const r = (await k.fcntl(a.fd, c as 6, lock)) as unknown;
      if (cmd.op === 'fcntl_lock') return 0;
      const got = r as { type: number; start: number; len: number; pid: number };
      if (got.type === F_UNLCK) return { type: 'F_UNLCK' };
      return { type: got.type === F_WRLCK ? 'F_WRLCK' : 'F_RDLCK', start: got.start, len: got.len, pid: got.pid };
    }
    case 'pipe':
      return k.pipe(flagsOf(a.flags, OPEN_FLAGS, 'pipe flag'));
    case 'eventfd':
      return k.eventfd(a.initval ?? 0, flagsOf(a.flags, EFD_FLAGS, 'eventfd flag'));
    case 'eventfd_read': {
      const v = await k.eventfdRead(a.fd);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    }
    case 'eventfd_write':
      await k.eventfdWrite(a.fd, BigInt(a.value));
      return 0;
    case 'poll': {
      const fds = (a.fds as { fd: number; events?: string[] }[]).map((e) => ({ fd: e.fd, events: flagsOf(e.events, POLL_BITS, 'poll event') }));
      return (await k.poll(fds, a.timeout ?? -1)).map((r) => pollNames(r.revents));
    }
    case 'pidfd_open':
      return k.pidfdOpen(a.pid);
    case 'pidfd_send_signal':
      return k.pidfdSendSignal(a.fd, sigNumber(a.sig));
    case 'fill': {
      const block = new Uint8Array(a.chunk ?? 4096).fill(0x78);
      let total = 0;
      for (;;) {
        try {
          total += await k.write(a.fd, block);
        } catch (e) {
          if (isErrno(e, 'EAGAIN')) return total;
          throw e;
        }
      }
    }
    case 'open':
      return k.open(a.path, flagsOf(a.flags, OPEN_FLAGS, 'open flag'), a.mode ?? 0o644);
    case 'lseek':
      return k.lseek(a.fd, a.offset, lookup(WHENCE, a.whence, 'whence'));
    case 'fstat':
      return statShape(await k.fstat(a.fd));
    case 'stat':
      return statShape(await k.stat(a.path));
    case 'unlink':
      return k.unlink(a.path);
    case 'rename':
      return k.rename(a.path, a.newpath);
    case 'fsync':
      return k.fsync(a.fd);
    default:
      throw new ScenarioError(`unknown op ${cmd.op}`);
  }
}

function statShape(st: { st_dev: number; st_ino: number; st_nlink: number; st_size: number }) {
  return { dev: st.st_dev, ino: st.st_ino, nlink: st.st_nlink, size: st.st_size };
}

interface Actor {
  name: string;
  kind: 'process' | 'thread';
  proc: Process;
  /** Thread actors only (a process actor's main thread changes on exec). */
  thread?: Thread;
  blocked?: { seq: number; op: string };
}

class Driver {
  readonly env: Env = { box: new Mailbox(), caught: new Map(), execs: new Map() };
  readonly sim: Sim;
  readonly actors = new Map<string, Actor>();
  readonly values = new Map<string, unknown>();
  readonly inodes = new Map<string, string>();

  constructor(readonly scenario: Scenario) {
    this.sim = new Sim({ seed: 1, console: () => {} }, this.env.box.syscalls());
    this.sim.register(ACTOR_PROGRAM, (k, argv) => {
      const name = argv[0]!;
      const seq = this.env.execs.get(name);
      if (seq !== undefined) {
        this.env.execs.delete(name);
        this.env.box.reply(seq, { ok: 0 });
      }
      return actorLoop(k, name, this.env);
    });
  }

  get kernel() {
    return this.sim.kernel;
  }

  /** Run until no thread can move: every actor waits for the driver or is blocked for good. */
  async settle(): Promise<void> {
    await this.kernel.scheduler.run(() => false, true);
  }

  gone(a: Actor): boolean {
    return a.kind === 'process' ? !a.proc.alive : a.thread!.state === 'exited' || !a.proc.alive;
  }

  pidRef(n: unknown): unknown {
    if (typeof n !== 'number' || n === 0) return n;
    for (const a of this.actors.values()) if (a.kind === 'process' && a.proc.pid === n) return a.name;
    return n === 1 ? 'init' : 'unknown pid';
  }

  resolve(value: unknown, key?: string): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, key));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, k)]));
    if (typeof value !== 'string' || key === undefined) return value;
    if ((PID_KEYS as readonly string[]).includes(key)) {
      const neg = value.startsWith('-');
      const name = neg ? value.slice(1) : value;
      const actor = this.actors.get(name);
      if (name !== 'init' && actor?.kind !== 'process') throw new ScenarioError(`${key}: ${value} is not a process actor`);
      const pid = name === 'init' ? 1 : actor!.proc.pid;
      return neg ? -pid : pid;
    }
    if ((FD_KEYS as readonly string[]).includes(key)) {
      if (!this.values.has(value)) throw new ScenarioError(`${key}: no earlier step named its result ${value}`);
      return this.values.get(value);
    }
    if ((PATH_KEYS as readonly string[]).includes(key)) return `${SIMOS_SCRATCH_DIR}/${value}`;
    return value;
  }

  inodeLabel(dev: number, ino: number): string {
    const key = `${dev}:${ino}`;
    if (!this.inodes.has(key)) this.inodes.set(key, `I${this.inodes.size + 1}`);
    return this.inodes.get(key)!;
  }

  normalise(op: string, raw: any): unknown {
    switch (op) {
      case 'fork': case 'getpid': case 'getppid': case 'getpgid': case 'getsid': case 'setsid':
        return this.pidRef(raw);
      case 'waitpid':
        return raw.pid === 0 ? { pid: 0 } : { pid: this.pidRef(raw.pid), status: decodeStatus(raw.status) };
      case 'fstat': case 'stat':
        return { inode: this.inodeLabel(raw.dev, raw.ino), nlink: raw.nlink, size: raw.size };
      case 'fcntl_getlk':
        return 'pid' in raw ? { ...raw, pid: raw.pid > 0 ? this.pidRef(raw.pid) : raw.pid } : raw;
      default:
        return raw;
    }
  }

  outcome(op: string, reply: Reply | undefined, actor: Actor): unknown {
    if (reply === undefined) return this.gone(actor) ? 'gone' : { blocked: true };
    if ('fatal' in reply) throw new ScenarioError(`actor ${actor.name} failed: ${reply.fatal}`);
    if ('errno' in reply) return { errno: reply.errno };
    return this.normalise(op, reply.ok);
  }

  register(name: string, kind: 'process' | 'thread', parent: Actor, id: number): void {
    if (kind === 'process') {
      const proc = this.kernel.procs.get(id);
      if (!proc) throw new ScenarioError(`fork returned pid ${id}, which does not exist`);
      this.actors.set(name, { name, kind, proc });
    } else {
      const thread = parent.proc.threads.get(id);
      if (!thread) throw new ScenarioError(`thread_start returned tid ${id}, which does not exist`);
      this.actors.set(name, { name, kind, proc: parent.proc, thread });
    }
  }

  fates(): Record<string, Fate> {
    const out: Record<string, Fate> = {};
    for (const a of this.actors.values()) {
      if (a.kind === 'thread') out[a.name] = this.gone(a) ? 'exited' : 'alive';
      else out[a.name] = a.proc.state === 'alive' ? 'alive' : a.proc.state;
    }
    return out;
  }

  async step(s: Step, index: number): Promise<unknown> {
    if (s.op === 'fates') {
      await this.settle();
      return this.fates();
    }
    const actor = this.actors.get(s.actor!);
    if (!actor) throw new ScenarioError(`${stepLabel(this.scenario, index)}: unknown actor`);
    if (s.op === 'await') {
      const b = actor.blocked;
      if (!b) throw new ScenarioError(`${stepLabel(this.scenario, index)}: ${actor.name} has no blocked step`);
      await this.settle();
      const reply = this.env.box.take(b.seq);
      if (reply !== undefined || this.gone(actor)) actor.blocked = undefined;
      return this.outcome(b.op, reply, actor);
    }
    const args = this.resolve(s.args ?? {}) as Record<string, unknown>;
    if (s.op === 'exec') args.name = actor.name;
    const seq = this.env.box.post(this.kernel, actor.name, s.op, args);
    if (s.op === 'exec') this.env.execs.set(actor.name, seq);
    await this.settle();
    const reply = this.env.box.take(seq);
    if (reply === undefined && !this.gone(actor)) actor.blocked = { seq, op: s.op };
    if (reply && 'ok' in reply) {
      if (s.op === 'fork') this.register(String(args.child), 'process', actor, reply.ok as number);
      if (s.op === 'thread_start') {
        this.register(String(args.thread), 'thread', actor, reply.ok as number);
        reply.ok = args.thread;
      }
      if (s.as !== undefined) this.bind(s.as, reply.ok);
    }
    return this.outcome(s.op, reply, actor);
  }

  bind(names: string | string[], value: unknown): void {
    if (Array.isArray(names)) names.forEach((n, i) => this.values.set(n, (value as unknown[])[i]));
    else this.values.set(names, value);
  }

  async run(): Promise<Outcome> {
    for (const name of this.scenario.roots ?? ['P']) {
      const proc = this.kernel.spawnFirst(ACTOR_PROGRAM, (k) => actorLoop(k, name, this.env), [name]);
      this.actors.set(name, { name, kind: 'process', proc });
    }
    await this.settle();
    const steps: unknown[] = [];
    for (const [i, s] of this.scenario.steps.entries()) steps.push(await this.step(s, i));
    await this.settle();
    return { steps, final: this.fates() };
  }
}

/** The simos system calls `scenario` needs that this build of simos lacks. */
export function missingSyscalls(scenario: Scenario, available: Record<string, unknown> = new Sim({ console: () => {} }).kernel.syscalls): string[] {
  const missing = new Set<string>();
  for (const s of scenario.steps) for (const name of syscallsFor(s)) if (!(name in available)) missing.add(name);
  return [...missing];
}

/** Play `scenario` on a fresh simos machine. */
export async function runOnSimos(scenario: Scenario, available?: Record<string, unknown>): Promise<SimosResult> {
  const missing = missingSyscalls(scenario, available);
  if (missing.length) return { pending: missing };
  const driver = new Driver(scenario);
  try {
    return await driver.run();
  } catch (e) {
    const crashes = driver.kernel.crashes.map((c) => `pid ${c.pid}: ${c.error instanceof Error ? c.error.message : String(c.error)}`);
    const msg = e instanceof Error ? e.message : String(e);
    return { error: `${msg}${crashes.length ? `\nuncaught in simulated processes:\n${crashes.join('\n')}` : ''}\n${driver.sim.traceText({ last: 20 })}` };
  }
}
