/**
 * A Vite plugin that keeps Monaco's CSS out of the lesson page's initial load.
 *
 * Monaco's ES modules each import their own small CSS file (about 100 of them, 27 KB gzip in
 * all). Astro follows the Exercise island's lazy `import()` of the editor and links all of that
 * CSS from every lesson page's <head>, so it would load before any interaction. Here each of
 * those imports becomes a small JS module that adds the same CSS as a <style> element when it
 * runs, which is when the lazily loaded editor chunk runs: the CSS arrives with the editor.
 * Build only: the dev server pre-bundles Monaco and injects its CSS on demand by itself.
 */
const PREFIX = '\0monaco-css:';
// The id must not end in .css, or Vite's CSS pipeline would treat the JS below as CSS.
const SUFFIX = '.js';

/** @returns {import('vite').Plugin} */
export function monacoCssWithEditor() {
  return {
    name: 'workbook:monaco-css-with-editor',
    enforce: 'pre',
    apply: 'build',
    async resolveId(source, importer, options) {
      if (!source.endsWith('.css') || !importer?.includes('/node_modules/monaco-editor/esm/')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved ? `${PREFIX}${resolved.id}${SUFFIX}` : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const file = id.slice(PREFIX.length, -SUFFIX.length);
      return [
        `import css from ${JSON.stringify(`${file}?inline`)};`,
        // Guarded: a worker bundle that reaches a Monaco module has no document.
        "if (typeof document !== 'undefined') {",
        "  const style = document.createElement('style');",
        "  style.dataset.monaco = '';",
        '  style.textContent = css;',
        '  document.head.append(style);',
        '}',
      ].join('\n');
    },
  };
}
