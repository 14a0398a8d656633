/**
 * Tests of the open path (`sqlite-database.ts`): the structural check after a clean shutdown, the
 * full `quick_check` after an unclean one, and what each catches.
 *
 * @module
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sampleFacts } from '../../test/fact-store-contract.ts';
import { isAuraError } from '../core/errors.ts';
import { closeSqliteDatabase, openSqliteDatabase, structuralProblems } from './sqlite-database.ts';
import { SqliteFactStore } from './sqlite-fact-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'aura-sqlite-open-'));
let files = 0;
const freshPath = (): string => join(dir, `store-${files++}.db`);
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

/** A store of `count` facts, closed cleanly. */
async function cleanStore(count: number): Promise<string> {
  const path = freshPath();
  const store = SqliteFactStore.open(path);
  await store.put(sampleFacts(count));
  await store.close();
  return path;
}

const cleanFlag = (path: string): unknown => {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare("SELECT value FROM store_state WHERE key = 'clean_shutdown'").pluck().get();
  } finally {
    raw.close();
  }
};

/** Scribbles over one page in the middle of the file (a b-tree page the structural check does not read). */
function damageMiddlePage(path: string): void {
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16);
  for (let i = 2 * pageSize + 8; i < 3 * pageSize; i += 7) bytes[i] = 0xa5;
  writeFileSync(path, bytes);
}

test('an open store is marked not cleanly shut down until it is closed', async () => {
  const path = freshPath();
  const store = SqliteFactStore.open(path);
  await store.put(sampleFacts(3));
  assert.equal(cleanFlag(path), 0);
  await store.close();
  assert.equal(cleanFlag(path), 1);
  const raw = new Database(path, { readonly: true });
  assert.deepEqual(structuralProblems(raw, path), []);
  raw.close();
});

test('after an unclean shutdown, opening runs quick_check and refuses damaged pages', async () => {
  const path = await cleanStore(300);
  const db = openSqliteDatabase(path);
  db.close(); // as if the process died: the flag stays "open"
  damageMiddlePage(path);
  assert.throws(() => SqliteFactStore.open(path), (error: unknown) => isAuraError(error, 'store.corrupt'));
});

test('after a clean shutdown the cheap check is used: it misses a damaged inner page that quick_check (check: quick) finds', async () => {
  const path = await cleanStore(300);
  damageMiddlePage(path);
  const store = SqliteFactStore.open(path);
  await store.close();
  assert.throws(() => SqliteFactStore.open(path, { check: 'quick' }), (error: unknown) => isAuraError(error, 'store.corrupt'));
});

test('after a clean shutdown the structural check still refuses a truncated file', async () => {
  const path = await cleanStore(300);
  const size = readFileSync(path).length;
  truncateSync(path, size - 4096);
  assert.throws(() => SqliteFactStore.open(path), (error: unknown) => isAuraError(error, 'store.corrupt'));
});

test('a format 1 store (no shutdown flag) is checked with quick_check and upgraded', async () => {
  const path = await cleanStore(5);
  const raw = new Database(path);
  raw.exec('DROP TABLE store_state');
  raw.pragma('user_version = 1');
  raw.close();
  const db = openSqliteDatabase(path);
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  closeSqliteDatabase(db, path);
  assert.equal(cleanFlag(path), 1);
});
