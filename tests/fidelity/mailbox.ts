/**
 * How the fidelity driver talks to actors inside simos: one extra system call, `fidelity_recv`,
 * registered through `new Sim(opts, extraSyscalls)` (no kernel file changes). An actor's command
 * loop calls it and blocks, like a read on a control pipe, until the driver posts the next command
 * for that actor. Blocking in the kernel (not awaiting a JS promise) keeps the scheduler in charge:
 * the driver posts, then runs the simulation until nothing can move, and reads the replies.
 */
import type { Call } from '../../sandboxes/simos/call.ts';
import type { Kernel, SyscallTable } from '../../sandboxes/simos/kernel.ts';

export const FIDELITY_RECV = 'fidelity_recv';

export interface Command {
  seq: number;
  op: string;
  args: Record<string, unknown>;
}

/** An actor's answer: a value, an errno name, or a harness failure (a bug in the scenario or runner). */
export type Reply = { ok: unknown } | { errno: string } | { fatal: string };

export class Mailbox {
  readonly #queues = new Map<string, Command[]>();
  readonly #replies = new Map<number, Reply>();
  #seq = 0;

  /** Queue `op` for actor `name` and make its blocked fidelity_recv worth retrying. */
  post(kernel: Kernel, name: string, op: string, args: Record<string, unknown>): number {
    const cmd = { seq: ++this.#seq, op, args };
    const q = this.#queues.get(name) ?? [];
    q.push(cmd);
    this.#queues.set(name, q);
    kernel.scheduler.changed();
    return cmd.seq;
  }

  /** Called by the actor's loop, synchronously, when a command finished. */
  reply(seq: number, reply: Reply): void {
    this.#replies.set(seq, reply);
  }

  /** The reply to `seq`, once (undefined while the command is still running or blocked). */
  take(seq: number): Reply | undefined {
    const r = this.#replies.get(seq);
    this.#replies.delete(seq);
    return r;
  }

  next(name: string): Command | undefined {
    return this.#queues.get(name)?.shift();
  }

  syscalls(): SyscallTable {
    return {
      [FIDELITY_RECV]: (call: Call, name: unknown) => {
        const cmd = this.next(String(name));
        if (cmd) return cmd;
        return call.block({ reason: `the fidelity driver's next command for actor ${String(name)}` });
      },
    };
  }
}
