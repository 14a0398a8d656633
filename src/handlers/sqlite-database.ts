/**
 * Opening Aura's SQLite database (`better-sqlite3`): WAL journal, synchronous commits, the schema,
 * a format-version check and an integrity check on open. The fact store and the key-value storage
 * handler share one database file.
 *
 * Durability: in WAL mode a transaction is committed once its frames are written to the WAL. With
 * `synchronous = NORMAL` (the default, `durability: 'normal'`) the WAL is fsynced only when it is
 * checkpointed into the database: the file is never corrupted, and an acknowledged write survives
 * a killed or crashed process (its frames are in the operating system's file cache), but an
 * operating-system crash or power loss may roll back the transactions committed since the last
 * checkpoint (whole transactions, never part of one). `synchronous = FULL` (`durability: 'full'`)
 * also fsyncs the WAL at every commit, so an acknowledged write survives power loss too, at the
 * cost of one fsync per transaction. `docs/journal.md` ("Durability modes") says why `normal` is
 * the default.
 *
 * Store layout (`PRAGMA user_version = 2`):
 *
 * ```sql
 * CREATE TABLE namespaces (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
 * CREATE TABLE facts (seq INTEGER PRIMARY KEY, cid TEXT NOT NULL, cid_prefix INTEGER NOT NULL,
 *                     namespace INTEGER NOT NULL REFERENCES namespaces(id),
 *                     type_id TEXT NOT NULL, bytes BLOB NOT NULL);
 * CREATE INDEX facts_by_cid_prefix ON facts(cid_prefix);
 * CREATE INDEX facts_by_namespace_type ON facts(namespace, type_id);
 * CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
 * CREATE TABLE store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
 * CREATE TABLE views (namespace INTEGER NOT NULL REFERENCES namespaces(id), name TEXT NOT NULL,
 *                     position INTEGER NOT NULL, state BLOB NOT NULL,
 *                     PRIMARY KEY (namespace, name)) WITHOUT ROWID;
 * ```
 *
 * `views` holds view checkpoints (`FactStore.saveCheckpoint`): a reducer's encoded state and the
 * `seq` it covers. It was added within format 2 (created on open when missing; older code ignores
 * it), so the structural check does not require it.
 *
 * `store_state.clean_shutdown` is 0 while a connection is open and 1 after a clean close: the
 * open path runs a cheap structural check after a clean shutdown and SQLite's `quick_check` after
 * any other (`docs/journal.md`, "The open path", says why that catches what matters).
 *
 * `cid_prefix` is the first 6 bytes of the CID's digest as an integer. Facts are found by it and
 * then by the full `cid`: a short integer index stays small, where a unique index over random
 * 59-character CIDs rewrites so many pages per batch that ingest runs at a quarter of the speed.
 * `seq` keeps insertion order, so scans read the table front to back.
 *
 * @module
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AuraError, systemError, transientError } from '../core/errors.ts';

/** The database handle type. */
export type SqliteDatabase = Database.Database;

/** The store format this code reads and writes (2 added `store_state`; format 1 files are upgraded). */
export const STORE_FORMAT_VERSION = 2;

/** WAL pages (4 KiB each) after which a commit checkpoints the WAL into the database. */
const WAL_CHECKPOINT_PAGES = 10_000;

