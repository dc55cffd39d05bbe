/**
 * The five modules of the course, in teaching order. Lessons name their module by id in
 * frontmatter; the content schema takes its enum from `moduleIds`, so a lesson cannot point
 * at a module that has no page.
 */

export const moduleIds = ['processes', 'locks', 'sockets', 'containers', 'wal'] as const;

export type ModuleId = (typeof moduleIds)[number];

export interface CourseModule {
  id: ModuleId;
  /** Position on the home page and in the module nav, 1-based. */
  order: number;
  title: string;
  /** Shown in the nav, where the full title does not fit. */
  shortTitle: string;
  /** One or two sentences: what the learner can do after the module. */
  blurb: string;
}

export const modules: Record<ModuleId, CourseModule> = {
  processes: {
    id: 'processes',
    order: 1,
    title: 'Process trees',
    shortTitle: 'Processes',
    blurb:
      'Wait for and kill every descendant: reaping, process groups, death signals, cgroups and job objects.',
  },
  locks: {
    id: 'locks',
    order: 2,
    title: 'File locks and the unlink race',
    shortTitle: 'Locks',
    blurb:
      'flock, POSIX record locks and OFD locks, who owns each, and why a lock file you unlink can be locked twice.',
  },
  sockets: {
    id: 'sockets',
    order: 3,
    title: 'Cancelling connect, read and write',
    shortTitle: 'Sockets',
    blurb:
      'Readiness, non-blocking connect, wakeup fds, and shutting a blocked I/O call down without racing close().',
  },
  containers: {
    id: 'containers',
    order: 4,
    title: 'Container fundamentals',
    shortTitle: 'Containers',
    blurb: 'Namespaces, PID 1, mounts, user namespaces and capabilities, cgroup v2 and virtual networks.',
  },
  wal: {
    id: 'wal',
    order: 5,
    title: 'A write-ahead-log database',
    shortTitle: 'WAL',
    blurb:
      'Build the small database of Birrell, Jones and Wobber: log records, torn writes, checkpoints, recovery.',
  },
};

/** The modules in teaching order. */
export const modulesInOrder: CourseModule[] = Object.values(modules).sort((a, b) => a.order - b.order);
