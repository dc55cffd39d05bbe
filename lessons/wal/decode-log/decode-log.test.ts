import { describe, it, expect } from 'vitest';
import { crc32, decodeLog, LogCorruptionError } from './solution';

type DecodeResult = ReturnType<typeof decodeLog>;

// ---------------------------------------------------------------------------------------------
// The log format, built here from the definition in prompt.md so the tests never rely on the
// learner's own encoder or CRC. Each record: [length u32 LE][CRC-32 of length bytes ++ payload,
// u32 LE][payload].
// ---------------------------------------------------------------------------------------------

const SECTOR_BYTES = 512;

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** CRC-32/IEEE, bit by bit: slow and obviously the textbook definition. */
function referenceCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function encodeRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, referenceCrc32(concat(out.subarray(0, 4), payload)), true);
  out.set(payload, 8);
  return out;
}

type Payload = string | Uint8Array;

function payloadBytes(payload: Payload): Uint8Array {
  return typeof payload === 'string' ? ascii(payload) : payload;
}

interface Log {
  bytes: Uint8Array;
  payloads: Payload[];
  /** starts[i] and ends[i]: the byte range of record i, header included. */
  starts: number[];
  ends: number[];
}

function buildLog(payloads: Payload[]): Log {
  const encoded = payloads.map((p) => encodeRecord(payloadBytes(p)));
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const record of encoded) {
    starts.push(at);
    at += record.length;
    ends.push(at);
  }
  return { bytes: concat(...encoded), payloads, starts, ends };
}

/** Deterministic bytes standing in for whatever a sector held before (xorshift32). */
function staleBytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Readable filler text of an exact length, so payloads of any size stay printable. */
function words(length: number, seed: number): string {
  const vocabulary = ['ledger', 'apple', 'sector', 'commit', 'zebra', 'quota', 'disk', 'replay', 'name'];
  let text = '';
  let i = seed;
  while (text.length < length) text += vocabulary[i++ % vocabulary.length] + ' ';
  return text.slice(0, length);
}

function flipBit(bytes: Uint8Array, at: number, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] ^= 1 << bit;
  return copy;
}

function setUint32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
}

