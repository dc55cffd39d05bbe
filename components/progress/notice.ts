/**
 * A visible notice about the learner's saved progress: why it could not be read or saved, and a
 * link to download what could not be read. Shown in the progress panel's notice area when the
 * page has one, else at the top of <main> (or <body>).
 */
import type { ProgressNotice } from './store.ts';

export function showProgressNotice(notice: ProgressNotice): void {
  const key = `${notice.kind}:${notice.backupKey ?? notice.message}`;
  if (document.querySelector(`.progress-notice[data-notice="${CSS.escape(key)}"]`)) return;

  const box = document.createElement('div');
  box.className = 'progress-notice';
  box.dataset.notice = key;
  box.setAttribute('role', 'alert');
  const text = document.createElement('p');
  text.textContent = notice.message;
  box.append(text);

  const actions = document.createElement('p');
  actions.className = 'progress-notice-actions';
  if (notice.backup !== undefined) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([notice.backup], { type: 'application/json' }));
    link.download = `systems-workbook-progress-backup-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`;
    link.textContent = 'Download the unreadable progress';
    actions.append(link);
  }
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.textContent = 'Dismiss';
  dismiss.addEventListener('click', () => box.remove());
  actions.append(dismiss);
  box.append(actions);

  const area = document.querySelector('[data-progress-notices]') ?? document.querySelector('main') ?? document.body;
  area.prepend(box);
}
