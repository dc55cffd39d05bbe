/**
 * The lessons collection: every `lessons/<module>/<lesson>.mdx`. Exercise folders sit beside
 * the lessons and hold only `.ts`, `.json` and `.md`, so the `*.mdx` pattern never picks them up.
 */
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { moduleIds } from './modules';

const lessons = defineCollection({
  // The base is resolved from the project root, not from srcDir.
  loader: glob({ pattern: '*/*.mdx', base: './lessons' }),
  schema: z.object({
    /** The lesson's h1 and page title. */
    title: z.string().min(1),
    /** One sentence for lesson lists and the meta description. */
    summary: z.string().min(1),
    /** Must equal the folder the file lives in; checked in site/course.ts. */
    module: z.enum(moduleIds),
    /** Position within the module; lessons sort by it. */
    order: z.number().int().positive(),
    /** What the learner can do afterwards, shown before the lesson body. */
    objectives: z.array(z.string().min(1)).min(2, 'list at least two objectives'),
  }),
});

export const collections = { lessons };
