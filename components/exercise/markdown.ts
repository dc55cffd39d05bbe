/**
 * Markdown for prompts and hints, rendered at build time with the same engine Astro uses for `.md`
 * pages (Sätteri) and Shiki with a light and a dark theme, so code in a prompt looks like code in
 * the lesson around it. Runs only during the build: never import this from client code.
 */
import { createSatteriMarkdownProcessor } from '@astrojs/markdown-satteri';

/** Shiki themes for every code block an exercise shows; the page CSS switches on prefers-color-scheme. */
export const CODE_THEMES = { light: 'github-light', dark: 'github-dark' } as const;

/** The exercise title is an h3 inside the lesson; headings in a prompt or hint start below it. */
const FIRST_HEADING_LEVEL = 4;

let renderer: ReturnType<typeof createSatteriMarkdownProcessor> | undefined;

/**
 * HTML for an exercise's markdown. A leading `# Title` is dropped (meta.json's title is shown
 * above it already) and the remaining headings move down so the lesson's outline stays intact.
 */
export async function renderExerciseMarkdown(source: string): Promise<string> {
  renderer ??= createSatteriMarkdownProcessor({ syntaxHighlight: 'shiki', shikiConfig: { themes: { ...CODE_THEMES }, defaultColor: false } });
  const { code } = await (await renderer).render(source.replace(/^\s*#[ \t]+[^\n]*\n/, ''));
  return nestHeadings(code);
}

/** Shifts every heading so the shallowest becomes FIRST_HEADING_LEVEL (never deeper than h6). */
export function nestHeadings(html: string): string {
  const levels = [...html.matchAll(/<h([1-6])[\s>]/g)].map((match) => Number(match[1]));
  if (levels.length === 0) return html;
  const shift = FIRST_HEADING_LEVEL - Math.min(...levels);
  return html.replace(/<(\/?)h([1-6])([\s>])/g, (_, slash: string, level: string, after: string) => `<${slash}h${Math.min(6, Number(level) + shift)}${after}`);
}
