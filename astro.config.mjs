// Astro settings for the workbook. The site sources live in site/, the course in lessons/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { satteri } from '@astrojs/markdown-satteri';
import { checkExercises } from './site/markdown/check-exercises.mjs';
import { monacoCssWithEditor } from './site/tools/monaco-css-with-editor.mjs';
import { simosTypes } from './site/tools/simos-types.mjs';

const projectRoot = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
const lessonsDir = `${projectRoot}/lessons`;

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  output: 'static',
  trailingSlash: 'always',
  integrations: [mdx(), simosTypes()],
  markdown: {
    processor: satteri({ mdastPlugins: [checkExercises({ lessonsDir, projectRoot })] }),
    shikiConfig: {
      // No default colour: every token carries --shiki-light and --shiki-dark, and
      // site/styles/code.css picks one with prefers-color-scheme.
      themes: { light: 'github-light', dark: 'github-dark' },
      defaultColor: false,
    },
  },
  devToolbar: { enabled: false },
  vite: {
    plugins: [monacoCssWithEditor()],
    // Monaco's editor and TypeScript workers are imported with `?worker`; ES-module workers
    // let them share chunks with the page (docs: notes/toolchain-findings.md §4).
    worker: { format: 'es' },
    build: {
      // Monaco and its TypeScript worker are megabytes by design; they load only on demand.
      chunkSizeWarningLimit: 8000,
      rolldownOptions: {
        // Astro marks MDX modules with a "use astro:head-inject" directive that Rolldown warns
        // about once per lesson; the warning is Astro's own and harmless. Keep all others.
        onwarn(warning, warn) {
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('astro:head-inject')) return;
          warn(warning);
        },
      },
    },
  },
});
