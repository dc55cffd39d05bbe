/**
 * The Win32 personality's public names, re-exported by simos's index.ts.
 */
export * from './constants.ts';
export { Win32Error, isWin32Error, WIN32_ERRORS, type Win32ErrorName } from './errors.ts';
export { configureWin32, type Win32Options } from './personality.ts';
export type {
  PROCESS_INFORMATION,
  SECURITY_ATTRIBUTES,
  JOBOBJECT_BASIC_LIMIT_INFORMATION,
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
  JOBOBJECT_ASSOCIATE_COMPLETION_PORT,
  JOBOBJECT_BASIC_ACCOUNTING_INFORMATION,
  CompletionPacket,
} from './api-win32.ts';
