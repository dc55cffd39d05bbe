/**
 * Job objects [JobObjects; NestedJobs]: a set of processes managed as a unit. A process joins
 * the job of the process that creates it, or is assigned with AssignProcessToJobObject, and never
 * leaves; jobs nest (Windows 8+), each child job holding a subset of its parent's processes.
 */
import type { Process } from '../proc.ts';
import { JOB_OBJECT_LIMIT_BREAKAWAY_OK, JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK } from './constants.ts';
import { KernelObject } from './handle.ts';
import type { CompletionPort } from './iocp.ts';

export class JobObject extends KernelObject {
  readonly kind = 'job';
  parent: JobObject | null = null;
  readonly children = new Set<JobObject>();
  /** Live processes whose immediate job (the end of their job chain) this is. */
  readonly processes = new Set<Process>();
  limitFlags = 0;
  /** JOBOBJECT_ASSOCIATE_COMPLETION_PORT, if any. */
  port: { port: CompletionPort; key: unknown } | null = null;
  /** JOBOBJECT_BASIC_ACCOUNTING_INFORMATION counters. */
  totalProcesses = 0;
  totalTerminatedProcesses = 0;
  /** JOB_OBJECT_LIMIT_JOB_TIME: the limit as set (100-ns ticks) and when it runs out (virtual ms). */
  perJobUserTimeLimit = 0;
  endOfJobAtMs: number | null = null;
  /** Only the end-of-job time limit signals a job; its processes exiting never does. */
  signaled = false;

  constructor(readonly id: number) {
    super();
  }

  describe(): string {
    return `job ${this.id}`;
  }

  /** This job, then its parent job, up to the top of the hierarchy. */
  chain(): JobObject[] {
    const out: JobObject[] = [];
    for (let j: JobObject | null = this; j; j = j.parent) out.push(j);
    return out;
  }

  /** This job and every job nested inside it. */
  subtree(): JobObject[] {
    const out: JobObject[] = [this];
    for (let i = 0; i < out.length; i++) for (const c of out[i]!.children) out.push(c);
    return out;
  }

  /** JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.ActiveProcesses: live processes here and in nested jobs. */
  activeProcesses(): Process[] {
    return this.subtree().flatMap((j) => [...j.processes]);
  }

  /** May a child of one of this job's processes leave it (with CREATE_BREAKAWAY_FROM_JOB if `asked`)? */
  letsChildLeave(asked: boolean): boolean {
    if (this.limitFlags & JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK) return true;
    return asked && (this.limitFlags & JOB_OBJECT_LIMIT_BREAKAWAY_OK) !== 0;
  }
}

/**
 * The job a new process lands in when its creator's immediate job is `creatorJob`: it leaves
 * each job of the chain that lets it go and stays in the first that does not (simos's reading
 * of how breakaway settings of parent jobs apply to nested jobs).
 */
export function jobForChild(creatorJob: JobObject | null, breakawayAsked: boolean): JobObject | null {
  for (let j = creatorJob; j; j = j.parent) if (!j.letsChildLeave(breakawayAsked)) return j;
  return null;
}