/** How to open the database. */
export interface SqliteOptions {
  /** `normal` (default): fsync at checkpoints; `full`: fsync every commit (see the module comment). */
  readonly durability?: 'full' | 'normal';
  /**
   * Integrity check on open. `auto` (default): the structural check always, plus SQLite's
   * `quick_check` when the last shutdown was not clean; `quick`: `quick_check` always; `full`:
   * `integrity_check` always; `none`.
   */
  readonly check?: 'auto' | 'quick' | 'full' | 'none';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS namespaces (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS facts (
  seq INTEGER PRIMARY KEY,
  cid TEXT NOT NULL,
  cid_prefix INTEGER NOT NULL,
  namespace INTEGER NOT NULL REFERENCES namespaces(id),
  type_id TEXT NOT NULL,
  bytes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_by_cid_prefix ON facts(cid_prefix);
CREATE INDEX IF NOT EXISTS facts_by_namespace_type ON facts(namespace, type_id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS views (
  namespace INTEGER NOT NULL REFERENCES namespaces(id),
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  state BLOB NOT NULL,
  PRIMARY KEY (namespace, name)
) WITHOUT ROWID;
`;

/** The tables and indexes the structural check expects to find in the schema. */
const EXPECTED_OBJECTS = ['namespaces', 'facts', 'facts_by_cid_prefix', 'facts_by_namespace_type', 'kv', 'store_state'];

/**
 * Opens (creating if needed) the database at `path` and marks it open (not cleanly shut down)
 * until {@link closeSqliteDatabase}. Errors: `store.corrupt` (not a database, or the integrity
 * check fails), `store.unsupported-version` (written by a newer format), `store.busy` (transient:
 * another process holds a lock), `store.failed`.
 */
export function openSqliteDatabase(path: string, options: SqliteOptions = {}): SqliteDatabase {
  return sqliteCall(path, () => {
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma('cache_size = -65536');
      // Reads map the file instead of copying each page through read(): scans of a large journal
      // (the cold-start rebuild) spend most of their time there. Writes still go through the WAL.
      db.pragma('mmap_size = 4294967296');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      // Checkpoint every ~40 MB of WAL instead of every 4 MB: a batch's random CID-index pages are
      // then copied into the file (and fsynced) once per many commits instead of after each one.
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > STORE_FORMAT_VERSION) {
        throw systemError('store.unsupported-version', `${path} is in store format ${version}; this version of Aura reads format ${STORE_FORMAT_VERSION}`, { context: { path, version } });
      }
      checkOnOpen(db, path, options.check ?? 'auto');
      db.exec(SCHEMA);
      db.pragma(`user_version = ${STORE_FORMAT_VERSION}`);
      setCleanShutdown(db, false);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

/** Marks the database cleanly shut down and closes it (the next open may skip `quick_check`). */
export function closeSqliteDatabase(db: SqliteDatabase, path: string): void {
  if (!db.open) return;
  sqliteCall(path, () => {
    try {
      setCleanShutdown(db, true);
    } finally {
      db.close();
    }
  });
}

function setCleanShutdown(db: SqliteDatabase, clean: boolean): void {
  db.prepare("INSERT INTO store_state (key, value) VALUES ('clean_shutdown', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(clean ? 1 : 0);
}

/** True when the last connection to close marked the database clean and nothing was written since. */
function lastShutdownClean(db: SqliteDatabase, path: string): boolean {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'store_state'").get();
  if (table === undefined) return false;
  const clean = db.prepare("SELECT value FROM store_state WHERE key = 'clean_shutdown'").pluck().get();
  // A clean close checkpoints the WAL into the file; frames left in it mean someone wrote since.
  return clean === 1 && fileSize(`${path}-wal`) === 0;
}

function checkOnOpen(db: SqliteDatabase, path: string, check: 'auto' | 'quick' | 'full' | 'none'): void {
  if (check === 'none') return;
  const problems = check === 'auto' && lastShutdownClean(db, path) ? structuralProblems(db, path) : integrityProblems(db, check === 'full' ? 'full' : 'quick');
  if (problems.length > 0) throw systemError('store.corrupt', `${path} failed its integrity check: ${problems.slice(0, 3).join('; ')}`, { context: { path } });
}

/**
 * The cheap check run after a clean shutdown: the file is exactly as long as SQLite's header says
 * (no truncation or tail garbage), the schema parses and holds every table and index, and the
 * last row of the fact table and of each index can be read (their right-most b-tree paths).
 */
export function structuralProblems(db: SqliteDatabase, path: string): string[] {
  const problems: string[] = [];
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  const size = fileSize(path);
  if (size !== pageSize * pageCount) problems.push(`the file has ${size} bytes but its header describes ${pageCount} pages of ${pageSize} bytes`);
  const names = new Set(db.prepare<[], string>('SELECT name FROM sqlite_schema').pluck().all());
  const missing = EXPECTED_OBJECTS.filter((name) => !names.has(name));
  if (missing.length > 0) problems.push(`the schema lacks ${missing.join(', ')}`);
  else {
    // One aggregate per statement, so SQLite answers each from the right edge of one b-tree.
    db.prepare('SELECT max(seq) FROM facts').get();
    db.prepare('SELECT max(cid_prefix) FROM facts').get();
    db.prepare('SELECT namespace, type_id FROM facts ORDER BY namespace DESC, type_id DESC LIMIT 1').get();
  }
  return problems;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** SQLite's own integrity check: the problems it lists (none when the file is sound). */
export function integrityProblems(db: SqliteDatabase, check: 'quick' | 'full'): string[] {
  const rows = db.pragma(check === 'quick' ? 'quick_check' : 'integrity_check', { simple: false }) as Record<string, string>[];
  return rows.map((row) => Object.values(row)[0] ?? '').filter((message) => message !== 'ok');
}

/** Runs `operation`, turning SQLite's errors into {@link AuraError}s that name `path`. */
export function sqliteCall<T>(path: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof AuraError) throw error;
    const code = (error as { code?: unknown }).code;
    const message = `${path}: ${(error as Error).message}`;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw systemError('store.corrupt', message, { cause: error, context: { path } });
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw transientError('store.busy', message, { cause: error, context: { path } });
    throw systemError('store.failed', message, { cause: error, context: { path, code: typeof code === 'string' ? code : undefined } });
  }
}
