/**
 * The single name -> handler table (xv6's syscalls[]): dispatch, the trace and the visualisers
 * all use these names. Each area contributes its table from its sys-*.ts file.
 */
import type { SyscallTable } from './kernel.ts';
import { fdSyscalls } from './sys-fd.ts';
import { procSyscalls } from './sys-proc.ts';
import './api-fd.ts';
import { lockSyscalls } from './sys-lock.ts';
import './api-lock.ts';
import { ipcSyscalls } from './sys-ipc.ts';
import './api-ipc.ts';

export const syscallTable: SyscallTable = {
  ...procSyscalls,
  ...fdSyscalls,
  ...lockSyscalls,
  ...ipcSyscalls,
};
