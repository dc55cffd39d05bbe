/**
 * Reads the WAL module's record format (lessons/wal/decode-log/prompt.md) for the disk view:
 * records laid end to end from offset 0, each `[length u32 LE][crc u32 LE][payload]`, the CRC-32
 * covering the length bytes and the payload. Unlike the exercise's decoder this one never throws:
 * it describes everything it finds, so the view can draw a torn tail or a damaged stretch with
 * the records on either side. It is the view's own copy; the view never runs exercise code.
 */

export const HEADER_BYTES = 8;

export interface LogRecord {
  /** Where the record's header starts. */
  offset: number;
  /** Payload bytes. */
  length: number;
  /** First byte after the record. */
  end: number;
  payload: Uint8Array;
  /** It lies behind a damaged stretch (mid-log corruption): a recoverer that truncates there loses it. */
  afterDamage: boolean;
}

/**
 * A stretch [start, end) that is not a whole record. `torn`: nothing valid follows (an append that
 * never finished). `corrupt`: a valid record follows. `cut`: the bytes at hand end here but the
 * file goes on (the report carried only part of it), so what follows is unknown.
 */
export interface LogDamage {
  start: number;
  end: number;
  kind: 'torn' | 'corrupt' | 'cut';
}

export interface DecodedLog {
  records: LogRecord[];
  /** Where whole records from offset 0 stop: what a recoverer keeps. */
  validBytes: number;
  damage: LogDamage[];
  /** 'clean' | 'torn' | 'corrupt' as the decode-log exercise defines them; 'cut' when the bytes end early. */
  tail: 'clean' | 'torn' | 'corrupt' | 'cut';
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib) of bytes [from, to) of `a` followed by [from2, to2) of the same array. */
function crcOf(bytes: Uint8Array, from: number, to: number, from2: number, to2: number): number {
  let crc = 0xffffffff;
  for (let i = from; i < to; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  for (let i = from2; i < to2; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `bytes`, for building test logs. */
export function crc32(bytes: Uint8Array): number {
  return crcOf(bytes, 0, bytes.length, 0, 0);
}

/** The payload length of the valid record at `offset`, or -1. */
export function recordAt(bytes: Uint8Array, offset: number): number {
  if (offset + HEADER_BYTES > bytes.length) return -1;
  const length = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  const end = offset + HEADER_BYTES + length;
  if (end > bytes.length) return -1;
  const stored = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
  return crcOf(bytes, offset, offset + 4, offset + HEADER_BYTES, end) === stored ? length : -1;
}

/**
 * Decode `bytes`, the first `bytes.length` bytes of a file of `size` bytes (default: all of it).
 * After a record that fails its check, every later offset is tried (the damaged length is not
 * to be trusted); decoding resumes at the first valid record found.
 */
export function decodeLog(bytes: Uint8Array, size = bytes.length): DecodedLog {
  const records: LogRecord[] = [];
  const damage: LogDamage[] = [];
  const complete = bytes.length >= size;
  let at = 0;
  let validBytes = -1;
  while (at < bytes.length) {
    const length = recordAt(bytes, at);
    if (length >= 0) {
      const end = at + HEADER_BYTES + length;
      records.push({ offset: at, length, end, payload: bytes.subarray(at + HEADER_BYTES, end), afterDamage: damage.length > 0 });
      at = end;
      continue;
    }
    if (validBytes < 0) validBytes = at;
    let next = -1;
    for (let later = at + 1; later + HEADER_BYTES <= bytes.length; later++) {
      if (recordAt(bytes, later) >= 0) {
        next = later;
        break;
      }
    }
    if (next < 0) {
      // Nothing valid follows: an unfinished append, unless the bytes at hand stop before the file does.
      damage.push(complete ? { start: at, end: bytes.length, kind: 'torn' } : { start: at, end: size, kind: 'cut' });
      at = bytes.length;
      break;
    }
    damage.push({ start: at, end: next, kind: 'corrupt' });
    at = next;
  }
  if (validBytes < 0) validBytes = at;
  if (!complete && damage[damage.length - 1]?.kind !== 'cut') damage.push({ start: bytes.length, end: size, kind: 'cut' });
  const tail = damage.some((d) => d.kind === 'corrupt') ? 'corrupt' : !complete ? 'cut' : damage.length ? 'torn' : 'clean';
  return { records, validBytes, damage, tail };
}
