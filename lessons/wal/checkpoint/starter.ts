import { O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, type Sys } from 'simos';

// ---------------------------------------------------------------- provided: file formats
// A snapshot file is one record of the log format ([length u32 LE][CRC-32 of length ++ payload]
// [payload]) whose payload is the JSON text of the state's [key, value] pairs, sorted by key.

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

// ---------------------------------------------------------------- checkpoint and startup

/**
 * Write `state` as generation N+1 (N: the current generation) and make it the current one; return
 * N+1. When it returns, a power cut must come back as generation N+1; a power cut at any moment
 * before that must come back as generation N, whole.
 */
export async function checkpoint(k: Sys, dir: string, state: ReadonlyMap<string, string>): Promise<number> {
  // Snapshot.N+1, Logfile.N+1, then publish N+1 in Version_Number, then remove generation N.
  // Useful calls: k.open (O_WRONLY | O_CREAT | O_TRUNC ...), k.write, k.fsync, k.close,
  // k.rename, k.unlink, and k.open(dir, O_RDONLY) to get a descriptor on a directory.
  throw new Error('checkpoint: not implemented');
}

/** At startup: the current generation, and the state in its snapshot. */
export async function loadCheckpoint(k: Sys, dir: string): Promise<{ generation: number; state: Map<string, string> }> {
  throw new Error('loadCheckpoint: not implemented');
}
