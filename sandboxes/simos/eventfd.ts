/**
 * eventfd(2) (fs/eventfd.c): a 64-bit counter behind a descriptor, for wake-ups. A write adds
 * to it; a read returns it and resets it to 0 or, with EFD_SEMAPHORE, returns 1 and decrements.
 * Both transfer exactly 8 bytes holding an unsigned 64-bit integer. Linux uses the host's byte
 * order; simos fixes it to little-endian (x86-64's), which `u64le` and `eventfdValue` encode.
 */
import { OpenFile, O_CLOEXEC, O_NONBLOCK, O_RDWR, type FileOps } from './file.ts';
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from './poll.ts';

export const EFD_SEMAPHORE = 1;
export const EFD_NONBLOCK = O_NONBLOCK;
export const EFD_CLOEXEC = O_CLOEXEC;

/** 2^64 - 1: never a valid write, and the counter stays below it. */
const ULLONG_MAX = (1n << 64n) - 1n;
/** The largest value the counter can hold: 2^64 - 2. */
export const EVENTFD_MAX = ULLONG_MAX - 1n;

/** The 8 bytes an eventfd write takes for `n` (0 <= n < 2^64), little-endian. */
export function u64le(n: bigint | number): Uint8Array {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`u64le: ${n} is not a safe integer; pass a bigint`);
  const v = BigInt(n);
  if (v < 0n || v > ULLONG_MAX) throw new RangeError(`u64le: ${v} does not fit in an unsigned 64-bit integer`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, v, true);
  return bytes;
}

/** The unsigned 64-bit little-endian value in the first 8 bytes of `bytes` (an eventfd read's result). */
export function eventfdValue(bytes: Uint8Array): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) {
    throw new RangeError(`eventfdValue: need at least 8 bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

export class EventFd {
  constructor(
    public count: bigint,
    readonly semaphore: boolean,
  ) {}
}

function counter(file: OpenFile): EventFd {
  return file.target as EventFd;
}

const eventfdOps: FileOps = {
  describe: () => 'anon_inode:[eventfd]',

  read(call, file, count) {
    const efd = counter(file);
    if (count < 8) call.fail('EINVAL', `an eventfd read needs room for 8 bytes, got a count of ${count}`);
    if (efd.count === 0n) {
      if (file.nonblocking) call.fail('EAGAIN', 'the eventfd counter is 0');
      return call.block({ reason: 'a write to anon_inode:[eventfd] (its counter is 0)' });
    }
    const value = efd.semaphore ? 1n : efd.count;
    efd.count -= value;
    return u64le(value);
  },

  write(call, file, data) {
    const efd = counter(file);
    if (data.length < 8) call.fail('EINVAL', `an eventfd write takes 8 bytes (use u64le(n)), got ${data.length}`);
    const value = eventfdValue(data);
    if (value === ULLONG_MAX) call.fail('EINVAL', '0xffffffffffffffff cannot be written to an eventfd');
    if (ULLONG_MAX - efd.count > value) {
      efd.count += value;
      return 8;
    }
    if (file.nonblocking) call.fail('EAGAIN', `adding ${value} would take the eventfd counter (${efd.count}) past 2^64-2`);
    return call.block({ reason: `room in anon_inode:[eventfd] (counter ${efd.count}) to add ${value}: a read must lower it` });
  },

  /** eventfd_poll: readable when the counter is above 0, writable while adding 1 would not block. */
  poll(file) {
    const { count } = counter(file);
    let mask = 0;
    if (count > 0n) mask |= POLLIN | POLLRDNORM;
    if (count === ULLONG_MAX) mask |= POLLERR;
    if (ULLONG_MAX - 1n > count) mask |= POLLOUT | POLLWRNORM;
    return mask;
  },
};

/** A new eventfd's open file description (read-write, as on Linux). */
export function createEventfd(initval: number, flags: number): OpenFile {
  return new OpenFile(eventfdOps, O_RDWR | (flags & O_NONBLOCK), new EventFd(BigInt(initval), (flags & EFD_SEMAPHORE) !== 0));
}
