import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { FileKeyStore, nodeKeyStoreFiles } from './file-key-store.ts';
import { SeededRandom } from './random.ts';
import { inTemporaryDirectory } from '../../test/support/temporary-directory.ts';

const FAST = { logN: 10, r: 8, p: 1 };

test(
  'save then load returns the entries; a second save replaces them',
  inTemporaryDirectory('aura-keystore-', async (dir) => {
    const store = new FileKeyStore(join(dir, 'keys'), new SeededRandom('file-store'), { scrypt: FAST });
    await assert.rejects(store.load('pw'), (e) => isAuraError(e, 'keystore.not-found'));
    await store.save({ a: utf8('one') }, 'pw');
    assert.deepEqual(await store.load('pw'), { a: utf8('one') });
    await store.save({ a: utf8('two'), b: utf8('three') }, 'pw');
    assert.deepEqual(await store.load('pw'), { a: utf8('two'), b: utf8('three') });
    assert.deepEqual(readdirSync(dir), ['keys']);
    await assert.rejects(store.load('not pw'), (e) => isAuraError(e, 'keystore.wrong-passphrase'));
  }),
);

test(
  'a failed write leaves the old file intact and no temporary file behind',
  inTemporaryDirectory('aura-keystore-', async (dir) => {
    const path = join(dir, 'keys');
    const random = new SeededRandom('file-store-fail');
    await new FileKeyStore(path, random, { scrypt: FAST }).save({ a: utf8('old') }, 'pw');
    const before = readFileSync(path);
    const failing = new FileKeyStore(path, random, {
      scrypt: FAST,
      files: {
        ...nodeKeyStoreFiles,
        rename: () => Promise.reject(new Error('disk full')),
      },
    });
    await assert.rejects(failing.save({ a: utf8('new') }, 'pw'), (e) => isAuraError(e, 'keystore.write-failed'));
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ['keys']);
    assert.deepEqual(await new FileKeyStore(path, random).load('pw'), { a: utf8('old') });
  }),
);

test(
  'a directory that cannot be flushed after the rename is keystore.sync-failed, with the new file in place',
  inTemporaryDirectory('aura-keystore-', async (dir) => {
    const path = join(dir, 'keys');
    const random = new SeededRandom('file-store-sync');
    await new FileKeyStore(path, random, { scrypt: FAST }).save({ a: utf8('old') }, 'pw');
    const unsynced = new FileKeyStore(path, random, { scrypt: FAST, files: { ...nodeKeyStoreFiles, syncDirectory: () => Promise.reject(new Error('I/O error')) } });
    await assert.rejects(unsynced.save({ a: utf8('new') }, 'pw'), (e) => isAuraError(e, 'keystore.sync-failed') && e.message.includes('I/O error'));
    assert.deepEqual(readdirSync(dir), ['keys']);
    assert.deepEqual(await new FileKeyStore(path, random).load('pw'), { a: utf8('new') });
  }),
);
