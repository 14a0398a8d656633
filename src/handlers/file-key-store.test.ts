import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
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

for (const [step, code, kept] of [
  ['rename', 'keystore.write-failed', 'old'],
  ['syncDirectory', 'keystore.sync-failed', 'new'],
] as const) {
  test(
    `a failure at ${step} is ${code}, leaves the ${kept} file in place and no temporary file behind`,
    inTemporaryDirectory('aura-keystore-', async (dir) => {
      const path = join(dir, 'keys');
      const random = new SeededRandom(`file-store-${step}`);
      await new FileKeyStore(path, random, { scrypt: FAST }).save({ a: utf8('old') }, 'pw');
      const failing = new FileKeyStore(path, random, { scrypt: FAST, files: { ...nodeKeyStoreFiles, [step]: () => Promise.reject(new Error('disk full')) } });
      await assert.rejects(failing.save({ a: utf8('new') }, 'pw'), (e) => isAuraError(e, code) && e.message.includes('disk full'));
      assert.deepEqual(readdirSync(dir), ['keys']);
      assert.deepEqual(await new FileKeyStore(path, random).load('pw'), { a: utf8(kept) });
    }),
  );
}
