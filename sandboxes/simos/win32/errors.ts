/**
 * Win32 errors: what GetLastError() would return after a failed call. simos throws them, as
 * `Win32Error`, where the C function would return FALSE or NULL.
 */
import { SysError, type ErrnoName } from '../errno.ts';

/** Error names with their Win32 numbers (winerror.h) and a short description of our own. */
export const WIN32_ERRORS = {
  ERROR_FILE_NOT_FOUND: [2, 'no such program'],
  ERROR_ACCESS_DENIED: [5, 'access denied'],
  ERROR_INVALID_HANDLE: [6, 'invalid handle'],
  ERROR_NOT_ENOUGH_MEMORY: [8, 'not enough memory'],
  ERROR_INVALID_PARAMETER: [87, 'invalid parameter'],
  WAIT_TIMEOUT: [258, 'the wait timed out'],
  ERROR_ABANDONED_WAIT_0: [735, 'the completion port was closed during the wait'],
  ERROR_NOT_ENOUGH_QUOTA: [1816, 'not enough quota'],
} as const satisfies Record<string, readonly [number, string]>;

export type Win32ErrorName = keyof typeof WIN32_ERRORS;

/**
 * The POSIX errno a Win32 error travels as inside the kernel: the scheduler fails a call by
 * rejecting with a SysError, so a Win32Error is one at run time (the trace then shows
 * `= -1 ERROR_ACCESS_DENIED`), while its static type only promises the Win32 fields.
 */
const CARRIER: Record<Win32ErrorName, ErrnoName> = {
  ERROR_FILE_NOT_FOUND: 'ENOENT',
  ERROR_ACCESS_DENIED: 'EACCES',
  ERROR_INVALID_HANDLE: 'EBADF',
  ERROR_NOT_ENOUGH_MEMORY: 'ENOMEM',
  ERROR_INVALID_PARAMETER: 'EINVAL',
  WAIT_TIMEOUT: 'ETIMEDOUT',
  ERROR_ABANDONED_WAIT_0: 'ECANCELED',
  ERROR_NOT_ENOUGH_QUOTA: 'EAGAIN',
};

const SysErrorCarrier = SysError as unknown as new (code: ErrnoName, syscall: string, detail?: string) => Error;

/**
 * A failed Win32 call. `code` is the error name (`'ERROR_ACCESS_DENIED'`), `lastError` its
 * number (5), `function` the API that failed; the message says what was wrong.
 */
export class Win32Error extends SysErrorCarrier {
  declare readonly code: Win32ErrorName;
  /** What GetLastError() would return. */
  declare readonly lastError: number;
  declare readonly function: string;

  constructor(code: Win32ErrorName, fn: string, detail?: string) {
    super(CARRIER[code], fn, detail);
    const [num, text] = WIN32_ERRORS[code];
    Object.defineProperty(this, 'code', { value: code, enumerable: true });
    Object.defineProperty(this, 'lastError', { value: num, enumerable: true });
    // SysError's errno would be the carrier's Linux number; a Win32 error has no Linux errno.
    Object.defineProperty(this, 'errno', { value: num, enumerable: true });
    Object.defineProperty(this, 'function', { value: fn, enumerable: true });
    this.name = 'Win32Error';
    this.message = `${fn}: ${code} (${num}, ${text})${detail ? `: ${detail}` : ''}`;
  }
}

/** True when `e` is a Win32Error with one of the given names (any name when none are given). */
export function isWin32Error(e: unknown, ...codes: Win32ErrorName[]): e is Win32Error {
  return e instanceof Win32Error && (codes.length === 0 || codes.includes(e.code));
}
