/**
 * Signal numbers (Linux x86-64 values, as in signal(7)) and their default dispositions.
 * The kernel's delivery logic lives in signal-delivery.ts; this file is the table.
 */

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGABRT = 6;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;

export type DefaultAction = 'term' | 'core' | 'ign' | 'stop' | 'cont';

interface SignalInfo {
  name: string;
  action: DefaultAction;
}

export const SIGNALS: Readonly<Record<number, SignalInfo>> = {
  [SIGHUP]: { name: 'SIGHUP', action: 'term' },
  [SIGINT]: { name: 'SIGINT', action: 'term' },
  [SIGQUIT]: { name: 'SIGQUIT', action: 'core' },
  [SIGABRT]: { name: 'SIGABRT', action: 'core' },
  [SIGKILL]: { name: 'SIGKILL', action: 'term' },
  [SIGUSR1]: { name: 'SIGUSR1', action: 'term' },
  [SIGSEGV]: { name: 'SIGSEGV', action: 'core' },
  [SIGUSR2]: { name: 'SIGUSR2', action: 'term' },
  [SIGPIPE]: { name: 'SIGPIPE', action: 'term' },
  [SIGALRM]: { name: 'SIGALRM', action: 'term' },
  [SIGTERM]: { name: 'SIGTERM', action: 'term' },
  [SIGCHLD]: { name: 'SIGCHLD', action: 'ign' },
  [SIGCONT]: { name: 'SIGCONT', action: 'cont' },
  [SIGSTOP]: { name: 'SIGSTOP', action: 'stop' },
  [SIGTSTP]: { name: 'SIGTSTP', action: 'stop' },
};

export function isValidSignal(sig: number): boolean {
  return Number.isInteger(sig) && sig in SIGNALS;
}

/** `SIGTERM` for 15, `signal 99` for numbers simos does not know. */
export function signalName(sig: number): string {
  return SIGNALS[sig]?.name ?? `signal ${sig}`;
}

/** SIGKILL and SIGSTOP can be neither caught, blocked nor ignored (signal(7)). */
export function isUncatchable(sig: number): boolean {
  return sig === SIGKILL || sig === SIGSTOP;
}
