/** The Export / Import buttons of ProgressPanel.astro. */
import { pageProgress } from './page-progress.ts';

export function bootProgressPanels(): void {
  for (const panel of document.querySelectorAll<HTMLElement>('[data-progress-panel]:not([data-booted])')) {
    panel.dataset.booted = '';
    const status = panel.querySelector<HTMLElement>('[data-role="progress-status"]')!;
    const file = panel.querySelector<HTMLInputElement>('[data-role="import-file"]')!;

    panel.querySelector('[data-action="export-progress"]')!.addEventListener('click', () => {
      const store = pageProgress();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([store.exportProgress()], { type: 'application/json' }));
      link.download = `systems-workbook-progress-${new Date().toISOString().slice(0, 10)}.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      const count = store.ids().length;
      status.textContent = `Exported ${count} exercise${count === 1 ? '' : 's'} to ${link.download}.`;
    });

    panel.querySelector('[data-action="import-progress"]')!.addEventListener('click', () => file.click());
    file.addEventListener('change', async () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (!chosen) return;
      try {
        status.textContent = pageProgress().importProgress(await chosen.text()).summary;
      } catch (error) {
        status.textContent = (error as Error).message;
      }
    });
  }
}

document.addEventListener('astro:page-load', bootProgressPanels);
