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
import { fileSyscalls } from './sys-file.ts';
import './api-file.ts';
import './cgroup-mount.ts';
import { cgroupSyscalls } from './sys-cgroup.ts';
import './api-cgroup.ts';
import { win32Syscalls } from './win32/sys-win32.ts';
import './win32/api-win32.ts';

export const syscallTable: SyscallTable = {
  ...procSyscalls,
  ...fdSyscalls,
  ...lockSyscalls,
  ...ipcSyscalls,
  ...fileSyscalls,
  ...cgroupSyscalls,
  ...win32Syscalls,
};
