/**
 * The heavy parts of an exercise, each imported once per page on first need: Monaco, xterm and the
 * worker sandbox. `preloadExerciseParts` fetches them while the page is idle so the first click is
 * quick; it skips that on a data-saving connection.
 */
import type { Sandbox } from '../../../sandboxes/protocol.ts';

type EditorModule = typeof import('./editor.ts');
type TerminalModule = typeof import('./terminal.ts');

/** A sandbox may offer to start its worker early; the protocol does not require it. */
type PreloadableSandbox = Sandbox & { preload?: () => void };

let editorModule: Promise<EditorModule> | undefined;
let terminalModule: Promise<TerminalModule> | undefined;
let sandbox: Promise<PreloadableSandbox> | undefined;

export function loadEditorModule(): Promise<EditorModule> {
  editorModule ??= retryable(import('./editor.ts'), () => (editorModule = undefined));
  return editorModule;
}

export function loadTerminalModule(): Promise<TerminalModule> {
  terminalModule ??= retryable(import('./terminal.ts'), () => (terminalModule = undefined));
  return terminalModule;
}

let visualiserModules: Promise<unknown> | undefined;

/** The visualisers register themselves when imported (components/visualisers/all.ts). */
export function loadVisualisers(): Promise<unknown> {
  visualiserModules ??= retryable(import('../../visualisers/all.ts'), () => (visualiserModules = undefined));
  return visualiserModules;
}

/** One sandbox for the page: a run in one exercise cancels a run still going in another. */
export function loadSandbox(): Promise<PreloadableSandbox> {
  sandbox ??= retryable(
    import('../../../sandboxes/worker/client.ts').then(({ createWorkerSandbox }) => createWorkerSandbox() as PreloadableSandbox),
    () => (sandbox = undefined),
  );
  return sandbox;
}

export function preloadExerciseParts(): void {
  const connection = (navigator as Navigator & { connection?: { saveData?: boolean } }).connection;
  if (connection?.saveData) return;
  const idle = window.requestIdleCallback ?? ((callback: () => void) => window.setTimeout(callback, 200));
  idle(() => {
    loadSandbox().then((s) => s.preload?.(), () => {});
    loadTerminalModule().catch(() => {});
    loadEditorModule().catch(() => {});
  });
}

/** A failed import (offline, a deploy replaced the chunk) is forgotten so the next use tries again. */
function retryable<T>(loading: Promise<T>, forget: () => void): Promise<T> {
  loading.catch(forget);
  return loading;
}
