import { describe, expect, it } from 'vitest';
import { nestHeadings, renderExerciseMarkdown } from '../../components/exercise/markdown.ts';

describe('nestHeadings', () => {
  it('moves the shallowest heading to h4 and the rest with it, never past h6', () => {
    expect(nestHeadings('<h2 id="a">A</h2><p>x</p><h3>B</h3><h5>C</h5>')).toBe('<h4 id="a">A</h4><p>x</p><h5>B</h5><h6>C</h6>');
  });

  it('leaves HTML without headings alone', () => {
    expect(nestHeadings('<p>hi <code>&lt;h1&gt;</code></p>')).toBe('<p>hi <code>&lt;h1&gt;</code></p>');
  });
});

describe('renderExerciseMarkdown', () => {
  it('drops a leading # title, nests the other headings under the exercise title', async () => {
    const html = await renderExerciseMarkdown('# Decode a log\n\nWrite it.\n\n## The format\n\nBytes.\n');
    expect(html).not.toContain('Decode a log');
    expect(html).toMatch(/<h4[^>]*>The format<\/h4>/);
    expect(html).toContain('<p>Write it.</p>');
  });

  it('highlights code with both themes as CSS variables', async () => {
    const html = await renderExerciseMarkdown('```ts\nconst x: number = 1;\n```\n');
    expect(html).toContain('class="astro-code');
    expect(html).toContain('--shiki-light:');
    expect(html).toContain('--shiki-dark:');
  });
});
