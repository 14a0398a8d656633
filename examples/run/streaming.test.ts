import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesMemoryTransport } from '../../src/runtime/index.ts';
import { streaming } from './streaming.ts';

test('streaming: the consumer stores every chunk in order, for any number of loop rounds (0 to 1,000)', async () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
  for (const [chunkSize, rounds] of [[1000, 1], [64, 16], [1, 1000]] as const) {
    const result = await streaming('numbers', data, chunkSize);
    assert.deepEqual(result.stored, data);
    assert.deepEqual([result.chunks, result.total], [rounds, 1000]);
  }
  const empty = await streaming('nothing', new Uint8Array(0), 8, { transport: new BytesMemoryTransport() });
  assert.deepEqual([empty.stored.length, empty.chunks, empty.total], [0, 0, 0]);
});
