/**
 * One exercise on the page, from static HTML to a working editor.
 *
 * Until the learner interacts, the section is plain HTML and this controller only wires the
 * buttons. The first focus, click or key press inside it loads Monaco and xterm; Run tests works
 * before that too, on the code the page shows (the saved code or the starter). Runs go to the
 * page's sandbox; results go to the terminal, the status line, the editor's markers, the
 * visualisers and the progress store.
 */
import type { RunEvent, RunSummary } from '../../../sandboxes/protocol.ts';
import type { ProgressStore } from '../../progress/store.ts';
import { readPayload, type ExercisePayload } from '../payload.ts';
import { renderVisualisers, type TraceEvent } from '../visualisers.ts';
import type { ExerciseEditor, RunMarker, SolutionDiff } from './editor.ts';
import { loadEditorModule, loadSandbox, loadTerminalModule, loadVisualisers } from './lazy.ts';
import { ansi, createRunReporter, summaryText } from './run-report.ts';
import type { TerminalView } from './terminal.ts';
import { colorScheme } from './theme.ts';

const SAVE_DELAY_MS = 500;
const RESET_QUESTION = 'Replace your code with the starter code? You can get your code back with Undo (Ctrl+Z or Cmd+Z) in the editor.';

interface Parts {
  run: HTMLButtonElement;
  reset: HTMLButtonElement;
  hint: HTMLButtonElement;
  solution: HTMLButtonElement;
  closeSolution: HTMLButtonElement;
  editor: HTMLElement;
  editorState: HTMLElement;
  staticCode: HTMLElement;
  solutionPanel: HTMLElement;
  diff: HTMLElement;
  summary: HTMLElement;
  message: HTMLElement;
  terminal: HTMLElement;
  visual: HTMLElement;
  hints: HTMLOListElement;
  badge: HTMLElement;
}

export class ExerciseIsland {
  private readonly data: ExercisePayload;
  private readonly parts: Parts;
  private editor: Promise<ExerciseEditor> | undefined;
  private editorReady: ExerciseEditor | undefined;
  private terminal: Promise<TerminalView> | undefined;
  private diff: Promise<SolutionDiff | undefined> | undefined;
  private focusWhenReady = false;
  private runCount = 0;
  private hintsShown = 0;
  private saveTimer: number | undefined;
  private markers: RunMarker[] = [];
  private clearVisuals: () => void = () => {};

  constructor(
    private readonly section: HTMLElement,
    private readonly store: ProgressStore,
  ) {
    this.data = readPayload(section);
    this.parts = findParts(section, this.data.id);
  }

