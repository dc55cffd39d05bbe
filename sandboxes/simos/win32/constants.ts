/**
 * Win32 constants with their Windows SDK values (winbase.h, winnt.h, minwinbase.h), so code
 * written against the simulator reads like code written against Windows.
 */

/** A handle value: a small multiple of 4, as Windows hands them out. */
export type HANDLE = number;

/** CreateIoCompletionPort's "no file" argument; also GetCurrentProcess()'s pseudo-handle value. */
export const INVALID_HANDLE_VALUE: HANDLE = -1;
/** The pseudo-handle GetCurrentProcess() returns: "this process", never closed. */
export const CURRENT_PROCESS_PSEUDO_HANDLE: HANDLE = -1;
export const INFINITE = 0xffffffff;

// Process creation flags (CreateProcess dwCreationFlags).
export const CREATE_SUSPENDED = 0x00000004;
export const CREATE_BREAKAWAY_FROM_JOB = 0x01000000;

// WaitForSingleObject results.
export const WAIT_OBJECT_0 = 0;
export const WAIT_TIMEOUT = 0x102;

/** GetExitCodeProcess while the process runs (STATUS_PENDING). */
export const STILL_ACTIVE = 259;

// Handle flags (SetHandleInformation).
export const HANDLE_FLAG_INHERIT = 0x1;

// JOBOBJECTINFOCLASS values.
export const JobObjectBasicAccountingInformation = 1;
export const JobObjectBasicLimitInformation = 2;
export const JobObjectAssociateCompletionPortInformation = 7;
export const JobObjectExtendedLimitInformation = 9;

// JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags.
export const JOB_OBJECT_LIMIT_JOB_TIME = 0x00000004;
export const JOB_OBJECT_LIMIT_BREAKAWAY_OK = 0x00000800;
export const JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK = 0x00001000;
export const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000;

// Job messages posted to an associated completion port (the NumberOfBytesTransferred field).
export const JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO = 4;
export const JOB_OBJECT_MSG_NEW_PROCESS = 6;
export const JOB_OBJECT_MSG_EXIT_PROCESS = 7;

/** Exit code of processes ended by an end-of-job time limit (ERROR_NOT_ENOUGH_QUOTA). */
export const END_OF_JOB_TIME_EXIT_CODE = 1816;
