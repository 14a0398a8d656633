import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../../src/core/errors.ts';
import { BytesMemoryTransport } from '../../src/runtime/index.ts';
import { mapReduce } from './map-reduce.ts';

const TEXT = 'the quick brown fox jumps over the lazy dog the end';

test('map-reduce: any number of workers count the words together, and each pays its flow cost', async () => {
  for (const n of [1, 2, 3, 5]) {
    const { counts, spent } = await mapReduce(TEXT, n);
    assert.deepEqual(counts, { the: 3, quick: 1, brown: 1, fox: 1, jumps: 1, over: 1, lazy: 1, dog: 1, end: 1 });
    assert.deepEqual(Object.values(spent), Array.from({ length: n }, () => 2));
  }
  assert.equal((await mapReduce(TEXT, 3, 2, { transport: new BytesMemoryTransport() })).counts.the, 3);
});

test('map-reduce: a worker over its flow budget is refused before sending, and the session aborts for all', async () => {
  await assert.rejects(mapReduce(TEXT, 2, 1), (error: unknown) => isAuraError(error) && /would spend 2 flow units of 1/.test(error.message));
});
