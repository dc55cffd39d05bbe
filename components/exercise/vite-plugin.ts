/**
 * Build support the Exercise island needs from the site's Vite config:
 *
 *   vite: { plugins: [exerciseVitePlugin()] }   // astro.config.mjs
 *
 * Monaco's ES modules import about a hundred CSS files. Astro puts every CSS file reachable from a
 * page's scripts into that page's <head>, dynamic imports included, so without this plugin each
 * lesson page would load Monaco's 175 KB of CSS (27 KB gzip) before anyone touches an exercise.
 * The plugin turns each of those imports into a small module that adds the (processed, minified)
 * CSS as a <style> when Monaco itself loads. The CSS then travels inside the lazy editor chunk.
 * Only the build needs it: the dev server already injects CSS from JavaScript.
 *
 * Plain type-only TypeScript, so astro.config.mjs can import it under Node's type stripping.
 */
import type { Plugin } from 'vite';

const VIRTUAL_PREFIX = '\0exercise-monaco-style:';
const VIRTUAL_SUFFIX = '.js';
const MONACO_FILE = /[\\/]node_modules[\\/]monaco-editor[\\/]/;

export function exerciseVitePlugin(): Plugin {
  return {
    name: 'systems-workbook:monaco-css-with-monaco',
    apply: 'build',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || !MONACO_FILE.test(importer) || !/\.css$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !MONACO_FILE.test(resolved.id)) return null;
      // The id must not end in `.css`, or Vite and Astro would treat the module as a stylesheet.
      return `${VIRTUAL_PREFIX}${resolved.id}${VIRTUAL_SUFFIX}`;
    },
    load(id) {
      if (!id.startsWith(VIRTUAL_PREFIX)) return null;
      const cssFile = id.slice(VIRTUAL_PREFIX.length, -VIRTUAL_SUFFIX.length);
      return [
        `import css from ${JSON.stringify(`${cssFile}?inline`)};`,
        `const style = document.createElement('style');`,
        `style.dataset.monaco = '';`,
        `style.textContent = css;`,
        `document.head.append(style);`,
      ].join('\n');
    },
  };
}
