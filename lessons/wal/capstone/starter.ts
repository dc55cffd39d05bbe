/**
 * A small database after Birrell, Jones and Wobber: the whole state lives in memory, every update
 * is appended to a log and made durable before it is acknowledged, and a checkpoint now and then
 * writes the whole state as a new generation. Opening the database IS recovery.
 *
 * Files in `dir`, generation N:
 *   Version_Number   decimal N: the current generation (published with tmp + rename + dir fsync)
 *   Snapshot.N       the state when generation N began
 *   Logfile.N        the updates since then, one record each
 */
import { O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, type Sys } from 'simos';


// ---------------------------------------------------------------- provided: file formats
// Log records: [length u32 LE][CRC-32 of length ++ payload, u32 LE][payload]. An update's payload
// is the JSON text of [key, value]; a snapshot file is one record whose payload is the JSON text
// of the state's [key, value] pairs, sorted by key.

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

/** The bytes of a snapshot file holding `state`. */
export function encodeSnapshot(state: ReadonlyMap<string, string>): Uint8Array {
  const pairs = [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const payload = new TextEncoder().encode(JSON.stringify(pairs));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  out.set(payload, 8);
  view.setUint32(4, crc32(out.subarray(0, 4), payload), true);
  return out;
}

/** The state in a snapshot file; throws if the file is not exactly one whole, valid record. */
export function decodeSnapshot(bytes: Uint8Array, name: string): Map<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.length >= 8 ? view.getUint32(0, true) : -1;
  if (length < 0 || 8 + length !== bytes.length || crc32(bytes.subarray(0, 4), bytes.subarray(8)) !== view.getUint32(4, true)) {
    throw new Error(`${name} is damaged (${bytes.length} bytes): it does not hold exactly one whole record`);
  }
  return new Map(JSON.parse(new TextDecoder().decode(bytes.subarray(8))) as [string, string][]);
}

/** The whole contents of the file at `path`. */
export async function readWholeFile(k: Sys, path: string): Promise<Uint8Array> {
  const fd = await k.open(path, O_RDONLY);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = await k.read(fd, 65536);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      total += chunk.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  } finally {
    await k.close(fd);
  }
}

/** The log record of one update, ready to append with one write. */
export function encodeUpdate(key: string, value: string): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify([key, value]));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  out.set(payload, 8);
  view.setUint32(4, crc32(out.subarray(0, 4), payload), true);
  return out;
}

/** The [key, value] an update record's payload holds. */
export function decodeUpdate(payload: Uint8Array): [string, string] {
  return JSON.parse(new TextDecoder().decode(payload)) as [string, string];
}

// ---------------------------------------------------------------- yours: decodeLog (the decode-log exercise)

export interface DecodeResult {
  records: Uint8Array[];
  validBytes: number;
  tail: 'clean' | 'torn';
}

export class LogCorruptionError extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.name = 'LogCorruptionError';
    this.offset = offset;
  }
}

/** Paste your decodeLog from the decode-log exercise. */
export function decodeLog(bytes: Uint8Array): DecodeResult {
  throw new Error('decodeLog: not implemented');
}

// ---------------------------------------------------------------- yours: the database

export class Database {
  /** Startup is recovery (the recover exercise). */
  static async open(k: Sys, dir: string): Promise<Database> {
    throw new Error('Database.open: not implemented');
  }

  get(key: string): string | undefined {
    throw new Error('get: not implemented');
  }

  /** A copy of the whole state. */
  entries(): Map<string, string> {
    throw new Error('entries: not implemented');
  }

  /** Durable and visible when it returns (the smalldb-update exercise). */
  async update(key: string, value: string): Promise<void> {
    throw new Error('update: not implemented');
  }

  /** A new generation from the state in memory (the checkpoint exercise). */
  async checkpoint(): Promise<void> {
    throw new Error('checkpoint: not implemented');
  }
}
