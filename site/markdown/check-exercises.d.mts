import type { PluginFactoryContext } from 'satteri';
/** A Sätteri mdast plugin factory; see check-exercises.mjs. Paths are absolute. */
export declare function checkExercises(options: { lessonsDir: string; projectRoot: string }): (ctx: PluginFactoryContext) => object | null;
