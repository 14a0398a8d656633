import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../core/bytes.ts';
import type { StorageEffects } from '../core/effects.ts';
import { MemoryStorage } from './memory-storage.ts';
import { SqliteStorage } from './sqlite-storage.ts';

const dir = mkdtempSync(join(tmpdir(), 'aura-sqlite-kv-'));
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

function storageContract(name: string, open: () => StorageEffects): void {
  test(`${name}: put, get, delete and prefix listing in key order`, async () => {
    const storage = open();
    await storage.put('b/2', utf8('two'));
    await storage.put('a/1', utf8('one'));
    await storage.put('b/1', utf8('uno'));
    await storage.put('b/1', utf8('one'));
    assert.deepEqual(await storage.get('b/1'), utf8('one'));
    assert.equal(await storage.get('nothing'), undefined);
    assert.deepEqual(await storage.list('b/'), ['b/1', 'b/2']);
    assert.deepEqual(await storage.list(''), ['a/1', 'b/1', 'b/2']);
    assert.equal(await storage.delete('b/2'), true);
    assert.equal(await storage.delete('b/2'), false);
    assert.deepEqual(await storage.list('b/'), ['b/1']);
  });

  test(`${name}: a batch writes and deletes together`, async () => {
    const storage = open();
    await storage.put('x', utf8('old'));
    await storage.batch([{ key: 'x', value: undefined }, { key: 'y', value: utf8('new') }]);
    assert.equal(await storage.get('x'), undefined);
    assert.deepEqual(await storage.get('y'), utf8('new'));
  });
}

storageContract('memory storage', () => new MemoryStorage());
let count = 0;
storageContract('sqlite storage', () => SqliteStorage.open(join(dir, `kv-${count++}.db`)));

test('sqlite storage keeps its values across reopening', async () => {
  const path = join(dir, 'persist.db');
  const first = SqliteStorage.open(path);
  await first.batch([{ key: 'k', value: utf8('v') }]);
  first.close();
  const second = SqliteStorage.open(path);
  assert.deepEqual(await second.get('k'), utf8('v'));
  second.close();
});
