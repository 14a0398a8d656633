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

/** File operations whose writes wait until `release` is called, with a promise of the first write's start. */
function gatedFiles(): { readonly files: typeof nodeKeyStoreFiles; readonly firstWrite: Promise<void>; readonly release: () => void } {
  let release!: () => void; // assigned by the Promise constructor, synchronously
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void; // likewise
  const firstWrite = new Promise<void>((resolve) => (started = resolve));
  const files = {
    ...nodeKeyStoreFiles,
    writeDurably: async (path: string, data: Uint8Array | string) => {
      started();
      await gate;
      await nodeKeyStoreFiles.writeDurably(path, data);
    },
  };
  return { files, firstWrite, release };
}

test(
  'two updates started together, through two stores of one file, each adding an entry: both entries are kept',
  inTemporaryDirectory('aura-keystore-', async (dir) => {
    const path = join(dir, 'keys');
    const random = new SeededRandom('file-store-queue');
    await new FileKeyStore(path, random, { scrypt: FAST }).save({ base: utf8('kept') }, 'pw');
    const { files, firstWrite, release } = gatedFiles();
    const [one, two] = [new FileKeyStore(path, random, { scrypt: FAST, files }), new FileKeyStore(join(dir, '.', 'keys'), random, { scrypt: FAST, files })];
    // Both start now; unserialized, both would read the file before either writes (the writes wait for the gate).
    const both = Promise.all([one.update('pw', (entries) => ({ ...entries, a: utf8('one') })), two.update('pw', (entries) => ({ ...entries, b: utf8('two') }))]);
    await firstWrite;
    release();
    const [afterOne, afterTwo] = await both;
    assert.deepEqual(afterOne, { base: utf8('kept'), a: utf8('one') });
    assert.deepEqual(afterTwo, { base: utf8('kept'), a: utf8('one'), b: utf8('two') });
    assert.deepEqual(await one.load('pw'), afterTwo);
  }),
);

test(
  'an update that throws or fails to write writes nothing and does not stop the next; one that changes nothing leaves the store as it is',
  inTemporaryDirectory('aura-keystore-', async (dir) => {
    const path = join(dir, 'keys');
    const random = new SeededRandom('file-store-update');
    const store = new FileKeyStore(path, random, { scrypt: FAST });
    assert.equal(await store.update('pw', () => undefined), undefined);
    assert.deepEqual(readdirSync(dir), []);
    const failing = new FileKeyStore(path, random, { scrypt: FAST, files: { ...nodeKeyStoreFiles, rename: () => Promise.reject(new Error('disk full')) } });
    const results = await Promise.allSettled([
      store.update('pw', (entries) => ({ ...entries, a: utf8('one') })),
      store.update('pw', () => {
        throw new Error('changed my mind');
      }),
      failing.update('pw', (entries) => ({ ...entries, lost: utf8('never') })),
      store.update('pw', (entries) => ({ ...entries, b: utf8('two') })),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    assert.ok(results[2].status === 'rejected' && isAuraError(results[2].reason, 'keystore.write-failed'));
    assert.deepEqual(await store.update('pw', () => undefined), { a: utf8('one'), b: utf8('two') });
    await assert.rejects(store.update('not pw', () => ({})), (e) => isAuraError(e, 'keystore.wrong-passphrase'));
    assert.deepEqual(await store.load('pw'), { a: utf8('one'), b: utf8('two') });
  }),
);
