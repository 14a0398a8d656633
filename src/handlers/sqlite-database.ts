/**
 * Opening Aura's SQLite database (`better-sqlite3`): WAL journal, synchronous commits, the schema,
 * a format-version check and an integrity check on open. The fact store and the key-value storage
 * handler share one database file.
 *
 * Durability: in WAL mode a transaction is committed once its frames are in the WAL; with
 * `synchronous = FULL` (the default here) the WAL is fsynced at every commit, so an acknowledged
 * write survives both a killed process and a power cut. `NORMAL` fsyncs only at checkpoints: an
 * acknowledged write still survives a killed process (it is in the OS's file cache), but the last
 * commits may be lost on power failure.
 *
 * Store layout (`PRAGMA user_version = 1`):
 *
 * ```sql
 * CREATE TABLE namespaces (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
 * CREATE TABLE facts (seq INTEGER PRIMARY KEY, cid TEXT NOT NULL, cid_prefix INTEGER NOT NULL,
 *                     namespace INTEGER NOT NULL REFERENCES namespaces(id),
 *                     type_id TEXT NOT NULL, bytes BLOB NOT NULL);
 * CREATE INDEX facts_by_cid_prefix ON facts(cid_prefix);
 * CREATE INDEX facts_by_namespace_type ON facts(namespace, type_id);
 * CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
 * ```
 *
 * `cid_prefix` is the first 6 bytes of the CID's digest as an integer. Facts are found by it and
 * then by the full `cid`: a short integer index stays small, where a unique index over random
 * 59-character CIDs rewrites so many pages per batch that ingest runs at a quarter of the speed.
 * `seq` keeps insertion order, so scans read the table front to back.
 *
 * @module
 */
import Database from 'better-sqlite3';
import { AuraError, systemError, transientError } from '../core/errors.ts';

/** The database handle type. */
export type SqliteDatabase = Database.Database;

/** The store format this code reads and writes. */
export const STORE_FORMAT_VERSION = 1;

/** How to open the database. */
export interface SqliteOptions {
  /** `full` (default): fsync every commit; `normal`: fsync at checkpoints (see the module comment). */
  readonly durability?: 'full' | 'normal';
  /** Integrity check on open: `quick` (default, `PRAGMA quick_check`), `full` (`integrity_check`) or `none`. */
  readonly check?: 'quick' | 'full' | 'none';
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
`;

/**
 * Opens (creating if needed) the database at `path`. Errors: `store.corrupt` (not a database, or
 * the integrity check fails), `store.unsupported-version` (written by a newer format),
 * `store.busy` (transient: another process holds a lock), `store.failed`.
 */
export function openSqliteDatabase(path: string, options: SqliteOptions = {}): SqliteDatabase {
  return sqliteCall(path, () => {
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma('cache_size = -65536');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
      checkOnOpen(db, path, options.check ?? 'quick');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > STORE_FORMAT_VERSION) {
        throw systemError('store.unsupported-version', `${path} is in store format ${version}; this version of Aura reads format ${STORE_FORMAT_VERSION}`, { context: { path, version } });
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${STORE_FORMAT_VERSION}`);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

function checkOnOpen(db: SqliteDatabase, path: string, check: 'quick' | 'full' | 'none'): void {
  if (check === 'none') return;
  const problems = integrityProblems(db, check);
  if (problems.length > 0) throw systemError('store.corrupt', `${path} failed its integrity check: ${problems.slice(0, 3).join('; ')}`, { context: { path } });
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
