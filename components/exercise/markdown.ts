/**
 * Markdown for prompts and hints, rendered at build time with the same engine Astro uses for `.md`
 * pages (Sätteri) and Shiki with a light and a dark theme, so code in a prompt looks like code in
 * the lesson around it. Runs only during the build: never import this from client code.
 */
import { createSatteriMarkdownProcessor } from '@astrojs/markdown-satteri';

/** Shiki themes for every code block an exercise shows; the page CSS switches on prefers-color-scheme. */
export const CODE_THEMES = { light: 'github-light', dark: 'github-dark' } as const;

let renderer: ReturnType<typeof createSatteriMarkdownProcessor> | undefined;

export async function renderMarkdown(source: string): Promise<string> {
  renderer ??= createSatteriMarkdownProcessor({ syntaxHighlight: 'shiki', shikiConfig: { themes: { ...CODE_THEMES }, defaultColor: false } });
  const { code } = await (await renderer).render(source);
  return code;
}
