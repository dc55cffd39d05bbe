/**
 * Every visualiser the workbook has. The exercise island imports this lazily, the first time a
 * run produced a trace, so drawing code never weighs on a page before it is needed. A module
 * with a new view adds its import here.
 */
import './process-tree/index.ts';
import './disk/index.ts';
