/**
 * Sets every `[data-progress-for="<exercise id>"]` mark to what the progress store knows: not
 * started, started, failing, or passed. The state goes in data-state (CSS draws the symbol) and
 * in words in the mark's hidden label and its tooltip. Runs on pages that list exercises (home, module);
 * keeps the marks current when another tab saves or the learner imports a file.
 */
import { PROGRESS_KEY, ProgressStore, type ExerciseProgress } from '../../components/progress/store';

type MarkState = 'not-started' | 'started' | 'failed' | 'passed';

function markFor(entry: ExerciseProgress | undefined): { state: MarkState; text: string } {
  if (!entry) return { state: 'not-started', text: 'Not started' };
  const result = entry.result;
  if (!result) return { state: 'started', text: 'Started' };
  if (result.failed === 0 && result.passed > 0) return { state: 'passed', text: 'Passed' };
  return { state: 'failed', text: `Last run: ${result.passed} passed, ${result.failed} failed` };
}

function paint(store: ProgressStore): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-progress-for]')) {
    const { state, text } = markFor(store.get(el.dataset.progressFor ?? ''));
    el.dataset.state = state;
    el.title = text;
    const label = el.querySelector('[data-role="progress-label"]');
    if (label) label.textContent = text;
  }
}

function start(): void {
  let store: ProgressStore;
  try {
    store = new ProgressStore(window.localStorage);
  } catch {
    return; // Storage is blocked; the marks stay empty rather than wrong.
  }
  store.open();
  paint(store);
  store.subscribe(() => paint(store));
  window.addEventListener('storage', (event) => {
    if (event.key !== PROGRESS_KEY) return;
    store.open();
    paint(store);
  });
}

start();
