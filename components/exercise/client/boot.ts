/**
 * The only exercise code in a lesson page's initial JavaScript: it finds the exercise sections,
 * gives each a controller and schedules the idle preload. Everything heavy is imported later.
 */
import { pageProgress } from '../../progress/page-progress.ts';
import { ExerciseIsland } from './island.ts';
import { preloadExerciseParts } from './lazy.ts';

export function bootExercises(): void {
  const sections = document.querySelectorAll<HTMLElement>('section.exercise[data-exercise]:not([data-booted])');
  if (sections.length === 0) return;
  const store = pageProgress();
  for (const section of sections) {
    section.dataset.booted = '';
    try {
      new ExerciseIsland(section, store).start();
    } catch (error) {
      const message = document.createElement('p');
      message.className = 'exercise-message';
      message.textContent = (error as Error).message;
      section.prepend(message);
    }
  }
  if (document.readyState === 'complete') preloadExerciseParts();
  else addEventListener('load', preloadExerciseParts, { once: true });
}

// With Astro's client router the script runs once; sections arriving with later pages boot here.
document.addEventListener('astro:page-load', bootExercises);
