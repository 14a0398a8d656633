import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex } from '../core/bytes.ts';
import { participantId, participantIdBytes } from './participant.ts';

test('participantIdBytes gives the SerializeScalar bytes, a fresh copy each time', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (value) => {
      const id = participantId(value);
      const bytes = participantIdBytes(id);
      assert.deepEqual(bytes, fromHex(id));
      bytes.fill(0);
      assert.deepEqual(participantIdBytes(id), fromHex(id));
    }),
    { numRuns: 50 },
  );
});
