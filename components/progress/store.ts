/**
 * The learner's progress: per exercise, their code, the last run's result and how many hints they
 * have seen. It lives in one versioned localStorage key so it survives reloads and can be exported.
 *
 * Rules this module keeps:
 * - Nothing the learner wrote is ever dropped silently. A stored value this code cannot read (bad
 *   JSON, a wrong shape, a version it does not know) is copied aside under a backup key before
 *   anything replaces it, and `open()` returns a notice the page shows with a way to download it.
 *   When even the backup cannot be written, the store stays in memory and never overwrites the key.
 * - Every write re-reads the key first and changes only the entry it is about, so two tabs that
 *   work on different exercises do not erase each other's work.
 *
 * No DOM here: the store takes a Storage-like object, so Node tests pass a fake one.
 */

export const PROGRESS_KEY = 'systems-workbook:progress';
export const BACKUP_KEY_PREFIX = 'systems-workbook:progress:corrupt:';
export const PROGRESS_VERSION = 1;
/** Marks an exported file, so an import can tell it from any other JSON. */
export const EXPORT_FORMAT = 'systems-workbook-progress';

export interface RunResult {
  passed: number;
  failed: number;
  /** ISO 8601 time the run ended. */
  at: string;
}

export interface ExerciseProgress {
  /** The learner's code; absent until they edit or run. */
  code?: string;
  result?: RunResult;
  hintsRevealed: number;
  /** ISO 8601 time of the last change; decides which side wins when an import merges. */
  updatedAt: string;
}

export interface ProgressDocument {
  version: typeof PROGRESS_VERSION;
  exercises: Record<string, ExerciseProgress>;
}

/** The part of the Web Storage API the store uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ProgressNotice {
  kind: 'unreadable' | 'newer-version' | 'partly-unreadable' | 'not-saved';
  /** One or two sentences for the learner. */
  message: string;
  /** Where the unreadable value was copied, when copying worked. */
  backupKey?: string;
  /** The unreadable value itself, for a download link. */
  backup?: string;
}

export interface ImportReport {
  imported: string[];
  /** Entries whose local copy was changed more recently than the imported one. */
  keptLocal: string[];
  skipped: { id: string; reason: string }[];
  summary: string;
}

export type ProgressListener = (id: string, source: 'local' | 'import') => void;

/**
 * Upgrades from older document versions, keyed by the version they read. Version 1 is the first,
 * so none exist yet; a future version adds `1: (doc) => …` here and tests it against a stored v1.
 */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {};

export class ProgressStore {
  private doc: ProgressDocument = emptyDocument();
  private readonly listeners = new Set<ProgressListener>();
  private readonly noticeListeners = new Set<(notice: ProgressNotice) => void>();
  /** False when the stored value could not be backed up: writing would destroy it. */
  private writable = true;
  private readonly notices: ProgressNotice[] = [];

