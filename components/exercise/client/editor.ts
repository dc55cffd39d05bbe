/// <reference types="vite/client" />
/**
 * Monaco for one exercise: the learner's solution.ts with type-aware completion against simos, the
 * markers a run leaves, and the diff against the reference solution.
 *
 * This is the heavy, lazily imported part (about 1 MB gzip plus the TypeScript worker). It uses
 * Monaco's slim entry: the editor core, every editor feature, and only the TypeScript language.
 * Workers come from Vite's `?worker` imports; without MonacoEnvironment the editor worker fails to
 * load under Vite (toolchain-findings §4).
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/typescript/register';
import { ModuleKind, ScriptTarget, typescriptDefaults, type ModuleResolutionKind } from 'monaco-editor/languages/features/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/languages/features/typescript/ts.worker?worker';
import type { SourcePosition } from '../../../sandboxes/protocol.ts';
import { colorScheme, onColorSchemeChange, type ColorScheme } from './theme.ts';

/**
 * Declarations of the simulated OS, generated at build time by the simos package. Each file is
 * served to TypeScript as `node_modules/simos/<path>`, so `import … from 'simos'` and
 * `'simos/testing'` resolve like a real package. Change the folder here if simos emits elsewhere.
 */
const SIMOS_TYPES = import.meta.glob('../../../sandboxes/simos/dist-types/**/*.d.ts', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;
const SIMOS_TYPES_PREFIX = '../../../sandboxes/simos/dist-types/';

const FONT_FAMILY = "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace";
const LINE_HEIGHT_PX = 19;
const MIN_LINES = 8;
const MAX_LINES = 34;
const MARKER_OWNER = 'exercise-run';
/** TypeScript's `moduleResolution: "bundler"`; Monaco's enum stops at NodeJs, the worker knows it. */
const MODULE_RESOLUTION_BUNDLER = 100 as ModuleResolutionKind;
/** `moduleDetection: "force"`: every exercise file is a module, so two exercises on one page never clash. */
const MODULE_DETECTION_FORCE = 3;

export interface RunMarker {
  position: SourcePosition;
  message: string;
  severity: 'error' | 'warning';
}

export interface ExerciseEditor {
  getValue(): string;
  /** Replaces all the code as one edit, so Undo brings the previous code back. */
  replaceAll(code: string): void;
  onChange(listener: () => void): void;
  setRunMarkers(markers: RunMarker[]): void;
  focus(): void;
  dispose(): void;
}

export interface SolutionDiff {
  dispose(): void;
}

export interface EditorOptions {
  exerciseId: string;
  code: string;
  /** Ctrl/Cmd+Enter inside the editor. */
  onRun: () => void;
  /** Accessible name of the editing area. */
  label: string;
}

let configured: Promise<void> | undefined;

/** Once per page: workers, themes, compiler options and the simos declarations. */
function configureMonaco(): Promise<void> {
  configured ??= (async () => {
    self.MonacoEnvironment = {
      getWorker: (_id: string, label: string) => (label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker()),
    };
    monaco.editor.defineTheme('workbook-light', { base: 'vs', inherit: true, rules: [], colors: { 'editor.background': '#ffffff' } });
    monaco.editor.defineTheme('workbook-dark', { base: 'vs-dark', inherit: true, rules: [], colors: { 'editor.background': '#24292e' } });
    applyScheme(colorScheme());
    onColorSchemeChange(applyScheme);
    typescriptDefaults.setCompilerOptions({
      strict: true,
      // ScriptTarget.ES2022 is undefined in Monaco 0.57's enum; an undefined target silently means ES5.
      target: ScriptTarget.ESNext,
      module: ModuleKind.ESNext,
      moduleResolution: MODULE_RESOLUTION_BUNDLER,
      moduleDetection: MODULE_DETECTION_FORCE,
      allowNonTsExtensions: true,
      noEmit: true,
    });
    const libs = await Promise.all(
      Object.entries(SIMOS_TYPES).map(async ([path, load]) => ({
        filePath: `file:///node_modules/simos/${path.slice(SIMOS_TYPES_PREFIX.length)}`,
        content: await load(),
      })),
    );
    typescriptDefaults.setExtraLibs(libs);
  })();
  return configured;
}

function applyScheme(scheme: ColorScheme): void {
  monaco.editor.setTheme(scheme === 'dark' ? 'workbook-dark' : 'workbook-light');
}

export async function createEditor(host: HTMLElement, options: EditorOptions): Promise<ExerciseEditor> {
  await configureMonaco();
  const uri = monaco.Uri.parse(`file:///exercises/${options.exerciseId}/solution.ts`);
  const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(options.code, 'typescript', uri);
  const editor = monaco.editor.create(host, {
    model,
    ariaLabel: options.label,
    automaticLayout: true,
    fontFamily: FONT_FAMILY,
    fontSize: 14,
    lineHeight: LINE_HEIGHT_PX,
    tabSize: 2,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    padding: { top: 12, bottom: 12 },
    fixedOverflowWidgets: true,
    renderLineHighlightOnlyWhenFocus: true,
    scrollbar: { alwaysConsumeMouseWheel: false },
  });
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, options.onRun);

  // Grow with the code between MIN_LINES and MAX_LINES, so short exercises need no inner scrolling.
  const fitHeight = () => {
    const height = Math.min(Math.max(editor.getContentHeight(), MIN_LINES * LINE_HEIGHT_PX), MAX_LINES * LINE_HEIGHT_PX);
    host.style.height = `${height}px`;
    editor.layout({ width: host.clientWidth, height });
  };
  editor.onDidContentSizeChange(fitHeight);
  fitHeight();

  return {
    getValue: () => model.getValue(),
    replaceAll: (code) => {
      editor.pushUndoStop();
      editor.executeEdits('reset', [{ range: model.getFullModelRange(), text: code, forceMoveMarkers: true }]);
      editor.pushUndoStop();
    },
    onChange: (listener) => {
      model.onDidChangeContent(listener);
    },
    setRunMarkers: (markers) => {
      monaco.editor.setModelMarkers(
        model,
        MARKER_OWNER,
        markers.map(({ position, message, severity }) => ({
          message,
          severity: severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
          startLineNumber: position.line,
          startColumn: position.column,
          endLineNumber: position.line,
          endColumn: model.getLineMaxColumn(Math.min(position.line, model.getLineCount())),
        })),
      );
    },
    focus: () => editor.focus(),
    dispose: () => {
      editor.dispose();
      model.dispose();
    },
  };
}