  start(): void {
    const { parts } = this;
    parts.run.addEventListener('click', () => void this.run());
    parts.reset.addEventListener('click', () => void this.reset());
    parts.hint.addEventListener('click', () => this.revealHint());
    parts.solution.addEventListener('click', () => void this.toggleSolution());
    parts.closeSolution.addEventListener('click', () => this.closeSolution());

    // The first interaction of any kind starts loading the editor; one that lands on the code
    // itself also moves the focus into the editor once it is there.
    const wake = () => void this.activate().catch(() => {});
    for (const type of ['pointerdown', 'focusin', 'keydown']) this.section.addEventListener(type, wake, { once: true });
    const wantEditor = () => {
      if (this.editorReady) return;
      this.focusWhenReady = true;
      wake();
    };
    parts.staticCode.addEventListener('pointerdown', wantEditor);
    parts.staticCode.addEventListener('focusin', wantEditor);

    this.section.addEventListener('keydown', (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === 'Enter' && !event.defaultPrevented) {
        event.preventDefault();
        void this.run();
      }
    });
    addEventListener('pagehide', () => this.saveNow());
    document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && this.saveNow());
    this.store.subscribe((id, source) => id === this.data.id && source === 'import' && this.applyImported());
    this.restore();
  }

  /** Loads Monaco into the code area (once); resolves with the editor. */
  activate(): Promise<ExerciseEditor> {
    if (!this.editor) {
      this.editor = this.mountEditor();
      this.editor.catch((error: Error) => {
        this.editor = undefined;
        this.section.dataset.state = '';
        this.parts.editorState.textContent = 'Click the code to edit it';
        this.showMessage(`The editor could not load (${error.message}). Run tests still checks the code shown; click the code to try again.`);
      });
    }
    return this.editor;
  }

  private async mountEditor(): Promise<ExerciseEditor> {
    this.section.dataset.state = 'loading';
    this.parts.editorState.textContent = 'Loading the editor…';
    const { createEditor } = await loadEditorModule();
    // Mounted beside the static code so Monaco measures its real width; the static code goes in
    // the same task, so the swap is never painted half-done.
    const host = document.createElement('div');
    host.className = 'exercise-monaco';
    this.parts.staticCode.after(host);
    let editor: ExerciseEditor;
    try {
      editor = await createEditor(host, {
        exerciseId: this.data.id,
        code: this.currentCode(),
        onRun: () => void this.run(),
        label: `Code editor for ${this.data.title}: solution.ts`,
      });
    } catch (error) {
      host.remove();
      throw error;
    }
    this.parts.staticCode.remove();
    editor.setRunMarkers(this.markers);
    editor.onChange(() => this.saveSoon());
    this.editorReady = editor;
    this.section.dataset.state = 'editing';
    this.parts.editorState.textContent = 'Saved in this browser as you type';
    // After the current event: the pointerdown that woke us still has its default focus change
    // to make, which would otherwise take the focus straight back out of the editor.
    if (this.focusWhenReady) setTimeout(() => editor.focus(), 0);
    return editor;
  }

  /** The code a run checks: the editor's, else what the page shows. */
  currentCode(): string {
    return this.editorReady?.getValue() ?? this.store.get(this.data.id)?.code ?? this.data.starter;
  }

  async run(): Promise<void> {
    const runId = ++this.runCount;
    const current = () => runId === this.runCount;
    this.saveNow();
    const code = this.currentCode();
    void this.activate().catch(() => {});
    this.hideMessage();
    this.setSummary('Running tests…', 'running');
    this.section.setAttribute('aria-busy', 'true');
    this.clearVisuals();
    this.markers = [];
    this.editorReady?.setRunMarkers([]);
    const testFiles = Object.keys(this.data.tests);
    this.output((t) => t.clear());
    this.write(ansi.dim(`Running ${testFiles.join(', ')} against your solution.ts\n\n`));

    const traces: TraceEvent[] = [];
    const report = createRunReporter();
    let summary: RunSummary;
    try {
      const sandbox = await loadSandbox();
      summary = await sandbox.run(
        { exerciseId: this.data.id, files: { ...this.data.tests, 'solution.ts': code }, testFiles, timeoutMs: this.data.timeoutMs },
        (event) => current() && this.onRunEvent(event, report(event), traces),
      );
    } catch (error) {
      if (!current()) return;
      this.section.removeAttribute('aria-busy');
      const message = `The tests could not run: ${(error as Error).message}`;
      this.setSummary(message, 'failed');
      this.write(`${ansi.boldRed(message)}\n`);
      return;
    }
    if (!current()) return;
    this.section.removeAttribute('aria-busy');
    const passed = summary.failed === 0 && summary.passed > 0 && !summary.stopped;
    this.setSummary(summaryText(summary, this.data.timeoutMs), passed ? 'passed' : 'failed');
    this.store.saveRun(this.data.id, code, { passed: summary.passed, failed: summary.failed });
    this.showBadge();
    this.editorReady?.setRunMarkers(this.markers);
    if (traces.length > 0) {
      // A view that fails to load must not hide the run's result, which is already shown.
      await loadVisualisers().catch(() => {});
      if (!current()) return;
    }
    this.clearVisuals = renderVisualisers(this.parts.visual, traces, { exerciseId: this.data.id, scheme: colorScheme() });
  }

  async reset(): Promise<void> {
    if (this.currentCode() === this.data.starter) return;
    if (!window.confirm(RESET_QUESTION)) return;
    let editor: ExerciseEditor;
    try {
      editor = await this.activate();
    } catch {
      return; // activate() has told the learner; their code is untouched.
    }
    editor.replaceAll(this.data.starter);
    this.markers = [];
    editor.setRunMarkers([]);
    this.saveNow();
    editor.focus();
  }

  revealHint(): void {
    if (this.hintsShown >= this.data.hints.length) return;
    this.showHint(this.hintsShown);
    this.hintsShown += 1;
    this.store.saveHintsRevealed(this.data.id, this.hintsShown);
    this.updateHintButton();
  }

  async toggleSolution(): Promise<void> {
    if (this.diff) return this.closeSolution();
    const { solution, solutionPanel, diff: host, editor, closeSolution } = this.parts;
    solution.setAttribute('aria-expanded', 'true');
    solutionPanel.hidden = false;
    editor.hidden = true;
    const opening = loadEditorModule().then(({ showSolutionDiff }) => showSolutionDiff(host, this.currentCode(), this.data.solution, this.data.id));
    this.diff = opening.catch((error: Error) => {
      this.showMessage(`The solution view could not load (${error.message}).`);
      this.closeSolution();
      return undefined;
    });
    await this.diff;
    if (!solutionPanel.hidden) closeSolution.focus();
  }

  closeSolution(): void {
    const { solution, solutionPanel, diff: host, editor } = this.parts;
    void this.diff?.then((view) => {
      view?.dispose();
      host.replaceChildren();
    });
    this.diff = undefined;
    solutionPanel.hidden = true;
    editor.hidden = false;
    solution.setAttribute('aria-expanded', 'false');
    solution.focus();
  }

  private onRunEvent(event: RunEvent, text: string, traces: TraceEvent[]): void {
    this.write(text);
    if (event.type === 'compile-error') {
      this.markers.push({ position: event.position, message: event.message, severity: 'error' });
    } else if (event.type === 'runtime-error' && event.position) {
      this.markers.push({ position: event.position, message: event.message, severity: 'error' });
    } else if (event.type === 'test-end' && event.failure?.position?.file === 'solution.ts') {
      this.markers.push({ position: event.failure.position, message: `${event.name}: ${event.failure.message}`, severity: 'warning' });
    } else if (event.type === 'trace') {
      traces.push(event);
    }
  }

  /** Runs `use` on the terminal once it exists; calls stay in order. Falls back to plain text. */
  private output(use: (terminal: TerminalView) => void): void {
    this.terminal ??= loadTerminalModule()
      .then(({ createTerminal }) => createTerminal(this.parts.terminal))
      .catch(() => plainTerminal(this.parts.terminal));
    void this.terminal.then(use);
  }

  private write(text: string): void {
    if (text !== '') this.output((t) => t.write(text));
  }

  private saveSoon(): void {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.saveNow(), SAVE_DELAY_MS);
  }

  private saveNow(): void {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.editorReady) return;
    const code = this.editorReady.getValue();
    if (code !== (this.store.get(this.data.id)?.code ?? this.data.starter)) this.store.saveCode(this.data.id, code);
  }

  /** Puts back what the store remembers: code, hints seen, last result. */
  private restore(): void {
    const saved = this.store.get(this.data.id);
    if (saved?.code !== undefined && saved.code !== this.data.starter) this.showStaticCode(saved.code);
    this.hintsShown = 0;
    this.parts.hints.replaceChildren();
    const hints = Math.min(saved?.hintsRevealed ?? 0, this.data.hints.length);
    for (let i = 0; i < hints; i++) this.showHint(i);
    this.hintsShown = hints;
    this.updateHintButton();
    this.showBadge();
  }

  private applyImported(): void {
    const code = this.store.get(this.data.id)?.code ?? this.data.starter;
    if (this.editorReady && this.editorReady.getValue() !== code) this.editorReady.replaceAll(code);
    this.restore();
  }

  private showStaticCode(code: string): void {
    const pre = this.parts.staticCode.querySelector('pre');
    const codeElement = pre?.querySelector('code');
    if (!pre || !codeElement) return;
    codeElement.textContent = code;
    this.parts.editorState.textContent = 'Your saved code · click to edit it';
  }

  private showHint(index: number): void {
    const item = document.createElement('li');
    item.className = 'exercise-hint';
    const label = document.createElement('p');
    label.className = 'exercise-hint-label';
    label.textContent = `Hint ${index + 1} of ${this.data.hints.length}`;
    const body = document.createElement('div');
    // Rendered from the exercise's own markdown at build time, never from learner input.
    body.innerHTML = this.data.hints[index] ?? '';
    item.append(label, body);
    this.parts.hints.append(item);
  }

  private updateHintButton(): void {
    const total = this.data.hints.length;
    const button = this.parts.hint;
    button.disabled = this.hintsShown >= total;
    button.textContent = this.hintsShown === 0 ? 'Hint' : this.hintsShown < total ? `Hint ${this.hintsShown + 1} of ${total}` : `Hints: all ${total} shown`;
  }

  private showBadge(): void {
    const result = this.store.get(this.data.id)?.result;
    const { badge } = this.parts;
    badge.hidden = !result;
    if (!result) return;
    const passed = result.failed === 0 && result.passed > 0;
    badge.dataset.state = passed ? 'passed' : 'failed';
    badge.textContent = passed ? '✓ Passed' : `Last run: ${result.passed} passed, ${result.failed} failed`;
  }

  private setSummary(text: string, state: 'running' | 'passed' | 'failed'): void {
    this.parts.summary.textContent = text;
    this.parts.summary.dataset.state = state;
  }

  private showMessage(text: string): void {
    this.parts.message.textContent = text;
    this.parts.message.hidden = false;
  }

  private hideMessage(): void {
    this.parts.message.hidden = true;
  }
}