  constructor(
    private readonly storage: StorageLike,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Reads the stored progress; returns what the learner must be told about it (usually nothing). */
  open(): ProgressNotice[] {
    const raw = this.readRaw();
    if (raw !== null) {
      const parsed = parseStored(raw);
      this.doc = parsed.doc;
      if (parsed.problem) this.keepAside(raw, parsed.problem, parsed.badIds);
    }
    return [...this.notices];
  }

  get(id: string): ExerciseProgress | undefined {
    const entry = this.doc.exercises[id];
    return entry && structuredClone(entry);
  }

  ids(): string[] {
    return Object.keys(this.doc.exercises);
  }

  saveCode(id: string, code: string): void {
    this.update(id, (entry) => ({ ...entry, code }));
  }

  /** Records a finished run together with the code it ran. */
  saveRun(id: string, code: string, result: Omit<RunResult, 'at'>): void {
    this.update(id, (entry) => ({ ...entry, code, result: { ...result, at: this.now().toISOString() } }));
  }

  saveHintsRevealed(id: string, count: number): void {
    this.update(id, (entry) => ({ ...entry, hintsRevealed: Math.max(0, Math.floor(count)) }));
  }

  subscribe(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The whole progress as a JSON file a learner can keep or move to another browser. */
  exportProgress(): string {
    this.refresh();
    const file = { format: EXPORT_FORMAT, version: PROGRESS_VERSION, exportedAt: this.now().toISOString(), exercises: this.doc.exercises };
    return JSON.stringify(file, null, 2);
  }

  /**
   * Merges an exported file into the stored progress. Per exercise the more recently changed side
   * wins; hints revealed never go down. Throws, changing nothing, when the file is not an export.
   */
  importProgress(json: string): ImportReport {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new Error(`This file is not a progress export: it is not valid JSON (${(error as Error).message}). Nothing was imported.`);
    }
    const incoming = readDocument(parsed);
    if (typeof incoming === 'string') throw new Error(`This file is not a progress export: ${incoming} Nothing was imported.`);

    this.refresh();
    const report: ImportReport = { imported: [], keptLocal: [], skipped: incoming.badIds.map((id) => ({ id, reason: 'the entry is not in the expected shape' })), summary: '' };
    for (const [id, theirs] of Object.entries(incoming.doc.exercises)) {
      const ours = this.doc.exercises[id];
      if (ours && isNewer(ours, theirs)) {
        this.doc.exercises[id] = { ...ours, hintsRevealed: Math.max(ours.hintsRevealed, theirs.hintsRevealed) };
        report.keptLocal.push(id);
      } else {
        this.doc.exercises[id] = { ...theirs, hintsRevealed: Math.max(ours?.hintsRevealed ?? 0, theirs.hintsRevealed) };
        report.imported.push(id);
      }
    }
    this.write();
    report.summary = importSummary(report);
    for (const id of [...report.imported, ...report.keptLocal]) this.emit(id, 'import');
    return report;
  }

  private update(id: string, change: (entry: ExerciseProgress) => Omit<ExerciseProgress, 'updatedAt'>): void {
    this.refresh();
    const entry = this.doc.exercises[id] ?? { hintsRevealed: 0, updatedAt: '' };
    this.doc.exercises[id] = { ...change(entry), updatedAt: this.now().toISOString() };
    this.write();
    this.emit(id, 'local');
  }

  /** Picks up what other tabs saved since we last looked, so our write does not undo theirs. */
  private refresh(): void {
    if (!this.writable) return;
    const raw = this.readRaw();
    if (raw === null) return;
    const parsed = parseStored(raw);
    if (parsed.problem) {
      // Another tab (or an older copy of this site) wrote something we cannot read: keep it aside
      // and continue with what we had in memory.
      this.keepAside(raw, parsed.problem, parsed.badIds);
      if (parsed.problem === 'partly-unreadable') this.doc = mergeKeepingNewer(this.doc, parsed.doc);
      return;
    }
    this.doc = mergeKeepingNewer(this.doc, parsed.doc);
  }

  private write(): void {
    if (!this.writable) return;
    try {
      this.storage.setItem(PROGRESS_KEY, JSON.stringify(this.doc));
    } catch (error) {
      this.notify({
        kind: 'not-saved',
        message: `Your progress could not be saved in this browser (${(error as Error).message}). It is kept on this page until you leave; use Export to keep a copy.`,
      });
    }
  }

  private readRaw(): string | null {
    try {
      return this.storage.getItem(PROGRESS_KEY);
    } catch (error) {
      this.writable = false;
      this.notify({ kind: 'not-saved', message: `This browser does not let the workbook read or save progress (${(error as Error).message}). Work on this page is kept until you leave; use Export to keep a copy.` });
      return null;
    }
  }

  private keepAside(raw: string, kind: Exclude<ProgressNotice['kind'], 'not-saved'>, badIds: string[]): void {
    const backupKey = this.freeBackupKey();
    const what = {
      unreadable: 'Your saved progress could not be read',
      'newer-version': 'Your saved progress was written by a newer version of the workbook',
      'partly-unreadable': `Part of your saved progress could not be read (${badIds.join(', ')})`,
    }[kind];
    try {
      this.storage.setItem(backupKey, raw);
    } catch {
      // Without a backup, overwriting the key would lose the learner's data: stop writing to it.
      this.writable = false;
      this.notify({ kind, backup: raw, message: `${what}, and there was no room to keep a backup, so this page will not save over it. Download it, then clear some site data.` });
      return;
    }
    const fresh = kind === 'partly-unreadable' ? 'the rest was loaded' : 'the workbook started fresh';
    this.notify({ kind, backupKey, backup: raw, message: `${what}; it was kept as a backup (${backupKey}) and ${fresh}. Download it to keep it.` });
    this.write();
  }

  private freeBackupKey(): string {
    const base = BACKUP_KEY_PREFIX + this.now().toISOString();
    let key = base;
    for (let n = 2; this.storage.getItem(key) !== null; n++) key = `${base}-${n}`;
    return key;
  }

  private notify(notice: ProgressNotice): void {
    if (this.notices.some((n) => n.kind === notice.kind && n.message === notice.message)) return;
    this.notices.push(notice);
    for (const listener of this.noticeListeners) listener(notice);
  }

  /** Notices raised after `open()`, e.g. a save that failed because storage is full. */
  onNotice(listener: (notice: ProgressNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private emit(id: string, source: 'local' | 'import'): void {
    for (const listener of this.listeners) listener(id, source);
  }
}

function emptyDocument(): ProgressDocument {
  return { version: PROGRESS_VERSION, exercises: {} };
}

interface Parsed {
  doc: ProgressDocument;
  problem?: 'unreadable' | 'newer-version' | 'partly-unreadable';
  badIds: string[];
}

function parseStored(raw: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { doc: emptyDocument(), problem: 'unreadable', badIds: [] };
  }
  if (isRecord(value) && typeof value.version === 'number' && value.version > PROGRESS_VERSION) {
    return { doc: emptyDocument(), problem: 'newer-version', badIds: [] };
  }
  const result = readDocument(value);
  if (typeof result === 'string') return { doc: emptyDocument(), problem: 'unreadable', badIds: [] };
  return { doc: result.doc, problem: result.badIds.length > 0 ? 'partly-unreadable' : undefined, badIds: result.badIds };
}

/** Validates (and migrates) a stored document or an export; returns why not when it cannot. */
function readDocument(value: unknown): { doc: ProgressDocument; badIds: string[] } | string {
  if (!isRecord(value)) return 'it does not hold a JSON object.';
  let current: Record<string, unknown> = value;
  if (typeof current.version !== 'number') return 'it has no "version" number.';
  if (current.version > PROGRESS_VERSION) return `it was written by a newer version of the workbook (format ${current.version}; this one reads up to ${PROGRESS_VERSION}).`;
  while ((current.version as number) < PROGRESS_VERSION) {
    const migrate = MIGRATIONS[current.version as number];
    if (!migrate) return `its format version ${current.version} is not one this workbook can read.`;
    current = migrate(current);
  }
  if (!isRecord(current.exercises)) return 'it has no "exercises" object.';
  const doc = emptyDocument();
  const badIds: string[] = [];
  for (const [id, entry] of Object.entries(current.exercises)) {
    const read = readEntry(entry);
    if (id === '' || !read) badIds.push(id);
    else doc.exercises[id] = read;
  }
  return { doc, badIds };
}

function readEntry(value: unknown): ExerciseProgress | undefined {
  if (!isRecord(value)) return undefined;
  const { code, result, hintsRevealed = 0, updatedAt } = value;
  if (code !== undefined && typeof code !== 'string') return undefined;
  if (typeof hintsRevealed !== 'number' || !Number.isInteger(hintsRevealed) || hintsRevealed < 0) return undefined;
  if (typeof updatedAt !== 'string' || Number.isNaN(Date.parse(updatedAt))) return undefined;
  const entry: ExerciseProgress = { hintsRevealed, updatedAt };
  if (code !== undefined) entry.code = code;
  if (result !== undefined) {
    if (!isRecord(result) || !isCount(result.passed) || !isCount(result.failed) || typeof result.at !== 'string') return undefined;
    entry.result = { passed: result.passed, failed: result.failed, at: result.at };
  }
  return entry;
}

function mergeKeepingNewer(ours: ProgressDocument, theirs: ProgressDocument): ProgressDocument {
  const merged = emptyDocument();
  for (const id of new Set([...Object.keys(ours.exercises), ...Object.keys(theirs.exercises)])) {
    const a = ours.exercises[id];
    const b = theirs.exercises[id];
    merged.exercises[id] = !a ? b! : !b ? a : isNewer(a, b) ? a : b;
  }
  return merged;
}

function isNewer(a: ExerciseProgress, b: ExerciseProgress): boolean {
  return Date.parse(a.updatedAt) > Date.parse(b.updatedAt);
}

function importSummary(report: ImportReport): string {
  const exercises = (n: number) => `${n} exercise${n === 1 ? '' : 's'}`;
  const parts = [`Imported ${exercises(report.imported.length)}`];
  if (report.keptLocal.length > 0) parts.push(`kept ${exercises(report.keptLocal.length)} where this browser has newer work`);
  if (report.skipped.length > 0) parts.push(`skipped ${report.skipped.length} unreadable entr${report.skipped.length === 1 ? 'y' : 'ies'} (${report.skipped.map((s) => s.id).join(', ')})`);
  return `${parts.join('; ')}.`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
