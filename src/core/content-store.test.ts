import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCanonical } from './canonical.ts';
import { contentId } from './content-id.ts';
import { MemoryContentStore } from './content-store.ts';
import { fromHex } from './bytes.ts';
import { isAuraError } from './errors.ts';

test('put returns the content id and get returns the same bytes', async () => {
  const store = new MemoryContentStore();
  const bytes = encodeCanonical({ hello: 'world' });
  const id = await store.put(bytes);
  assert.ok(id.equals(contentId({ hello: 'world' })));
  assert.equal(await store.has(id), true);
  assert.deepEqual(await store.get(id), bytes);
});

test('a missing block reads as undefined', async () => {
  const store = new MemoryContentStore();
  const id = contentId('absent');
  assert.equal(await store.has(id), false);
  assert.equal(await store.get(id), undefined);
});

test('non-canonical bytes are refused on put', async () => {
  const store = new MemoryContentStore();
  await assert.rejects(store.put(fromHex('a2616201616102')), (error: unknown) => isAuraError(error, 'cbor.non-canonical'));
});

test('a block corrupted underneath the store is caught on read', async () => {
  const blocks = new Map<string, Uint8Array>();
  const store = new MemoryContentStore('blake3-256', blocks);
  const id = await store.put(encodeCanonical({ n: 1 }));
  blocks.set(id.toString(), encodeCanonical({ n: 2 }));
  await assert.rejects(store.get(id), (error: unknown) => isAuraError(error, 'cid.mismatch'));
});

test('stored blocks are copies: mutating the input or output does not change the store', async () => {
  const store = new MemoryContentStore();
  const bytes = encodeCanonical([1, 2, 3]);
  const id = await store.put(bytes);
  bytes[1] = 9;
  const read = await store.get(id);
  assert.ok(read);
  read[1] = 9;
  assert.deepEqual(await store.get(id), encodeCanonical([1, 2, 3]));
});