/** A read-only diff of the learner's code (left) against the reference solution (right). */
export async function showSolutionDiff(host: HTMLElement, learnerCode: string, solution: string, exerciseId: string): Promise<SolutionDiff> {
  await configureMonaco();
  const original = monaco.editor.createModel(learnerCode, 'typescript', monaco.Uri.parse(`file:///exercises/${exerciseId}/diff/yours.ts`));
  const modified = monaco.editor.createModel(solution, 'typescript', monaco.Uri.parse(`file:///exercises/${exerciseId}/diff/reference.ts`));
  const diff = monaco.editor.createDiffEditor(host, {
    readOnly: true,
    originalEditable: false,
    automaticLayout: true,
    fontFamily: FONT_FAMILY,
    fontSize: 14,
    lineHeight: LINE_HEIGHT_PX,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    useInlineViewWhenSpaceIsLimited: true,
    renderSideBySideInlineBreakpoint: 720,
    scrollbar: { alwaysConsumeMouseWheel: false },
    ariaLabel: 'Your code compared with the reference solution',
    originalAriaLabel: 'Your code',
    modifiedAriaLabel: 'Reference solution',
  });
  diff.setModel({ original, modified });
  const lines = Math.max(original.getLineCount(), modified.getLineCount());
  host.style.height = `${Math.min(Math.max(lines + 2, MIN_LINES), MAX_LINES) * LINE_HEIGHT_PX}px`;
  return {
    dispose: () => {
      diff.dispose();
      original.dispose();
      modified.dispose();
    },
  };
}