/** The log as it reads after a crash that kept every byte before `tearAt` and lost the rest. */
function tear(bytes: Uint8Array, tearAt: number, fill: 'zeros' | 'stale'): Uint8Array {
  const copy = bytes.slice();
  const rest = copy.length - tearAt;
  copy.set(fill === 'zeros' ? new Uint8Array(rest) : staleBytes(rest, 0x5eed + tearAt), tearAt);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Running the learner's decoder and describing what it did, in words.
// ---------------------------------------------------------------------------------------------

type Outcome = { kind: 'decoded'; result: DecodeResult } | { kind: 'corrupt'; offset: unknown; message: string };

function run(bytes: Uint8Array): Outcome {
  const before = bytes.slice();
  try {
    return { kind: 'decoded', result: decodeLog(bytes) };
  } catch (error) {
    if (error instanceof LogCorruptionError) return { kind: 'corrupt', offset: error.offset, message: error.message };
    throw error;
  } finally {
    const changed = before.findIndex((b, i) => b !== bytes[i]);
    expect(changed, `decodeLog changed byte ${changed} of the log it was given; a decoder must only read`).toBe(-1);
  }
}

function show(payload: Payload): string {
  const bytes = payloadBytes(payload);
  const printable = bytes.every((b) => b >= 0x20 && b <= 0x7e);
  if (printable) return JSON.stringify(new TextDecoder().decode(bytes));
  return `<${bytes.length} bytes: ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}>`;
}

function showOutcome(outcome: Outcome): string {
  if (outcome.kind === 'corrupt') return `it threw LogCorruptionError with offset ${String(outcome.offset)}`;
  const { records, validBytes, tail } = outcome.result;
  return `it returned ${records?.length} record(s), validBytes ${validBytes}, tail '${tail}'`;
}

function describeLog(log: Log, limit = 5): string {
  const shown = log.payloads
    .slice(0, limit)
    .map((p, i) => `#${i} ${show(p)} at bytes ${log.starts[i]}-${log.ends[i]}`)
    .join(', ');
  const more = log.payloads.length > limit ? `, … (${log.payloads.length} records in all)` : '';
  return `${log.bytes.length} bytes, ${log.payloads.length} record(s): ${shown}${more}`;
}

/** How every failure message starts: the log as written, then what the crash did to it. */
function scenario(log: Log, whatHappened: string, limit = 5): string {
  return `Log as written: ${describeLog(log, limit)}.\nWhat happened: ${whatHappened}`;
}

function expectRecords(result: DecodeResult, expected: Payload[], situation: string): void {
  const records = result.records as unknown[];
  expect(Array.isArray(records), `${situation}\nrecords must be an array of Uint8Array`).toBe(true);
  const bad = records.findIndex((r) => !(r instanceof Uint8Array));
  expect(bad, `${situation}\nrecords[${bad}] is not a Uint8Array`).toBe(-1);
  expect(
    (records as Uint8Array[]).map(show),
    `${situation}\nrecords should be the payloads of the ${expected.length} valid record(s), in log order`,
  ).toEqual(expected.map(show));
}

function expectClean(bytes: Uint8Array, expected: Payload[], situation: string): void {
  const outcome = run(bytes);
  expect(
    outcome.kind,
    `${situation}\nEvery byte belongs to a valid record, so decodeLog should return them all, but ${showOutcome(outcome)}`,
  ).toBe('decoded');
  if (outcome.kind !== 'decoded') return;
  expectRecords(outcome.result, expected, situation);
  expect(outcome.result.validBytes, `${situation}\nvalidBytes should be the whole log, ${bytes.length} bytes`).toBe(
    bytes.length,
  );
  expect(outcome.result.tail, `${situation}\nNothing was dropped, so tail should be 'clean'`).toBe('clean');
}

function expectTorn(bytes: Uint8Array, expected: Payload[], validBytes: number, situation: string): void {
  const outcome = run(bytes);
  expect(
    outcome.kind,
    `${situation}\nNo valid record starts anywhere after the damage, so this is an append that never ` +
      `finished (never acknowledged): decodeLog should drop it and return the records before it, ` +
      `but ${showOutcome(outcome)}`,
  ).toBe('decoded');
  if (outcome.kind !== 'decoded') return;
  expectRecords(outcome.result, expected, situation);
  expect(
    outcome.result.validBytes,
    `${situation}\nvalidBytes should be ${validBytes}, where the last valid record ends and a recoverer ` +
      `would truncate the file`,
  ).toBe(validBytes);
  expect(outcome.result.tail, `${situation}\nBytes after validBytes were dropped, so tail should be 'torn'`).toBe(
    'torn',
  );
}

function expectCorrupt(bytes: Uint8Array, offset: number, situation: string): void {
  const outcome = run(bytes);
  expect(
    outcome.kind,
    `${situation}\nValid records follow the damaged one: they were acknowledged, and treating the damage ` +
      `as a torn tail would silently throw them away. decodeLog must throw LogCorruptionError, ` +
      `but ${showOutcome(outcome)}`,
  ).toBe('corrupt');
  if (outcome.kind !== 'corrupt') return;
  expect(
    outcome.offset,
    `${situation}\nLogCorruptionError.offset should be ${offset}, where the first damaged record starts`,
  ).toBe(offset);
}

/** Eight small updates, the kind of log a key-value store writes. */
const UPDATES = [
  'put user:1 alice',
  'put user:2 bob',
  'del user:1',
  'put cart:7 [3 apples]',
  'put user:3 carol',
  'put cart:7 [4 apples]',
  'del cart:7',
  'put user:4 dave',
];

/** A log whose last record starts before a 512-byte boundary and ends after it. */
function logSpanningSector(): { log: Log; boundary: number } {
  const payloads: Payload[] = [];
  for (let i = 0; i < 5; i++) payloads.push(`put doc:${i} ${words(80, i)}`);
  payloads.push(`put doc:5 ${words(200, 5)}`);
  const log = buildLog(payloads);
  const last = log.payloads.length - 1;
  const boundary = Math.ceil((log.starts[last]! + 9) / SECTOR_BYTES) * SECTOR_BYTES;
  if (!(boundary > log.starts[last]! + 8 && boundary < log.ends[last]!)) {
    throw new Error(`test setup: the last record (${log.starts[last]}-${log.ends[last]}) must span ${boundary}`);
  }
  return { log, boundary };
}

// ---------------------------------------------------------------------------------------------

describe('intact logs', () => {
  it('the crc32 helper computes CRC-32/IEEE, over several chunks as if they were one', () => {
    expect(crc32(ascii('123456789')), 'CRC-32 of "123456789" is 0xCBF43926 (the standard check value)').toBe(
      0xcbf43926,
    );
    expect(crc32(ascii('1234'), ascii('56789')), 'crc32(a, b) must equal crc32 of a and b laid end to end').toBe(
      0xcbf43926,
    );
  });

  it('an empty file is an empty, clean log', () => {
    expectClean(new Uint8Array(0), [], 'Log as written: nothing, an empty file (0 bytes).');
  });

  it('one record comes back byte for byte, every byte value included', () => {
    const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
    const log = buildLog([payload]);
    expectClean(log.bytes, [payload], scenario(log, 'nothing; the log is intact.', 1));
  });

  it('many records of different sizes, across many 512-byte sectors', () => {
    const payloads = Array.from({ length: 60 }, (_, i) => `put key:${i} ${words((i * 37) % 230, i)}`);
    const log = buildLog(payloads);
    expectClean(log.bytes, payloads, scenario(log, 'nothing; the log is intact.'));
  });

  it('a zero-length record is a real record, not the end of the log', () => {
    const payloads = ['', 'put a=1', '', '', 'put b=2', ''];
    const log = buildLog(payloads);
    expectClean(
      log.bytes,
      payloads,
      scenario(
        log,
        'nothing; the log is intact. Its empty records have length 0 and CRC 0x2144df1c ' +
          '(the CRC-32 of the four zero length bytes).',
        6,
      ),
    );
  });

  it('a log handed over as a view into a larger buffer (byteOffset is not 0)', () => {
    const log = buildLog(UPDATES);
    const big = concat(staleBytes(13, 7), log.bytes, staleBytes(40, 8));
    const view = big.subarray(13, 13 + log.bytes.length);
    expectClean(
      view,
      UPDATES,
      scenario(
        log,
        `nothing; the log is intact, but it was read into the middle of a bigger buffer and decodeLog got ` +
          `bytes.subarray(13, ${13 + log.bytes.length}), so bytes.byteOffset is 13.`,
      ),
    );
  });
});

describe('torn tails: an append that never finished is dropped, and validBytes says where', () => {
  it('a header cut short: 1 to 7 bytes after the last record', () => {
    const log = buildLog(UPDATES);
    const next = encodeRecord(ascii('put user:5 erin'));
    for (let kept = 1; kept < 8; kept++) {
      expectTorn(
        concat(log.bytes, next.subarray(0, kept)),
        UPDATES,
        log.bytes.length,
        scenario(log, `a crash during the next append left only the first ${kept} of its 8 header bytes.`),
      );
    }
  });

  it('the file ends in the middle of the last record: its length runs past end of file', () => {
    const log = buildLog(UPDATES);
    const last = UPDATES.length - 1;
    expectTorn(
      log.bytes.subarray(0, log.ends[last]! - 5),
      UPDATES.slice(0, last),
      log.starts[last]!,
      scenario(
        log,
        `the file ends 5 bytes early: record #${last} declares ${UPDATES[last]!.length} payload bytes, ` +
          `but only ${UPDATES[last]!.length - 5} are in the file.`,
      ),
    );
  });

  it('the last record is full length but its final bytes never landed (CRC mismatch at the end)', () => {
    const log = buildLog(UPDATES);
    const last = UPDATES.length - 1;
    expectTorn(
      tear(log.bytes, log.ends[last]! - 3, 'zeros'),
      UPDATES.slice(0, last),
      log.starts[last]!,
      scenario(log, `the last 3 bytes of record #${last} (the last record) read as zeros.`),
    );
  });

  it('a 512-byte sector tear inside the last record, with zeros after the tear', () => {
    const { log, boundary } = logSpanningSector();
    const last = log.payloads.length - 1;
    expectTorn(
      tear(log.bytes, boundary, 'zeros'),
      log.payloads.slice(0, last),
      log.starts[last]!,
      scenario(
        log,
        `record #${last} spans the sector boundary at byte ${boundary}. The sector before ${boundary} ` +
          `reached the disk; everything from ${boundary} on reads as zeros.`,
        6,
      ),
    );
  });

  it('a 512-byte sector tear inside the last record, with stale bytes after the tear', () => {
    const { log, boundary } = logSpanningSector();
    const last = log.payloads.length - 1;
    expectTorn(
      tear(log.bytes, boundary, 'stale'),
      log.payloads.slice(0, last),
      log.starts[last]!,
      scenario(
        log,
        `record #${last} spans the sector boundary at byte ${boundary}. The sector before ${boundary} ` +
          `reached the disk; everything from ${boundary} on holds stale bytes from the sector's earlier use.`,
        6,
      ),
    );
  });

  it('a header that straddles a sector boundary, and only its first 2 bytes landed', () => {
    const first = `put blob ${words(502 - 9, 3)}`; // 8 + 502 bytes: the next header starts at offset 510
    const log = buildLog([first, 'put user:9 zoe']);
    if (log.starts[1] !== SECTOR_BYTES - 2) throw new Error(`test setup: header at ${log.starts[1]}, not 510`);
    expectTorn(
      tear(log.bytes, SECTOR_BYTES, 'zeros'),
      [first],
      log.starts[1]!,
      scenario(
        log,
        `record #1's header occupies bytes 510-517, across the sector boundary at 512. Bytes 510-511 ` +
          `landed; everything from 512 on (the rest of the length, the CRC, the payload) reads as zeros.`,
      ),
    );
  });

  it('zeros after the last record: the file grew, but the append never reached the disk', () => {
    const log = buildLog(UPDATES);
    expectTorn(
      concat(log.bytes, new Uint8Array(64)),
      UPDATES,
      log.bytes.length,
      scenario(
        log,
        `64 zero bytes follow the last record. Eight zero bytes are not a valid empty record: the CRC of ` +
          `four zero length bytes is 0x2144df1c, not 0.`,
      ),
    );
  });

  it('the last record claims a huge length (0xfffffff0)', () => {
    const log = buildLog(UPDATES);
    const last = UPDATES.length - 1;
    expectTorn(
      setUint32(log.bytes, log.starts[last]!, 0xfffffff0),
      UPDATES.slice(0, last),
      log.starts[last]!,
      scenario(
        log,
        `the length field of record #${last} (the last record, offset ${log.starts[last]}) reads ` +
          `0xfffffff0, which is 4294967280 read as an unsigned number.`,
      ),
    );
  });

  it('the same flipped payload bit that is corruption mid-log is a torn tail in the last record', () => {
    const log = buildLog(UPDATES);
    const last = UPDATES.length - 1;
    expectTorn(
      flipBit(log.bytes, log.starts[last]! + 8 + 2, 4),
      UPDATES.slice(0, last),
      log.starts[last]!,
      scenario(
        log,
        `bit 4 of payload byte 2 of record #${last}, the LAST record, is flipped. Nothing valid follows it, ` +
          `so the log alone cannot tell it from an unfinished append.`,
      ),
    );
  });

  it('every possible crash point: a log cut at any byte keeps exactly the records that fit', () => {
    const payloads = ['put a=1', '', 'put user:2 bob', 'del a', `put note ${words(40, 1)}`];
    const log = buildLog(payloads);
    for (let cut = 0; cut <= log.bytes.length; cut++) {
      const whole = log.ends.filter((end) => end <= cut).length;
      const boundary = whole === 0 ? 0 : log.ends[whole - 1]!;
      const what = scenario(log, `a crash left only the first ${cut} bytes of the file.`);
      if (cut === boundary) expectClean(log.bytes.subarray(0, cut), payloads.slice(0, whole), what);
      else expectTorn(log.bytes.subarray(0, cut), payloads.slice(0, whole), boundary, what);
    }
  });

  it('validBytes is a safe truncation point: truncate there, append, and the log is clean again', () => {
    const { log, boundary } = logSpanningSector();
    const torn = tear(log.bytes, boundary, 'stale');
    const what = scenario(log, `the last record was torn at byte ${boundary}, stale bytes after the tear.`, 6);
    const outcome = run(torn);
    expect(outcome.kind, `${what}\nThis is a torn tail, but ${showOutcome(outcome)}`).toBe('decoded');
    if (outcome.kind !== 'decoded') return;
    const { validBytes } = outcome.result;
    const recovered = concat(torn.subarray(0, validBytes), encodeRecord(ascii('put after:recovery yes')));
    expectClean(
      recovered,
      [...log.payloads.slice(0, -1), 'put after:recovery yes'],
      `${what}\nThen a recoverer truncated the file at the validBytes decodeLog returned (${validBytes}) and ` +
        `appended a new record there. If validBytes is not exactly where the last valid record ends, the ` +
        `new record lands behind garbage and the log no longer decodes cleanly.`,
    );
  });
});

describe('mid-log corruption: damage followed by acknowledged records must be reported', () => {
  const log = buildLog(UPDATES);
  const victim = 3;
  const at = log.starts[victim]!;
  const after = `records #${victim + 1} to #${UPDATES.length - 1} after it are intact`;

  it('a flipped bit in the payload of a middle record', () => {
    expectCorrupt(
      flipBit(log.bytes, at + 8 + 5, 0),
      at,
      scenario(log, `bit 0 of payload byte 5 of record #${victim} (offset ${at}) is flipped; ${after}.`),
    );
  });

  it('a flipped bit in the stored CRC of a middle record', () => {
    expectCorrupt(
      flipBit(log.bytes, at + 4 + 1, 6),
      at,
      scenario(log, `bit 6 of CRC byte 1 of record #${victim} (offset ${at}) is flipped; ${after}.`),
    );
  });

  it('a flipped low bit in the length of a middle record (the length is off by one)', () => {
    const length = UPDATES[victim]!.length;
    expectCorrupt(
      flipBit(log.bytes, at, 0),
      at,
      scenario(
        log,
        `bit 0 of the length field of record #${victim} (offset ${at}) is flipped, so it reads ` +
          `${length ^ 1} instead of ${length} and would split the log at the wrong byte; ${after}.`,
      ),
    );
  });

  it('a middle record whose length now claims to run past the end of the file', () => {
    expectCorrupt(
      setUint32(log.bytes, at, 0xfffffff0),
      at,
      scenario(log, `the length field of record #${victim} (offset ${at}) reads 0xfffffff0; ${after}.`),
    );
    expectCorrupt(
      flipBit(log.bytes, at + 2, 0),
      at,
      scenario(
        log,
        `bit 16 of the length field of record #${victim} (offset ${at}) is flipped (length + 65536), so it ` +
          `runs past end of file; ${after}.`,
      ),
    );
  });

  it('a middle record whose length now swallows every record after it, ending just inside the file', () => {
    const swallowed = log.bytes.length - 3 - (at + 8);
    expectCorrupt(
      setUint32(log.bytes, at, swallowed),
      at,
      scenario(
        log,
        `the length field of record #${victim} (offset ${at}) reads ${swallowed}, so its declared end ` +
          `falls 3 bytes before end of file, inside the last record; ${after}.`,
      ),
    );
  });

  it('damage in the very first record, followed by valid records', () => {
    expectCorrupt(
      flipBit(log.bytes, 8 + 1, 3),
      0,
      scenario(log, 'bit 3 of payload byte 1 of record #0 (offset 0) is flipped; every record after it is intact.'),
    );
  });

  it('damage in the second-to-last record: the last record is still acknowledged data', () => {
    const victim2 = UPDATES.length - 2;
    const at2 = log.starts[victim2]!;
    expectCorrupt(
      flipBit(log.bytes, at2 + 8, 1),
      at2,
      scenario(log, `bit 1 of payload byte 0 of record #${victim2} (offset ${at2}) is flipped; the last record is intact.`),
    );
  });

  it('a whole 512-byte sector in the middle of the log reads back as zeros', () => {
    const payloads = Array.from({ length: 30 }, (_, i) => `put row:${i} ${words(40 + (i % 7) * 9, i)}`);
    const big = buildLog(payloads);
    const damaged = big.bytes.slice();
    damaged.fill(0, SECTOR_BYTES, 2 * SECTOR_BYTES);
    const firstChanged = big.bytes.findIndex((b, i) => b !== damaged[i]);
    const hit = big.ends.findIndex((end) => end > firstChanged);
    expectCorrupt(
      damaged,
      big.starts[hit]!,
      scenario(
        big,
        `the sector at bytes 512-1023 reads as zeros; the records after byte 1024 are intact. The first ` +
          `damaged record is #${hit}, at offset ${big.starts[hit]}.`,
        3,
      ),
    );
  });

  it('damage to each record in turn: corruption unless it is the last record', () => {
    for (let i = 0; i < UPDATES.length; i++) {
      const bytes = flipBit(log.bytes, log.starts[i]! + 8 + 1, 2);
      const what = scenario(log, `bit 2 of payload byte 1 of record #${i} (offset ${log.starts[i]}) is flipped.`);
      if (i < UPDATES.length - 1) expectCorrupt(bytes, log.starts[i]!, what);
      else expectTorn(bytes, UPDATES.slice(0, i), log.starts[i]!, what);
    }
  });
});
