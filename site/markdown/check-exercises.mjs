/**
 * A Sätteri mdast plugin (Astro 7's Markdown pipeline) that makes a lesson which embeds a
 * missing or incomplete exercise a build error, instead of a page that breaks when a learner
 * presses Run. It reads `<Exercise id="…" />` from the MDX syntax tree, so an example of the
 * tag inside a code block is not mistaken for a real one, and lets `loadExercise` decide
 * what "complete" means (docs/exercise-format.md).
 */
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExercise } from '../../components/exercise/load.ts';

/**
 * @param {{ lessonsDir: string, projectRoot: string }} options absolute paths
 * @returns {(ctx: import('satteri').PluginFactoryContext) => object | null}
 */
export function checkExercises({ lessonsDir, projectRoot }) {
  return (ctx) => {
    if (ctx.sourceFormat !== 'mdx' || !ctx.fileURL) return null;
    const mdxPath = fileURLToPath(ctx.fileURL);
    if (!mdxPath.startsWith(lessonsDir + sep)) return null;
    const mdxFile = relative(projectRoot, mdxPath);
    /** @type {{ id: string, line?: number, column?: number }[]} */
    const refs = [];
    const collect = (node) => {
      if (node.name === 'Exercise') refs.push(exerciseRef(node, mdxFile));
    };
    return {
      name: 'check-exercises',
      options: { position: true },
      mdxJsxFlowElement: collect,
      mdxJsxTextElement: collect,
      async after() {
        for (const ref of refs) await checkOne(ref, mdxFile, lessonsDir);
      },
    };
  };
}

function exerciseRef(node, mdxFile) {
  const line = node.position?.start?.line;
  const column = node.position?.start?.column;
  const where = line ? `${mdxFile}:${line}` : mdxFile;
  const idAttr = node.attributes?.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'id');
  if (!idAttr || typeof idAttr.value !== 'string' || idAttr.value === '') {
    throw new Error(
      `${where}: <Exercise> needs a literal id, e.g. <Exercise id="wal/decode-log" /> ` +
        '(the folder under lessons/ that holds the exercise).',
    );
  }
  return { id: idAttr.value, line, column };
}

async function checkOne(ref, mdxFile, lessonsDir) {
  try {
    await loadExercise(ref.id, lessonsDir);
  } catch (error) {
    const where = ref.line ? `${mdxFile}:${ref.line}` : mdxFile;
    const reason = error instanceof Error ? error.message : String(error);
    const failure = new Error(`${where}: <Exercise id="${ref.id}" /> cannot be built: ${reason}`);
    // @astrojs/mdx reads these to point the error overlay and the build log at the tag.
    Object.assign(failure, { line: ref.line, column: ref.column });
    throw failure;
  }
}
