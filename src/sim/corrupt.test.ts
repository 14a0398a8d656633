import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeededRandom } from '../handlers/random.ts';
import { corruptPayload } from './corrupt.ts';
import { RandomDraws } from './draws.ts';

test('corruption changes the payload and never the original', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.record({ a: fc.integer(), b: fc.uint8Array({ minLength: 1 }) }, { noNullPrototype: true })), fc.nat(), (payload, seed) => {
      const before = structuredClone(payload);
      const corrupted = corruptPayload(payload, new RandomDraws(new SeededRandom(seed)));
      assert.deepEqual(payload, before);
      assert.notDeepEqual(corrupted, payload);
    }),
  );
});
