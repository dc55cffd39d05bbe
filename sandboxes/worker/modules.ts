/**
 * The named modules exercise code may import, besides `vitest` and its own files. The one place
 * that says what the sandbox offers; both the Web Worker and the Node worker thread use it.
 */
import * as simos from '../simos/index.ts';
import * as simosTesting from '../simos/testing.ts';

export const exerciseModules: Record<string, unknown> = {
  simos,
  'simos/testing': simosTesting,
};
