/**
 * The {@link StorageEffects} handler on SQLite: a key-value table in the same database as the
 * fact store (see `sqlite-database.ts`), every write a transaction, `batch` atomic across crashes.
 *
 * @module
 */
import type { StorageEffects, StorageWrite } from '../core/effects.ts';
import type Database from 'better-sqlite3';
import { closeSqliteDatabase, openSqliteDatabase, sqliteCall, type SqliteDatabase, type SqliteOptions } from './sqlite-database.ts';

/** Durable key-value storage in SQLite. */
export class SqliteStorage implements StorageEffects {
  private readonly statements;
  private readonly applyWrites: Database.Transaction<(writes: readonly StorageWrite[]) => void>;

  /** Opens (or creates) the database at `path`. */
  static open(path: string, options?: SqliteOptions): SqliteStorage {
    return new SqliteStorage(openSqliteDatabase(path, options), path);
  }

  /** Storage over an already opened database. */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly path: string,
  ) {
    this.statements = {
      get: db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck(),
      put: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      delete: db.prepare('DELETE FROM kv WHERE key = ?'),
      from: db.prepare<[string], string>('SELECT key FROM kv WHERE key >= ? ORDER BY key').pluck(),
    };
    this.applyWrites = db.transaction((writes: readonly StorageWrite[]) => {
      for (const { key, value } of writes) {
        if (value === undefined) this.statements.delete.run(key);
        else this.statements.put.run(key, value);
      }
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = sqliteCall(this.path, () => this.statements.get.get(key));
    return value === undefined ? undefined : new Uint8Array(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    sqliteCall(this.path, () => {
      this.statements.put.run(key, value);
    });
  }

  async delete(key: string): Promise<boolean> {
    return sqliteCall(this.path, () => this.statements.delete.run(key).changes > 0);
  }

  async list(prefix: string): Promise<string[]> {
    return sqliteCall(this.path, () => {
      const keys: string[] = [];
      for (const key of this.statements.from.iterate(prefix)) {
        if (!key.startsWith(prefix)) break;
        keys.push(key);
      }
      return keys;
    });
  }

  async batch(writes: readonly StorageWrite[]): Promise<void> {
    sqliteCall(this.path, () => {
      this.applyWrites.immediate(writes);
    });
  }

  /** Closes the database. */
  close(): void {
    closeSqliteDatabase(this.db, this.path);
  }
}
