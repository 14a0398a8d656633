import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { concat, utf8 } from './bytes.ts';
import { KeyDeriver, KeyedHasher, TaggedHasher, taggedBytes, taggedDigest, taggedHasher } from './hash.ts';

const bytes = fc.uint8Array({ maxLength: 300 });

test('taggedDigest is BLAKE3 of the framed bytes u16be(len(tag)) ‖ tag ‖ data', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), bytes, (tag, data) => {
      assert.deepEqual(taggedDigest(tag, data), blake3(taggedBytes(tag, data)));
    }),
  );
});

test('a tagged hasher digests its fixed prefix followed by the parts, as if joined', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.array(bytes, { maxLength: 3 }), fc.array(bytes, { maxLength: 4 }), (tag, prefix, parts) => {
      const hasher = TaggedHasher.of(tag).extend(...prefix);
      assert.deepEqual(hasher.digest(...parts), taggedDigest(tag, concat(...prefix, ...parts)));
    }),
  );
});

test('tagged hashers are immutable: digests in any order do not disturb each other', () => {
  const session = taggedHasher('aura.test.v1.a').extend(new Uint8Array(100).fill(7));
  const other = taggedHasher('aura.test.v1.b');
  const first = session.digest(new Uint8Array([1]));
  other.digest(new Uint8Array(2000).fill(9));
  assert.deepEqual(session.digest(new Uint8Array([1])), first);
  assert.deepEqual(first, taggedDigest('aura.test.v1.a', concat(new Uint8Array(100).fill(7), new Uint8Array([1]))));
  assert.notDeepEqual(session.digest(new Uint8Array([2])), first);
});

test('the SHA-256 tagged digest frames the tag the same way', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), bytes, (tag, data) => {
      assert.deepEqual(taggedDigest(tag, data, 'sha2-256'), new Uint8Array(createHash('sha256').update(taggedBytes(tag, data)).digest()));
    }),
  );
});

test('a keyed hasher is BLAKE3 keyed mode over the parts, as if joined', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(bytes, { maxLength: 4 }), (key, parts) => {
      assert.deepEqual(KeyedHasher.of(key).digest(...parts), blake3(concat(...parts), { key }));
    }),
  );
  assert.throws(() => KeyedHasher.of(new Uint8Array(31)));
});

test('a key deriver is BLAKE3 derive-key mode, and a longer output extends a shorter one', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.array(bytes, { maxLength: 4 }), fc.integer({ min: 1, max: 200 }), (context, parts, length) => {
      const derived = KeyDeriver.of(context).derive(length, ...parts);
      assert.deepEqual(derived, blake3(concat(...parts), { context: utf8(context), dkLen: length }));
      assert.deepEqual(KeyDeriver.of(context).derive(length + 64, ...parts).subarray(0, length), derived);
    }),
  );
});

test('prepared hashers of every mode share the scratch hasher without disturbing each other', () => {
  const keyed = KeyedHasher.of(new Uint8Array(32).fill(1));
  const deriver = KeyDeriver.of('aura.test.v1.derive');
  const tagged = taggedHasher('aura.test.v1.a');
  const first = [keyed.digest(new Uint8Array(64)), deriver.derive(64, new Uint8Array(70)), tagged.digest(new Uint8Array(3))];
  const again = [keyed.digest(new Uint8Array(64)), deriver.derive(64, new Uint8Array(70)), tagged.digest(new Uint8Array(3))];
  assert.deepEqual(again, first);
});
