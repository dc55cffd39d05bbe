/**
 * Decode a write-ahead log: records laid end to end from offset 0, each
 *   [length: u32 LE][crc: u32 LE = CRC-32(the 4 length bytes, then the payload)][payload].
 * prompt.md has the full definition, including when damage is a torn tail and when it is
 * corruption.
 *
 * Given, and not the point of the exercise: the DecodeResult shape, LogCorruptionError and a
 * working crc32(). Your job is decodeLog() at the bottom of this file.
 */

/** What a log decodes to when it holds no mid-log corruption. */
export interface DecodeResult {
  /** The payloads of the valid records, in log order. */
  records: Uint8Array[];
  /** How many bytes from offset 0 hold whole valid records: where a recoverer truncates. */
  validBytes: number;
  /** 'clean': every byte belongs to a valid record. 'torn': the bytes after validBytes were dropped. */
  tail: 'clean' | 'torn';
}

/** Thrown when a damaged record is followed by at least one valid record. */
export class LogCorruptionError extends Error {
  /** Byte offset where the first damaged record starts. */
  readonly offset: number;

  constructor(offset: number, message: string) {
    super(message);
    this.name = 'LogCorruptionError';
    this.offset = offset;
  }
}

const CRC_TABLE = crcTable();

function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 (IEEE 802.3, the one zlib and gzip use) of the chunks laid end to end. */
export function crc32(...chunks: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const chunk of chunks) {
    for (const byte of chunk) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Decodes a whole log.
 * Returns the valid records, validBytes and tail ('clean' or 'torn');
 * throws LogCorruptionError when a damaged record is followed by a valid one.
 */
export function decodeLog(bytes: Uint8Array): DecodeResult {
  // TODO: walk the records from offset 0; decide what the first bad one means.
  // This placeholder treats every log as empty.
  return { records: [], validBytes: 0, tail: bytes.length === 0 ? 'clean' : 'torn' };
}
