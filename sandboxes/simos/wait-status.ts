/**
 * waitpid(2) options and the status word with its macros, encoded as Linux does, so that
 * `WIFEXITED(status)` reads the same here as in C.
 */

export const WNOHANG = 1;
export const WUNTRACED = 2;
export const WCONTINUED = 8;

export function exitedStatus(code: number): number {
  return (code & 0xff) << 8;
}
export function signaledStatus(sig: number, core = false): number {
  return (sig & 0x7f) | (core ? 0x80 : 0);
}
export function stoppedStatus(sig: number): number {
  return ((sig & 0xff) << 8) | 0x7f;
}
export const CONTINUED_STATUS = 0xffff;

/** True if the child terminated normally (exit or return from main). */
export const WIFEXITED = (s: number): boolean => (s & 0x7f) === 0;
/** The exit code, when WIFEXITED. */
export const WEXITSTATUS = (s: number): number => (s >> 8) & 0xff;
/** True if the child was terminated by a signal. */
export const WIFSIGNALED = (s: number): boolean => (s & 0x7f) !== 0 && (s & 0x7f) !== 0x7f;
/** The signal that terminated the child, when WIFSIGNALED. */
export const WTERMSIG = (s: number): number => s & 0x7f;
/** True if the child was stopped (only reported with WUNTRACED). */
export const WIFSTOPPED = (s: number): boolean => (s & 0xff) === 0x7f;
/** The signal that stopped the child, when WIFSTOPPED. */
export const WSTOPSIG = (s: number): number => (s >> 8) & 0xff;
/** True if the child was resumed by SIGCONT (only reported with WCONTINUED). */
export const WIFCONTINUED = (s: number): boolean => s === CONTINUED_STATUS;
