import type { Sys } from 'simos';

// ---------------------------------------------------------------- provided: the record format
// The framing from the log-records lesson: [length u32 LE][CRC-32 of length ++ payload][payload].
// An update's payload is the UTF-8 JSON text of [key, value].

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib and gzip) of the chunks laid end to end. */
export function crc32(...chunks: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) crc = CRC_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The log record of `update(key, value)`, ready to append with one write. */
export function encodeUpdate(key: string, value: string): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify([key, value]));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  out.set(payload, 8);
  view.setUint32(4, crc32(out.subarray(0, 4), payload), true);
  return out;
}

// ---------------------------------------------------------------- the database

/**
 * The state lives in memory; the log makes it survive. An update is acknowledged when update()
 * returns, and a reader can see it through get() only from then on: both happen after the
 * update's record is durable, never before.
 */
export class SmallDb {
  private readonly k: Sys;
  private readonly log: number;
  private readonly state: Map<string, string>;

  /** `log`: a descriptor open O_WRONLY | O_APPEND on the log file. `state`: what recovery found. */
  constructor(k: Sys, log: number, state: Map<string, string> = new Map()) {
    this.k = k;
    this.log = log;
    this.state = state;
  }

  get(key: string): string | undefined {
    return this.state.get(key);
  }

  async update(key: string, value: string): Promise<void> {
    // Apply first, so readers see the new value right away; then log it.
    this.state.set(key, value);
    await this.k.write(this.log, encodeUpdate(key, value));
    await this.k.fdatasync(this.log);
  }
}