/** When xterm cannot load, output still reaches the learner as plain text. */
function plainTerminal(host: HTMLElement): TerminalView {
  const pre = document.createElement('pre');
  pre.className = 'exercise-terminal-placeholder';
  host.replaceChildren(pre);
  return {
    write: (text) => pre.append(text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')),
    clear: () => pre.replaceChildren(),
    dispose: () => pre.remove(),
  };
}

function findParts(section: HTMLElement, id: string): Parts {
  const one = <T extends HTMLElement>(selector: string): T => {
    const element = section.querySelector<T>(selector);
    if (!element) throw new Error(`Exercise '${id}' is missing ${selector} in its HTML; rebuild the site.`);
    return element;
  };
  return {
    run: one('[data-action="run"]'),
    reset: one('[data-action="reset"]'),
    hint: one('[data-action="hint"]'),
    solution: one('[data-action="solution"]'),
    closeSolution: one('[data-action="close-solution"]'),
    editor: one('[data-role="editor"]'),
    editorState: one('[data-role="editor-state"]'),
    staticCode: one('[data-role="static-code"]'),
    solutionPanel: one('[data-role="solution"]'),
    diff: one('[data-role="diff"]'),
    summary: one('[data-role="summary"]'),
    message: one('[data-role="message"]'),
    terminal: one('[data-role="terminal"]'),
    visual: one('[data-role="visual"]'),
    hints: one('[data-role="hints"]'),
    badge: one('[data-role="badge"]'),
  };
}
