import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { encodeCanonical } from './canonical.ts';
import { contentId, contentIdFromBytes, contentIdOfBytes, hashAlgorithmOfId, parseContentId, verifyContentId } from './content-id.ts';
import { isAuraError } from './errors.ts';
import { digest } from './hash.ts';

const fact = { typeId: 'device.added', schemaVersion: 1, payload: { device: 'device-x', key: new Uint8Array(32) } };

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isAuraError(error, code));
}

test('a content id is BLAKE3-256 of the canonical encoding by default', () => {
  const id = contentId(fact);
  assert.equal(id.version, 1);
  assert.equal(id.code, 0x71);
  assert.equal(id.multihash.code, 0x1e);
  assert.deepEqual(id.multihash.digest, digest(encodeCanonical(fact), 'blake3-256'));
  assert.equal(hashAlgorithmOfId(id), 'blake3-256');
});

test('SHA-256 content ids name their algorithm and verify', () => {
  const id = contentId(fact, 'sha2-256');
  assert.equal(id.multihash.code, 0x12);
  verifyContentId(id, encodeCanonical(fact));
  assert.notEqual(id.toString(), contentId(fact).toString());
});

test('content ids are stable across key order', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string()), { noNullPrototype: true }), (record) => {
      const shuffled = Object.fromEntries(Object.entries(record).reverse());
      assert.equal(contentId(shuffled).toString(), contentId(record).toString());
    }),
  );
});

test('text and binary forms parse back to the same id', () => {
  const id = contentId(fact);
  assert.ok(parseContentId(id.toString()).equals(id));
  assert.ok(contentIdFromBytes(id.bytes).equals(id));
  assert.ok(contentIdOfBytes(encodeCanonical(fact)).equals(id));
});

test('bytes that do not match their id are rejected', () => {
  const id = contentId(fact);
  const other = encodeCanonical({ ...fact, schemaVersion: 2 });
  assertCode(() => { verifyContentId(id, other); }, 'cid.mismatch');
});

test('an unknown multihash code is rejected with its code named', () => {
  const sha512 = CID.createV1(0x71, Digest.create(0x13, new Uint8Array(64)));
  assert.throws(() => parseContentId(sha512.toString()), (error: unknown) => isAuraError(error, 'cid.unknown-hash') && /0x13/.test(error.message));
});

test('malformed CIDs, other codecs and CIDv0 are rejected', () => {
  assertCode(() => parseContentId('not-a-cid'), 'cid.malformed');
  assertCode(() => contentIdFromBytes(new Uint8Array([1, 0x71, 0x1e])), 'cid.malformed');
  const raw = CID.createV1(0x55, Digest.create(0x1e, new Uint8Array(32)));
  assertCode(() => parseContentId(raw.toString()), 'cid.malformed');
  const short = CID.createV1(0x71, Digest.create(0x1e, new Uint8Array(16)));
  assertCode(() => parseContentId(short.toString()), 'cid.malformed');
});
