/**
 * I/O completion ports, reduced to what job notifications need: a FIFO of packets that
 * GetQueuedCompletionStatus dequeues and jobs or PostQueuedCompletionStatus enqueue.
 */
import { KernelObject } from './handle.ts';

/** One completion packet, named after GetQueuedCompletionStatus's out-parameters. */
export interface CompletionPacket {
  /** For job messages: the JOB_OBJECT_MSG_* identifier. */
  NumberOfBytesTransferred: number;
  /** The CompletionKey given when the job was associated (or to PostQueuedCompletionStatus). */
  CompletionKey: unknown;
  /** For job messages: the process id the message is about, or 0. */
  Overlapped: number;
}

export class CompletionPort extends KernelObject {
  readonly kind = 'port';
  readonly queue: CompletionPacket[] = [];

  constructor(readonly id: number) {
    super();
  }

  describe(): string {
    return `completion port ${this.id}`;
  }
}
