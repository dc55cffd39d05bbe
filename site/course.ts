/**
 * The course outline: modules in order, each with its lessons in order. Every page builds its
 * navigation from this one function, so the home page, sidebar and prev/next links agree.
 */
import { getCollection, type CollectionEntry } from 'astro:content';
import { modulesInOrder, type CourseModule } from './modules';

export type LessonEntry = CollectionEntry<'lessons'>;

export interface Lesson {
  entry: LessonEntry;
  module: CourseModule;
  /** The file name without `.mdx`; the last segment of the URL. */
  slug: string;
  href: string;
}

export interface ModuleOutline {
  module: CourseModule;
  href: string;
  lessons: Lesson[];
}

export async function loadCourse(): Promise<ModuleOutline[]> {
  const entries = await getCollection('lessons');
  const byModule = new Map<string, Lesson[]>();
  for (const entry of entries) {
    const lesson = lessonFromEntry(entry);
    const list = byModule.get(lesson.module.id) ?? [];
    list.push(lesson);
    byModule.set(lesson.module.id, list);
  }
  return modulesInOrder.map((module) => {
    const lessons = (byModule.get(module.id) ?? []).sort((a, b) => a.entry.data.order - b.entry.data.order);
    assertDistinctOrders(lessons);
    return { module, href: `/${module.id}/`, lessons };
  });
}

function lessonFromEntry(entry: LessonEntry): Lesson {
  const [folder, slug, ...rest] = entry.id.split('/');
  const file = entry.filePath ?? entry.id;
  if (!slug || rest.length > 0) {
    throw new Error(`${file}: a lesson must live at lessons/<module>/<lesson>.mdx (got id "${entry.id}").`);
  }
  if (folder !== entry.data.module) {
    throw new Error(
      `${file}: frontmatter says module "${entry.data.module}" but the file is in lessons/${folder}/. ` +
        'Move the file or fix the frontmatter.',
    );
  }
  const module = modulesInOrder.find((m) => m.id === entry.data.module)!;
  return { entry, module, slug, href: `/${module.id}/${slug}/` };
}

function assertDistinctOrders(lessons: Lesson[]): void {
  for (let i = 1; i < lessons.length; i++) {
    const [a, b] = [lessons[i - 1]!, lessons[i]!];
    if (a.entry.data.order === b.entry.data.order) {
      throw new Error(
        `${a.entry.filePath} and ${b.entry.filePath} both have order ${a.entry.data.order}; ` +
          'give each lesson in a module its own order.',
      );
    }
  }
}

/** The lessons before and after `lesson` across the whole course, for prev/next links. */
export function neighbours(course: ModuleOutline[], lesson: Lesson): { prev?: Lesson; next?: Lesson } {
  const all = course.flatMap((m) => m.lessons);
  const i = all.findIndex((l) => l.href === lesson.href);
  return { prev: all[i - 1], next: all[i + 1] };
}
