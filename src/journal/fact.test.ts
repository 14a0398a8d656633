import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCanonical } from '../core/canonical.ts';
import { contentId } from '../core/content-id.ts';
import { bytesEqual, fromHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { attestationTranscript, verifyAttestation } from './attestation.ts';
import { decodeFact, factRecord, unsignedPart } from './fact.ts';
import { TestAuthority } from './testing.ts';

const random = new SeededRandom('fact-test');
const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
const alice = new TestAuthority(crypto, random.fork('alice'));

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isAuraError(error, code), `expected ${code}`);
}

test('a fact is named by the CID of its canonical encoding and decodes back to itself', () => {
  const record = alice.groupSigned(alice.draft('counter.add', { counter: 'messages', amount: 3 }));
  assert.ok(record.id.equals(contentId(record.fact)));
  const decoded = decodeFact(record.bytes, record.id);
  assert.deepEqual(decoded.fact, record.fact);
  assert.equal(decoded.key, record.key);
});

test('bytes that do not match the CID they came under are rejected', () => {
  const a = alice.groupSigned(alice.draft('counter.add', { counter: 'a', amount: 1 }));
  const b = alice.groupSigned(alice.draft('counter.add', { counter: 'b', amount: 1 }));
  assertCode(() => decodeFact(b.bytes, a.id), 'cid.mismatch');
});

test('a non-canonical encoding of a fact is rejected', () => {
  // The same map with two keys swapped: valid CBOR, same value, not canonical.
  const bytes = encodeCanonical({ b: 1, a: 2 });
  assert.deepEqual(bytes, fromHex('a2616102616201'));
  assertCode(() => decodeFact(fromHex('a2616201616102')), 'cbor.non-canonical');
});

test('values that are not facts are rejected, naming the field', () => {
  const good = alice.groupSigned(alice.draft('counter.add', { counter: 'a', amount: 1 })).fact;
  const cases: [unknown, RegExp][] = [
    [{ ...good, typeId: 7 }, /fact\.typeId/],
    [{ ...good, extra: 1 }, /unexpected field "extra"/],
    [{ ...good, metadata: { namespace: 'device-x' } }, /fact\.metadata\.namespace/],
    [{ ...good, attestation: { kind: 'device', device: alice.firstDevice, signature: new Uint8Array(63) } }, /expected 64 bytes, got 63/],
    [{ ...good, attestation: { kind: 'magic' } }, /fact\.attestation\.kind/],
    [{ ...good, metadata: { ...good.metadata, nonce: new Uint8Array(33) } }, /longer than 32 bytes/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => decodeFact(encodeCanonical(value)), (error: unknown) => isAuraError(error, 'fact.malformed') && message.test(error.message));
  }
});

test('the threshold transcript is the domain tag then the canonical unsigned fact with its signer', () => {
  const draft = alice.draft('counter.add', { counter: 'a', amount: 1 });
  const transcript = attestationTranscript('threshold', alice.authority, unsignedPart(draft));
  const tag = 'aura.journal.fact.v1.threshold';
  assert.equal((transcript[0]! << 8) | transcript[1]!, tag.length);
  assert.equal(new TextDecoder().decode(transcript.subarray(2, 2 + tag.length)), tag);
  assert.ok(bytesEqual(transcript.subarray(2 + tag.length), encodeCanonical({ ...unsignedPart(draft), signer: alice.authority })));
});

test('a device signature cannot be passed off as a group signature, nor moved to another fact', () => {
  const keys = alice.keys();
  const signed = alice.deviceSigned(alice.draft('counter.add', { counter: 'a', amount: 1 }));
  verifyAttestation(crypto, keys, signed.fact.attestation, unsignedPart(signed.fact));
  assert.equal(signed.fact.attestation.kind, 'device');
  const stolen = { kind: 'threshold' as const, authority: alice.authority, signature: signed.fact.attestation.signature };
  assertCode(() => { verifyAttestation(crypto, keys, stolen, unsignedPart(signed.fact)); }, 'fact.bad-signature');
  const other = alice.draft('counter.add', { counter: 'a', amount: 2 });
  assertCode(() => { verifyAttestation(crypto, keys, signed.fact.attestation, unsignedPart(other)); }, 'fact.bad-signature');
});

test('a signer whose key is unknown is rejected', () => {
  const bob = new TestAuthority(crypto, random.fork('bob'));
  const record = bob.groupSigned(bob.draft('counter.add', { counter: 'a', amount: 1 }));
  assertCode(() => { verifyAttestation(crypto, alice.keys(), record.fact.attestation, unsignedPart(record.fact)); }, 'fact.unknown-signer');
});

test('facts identical but for the nonce are different facts', () => {
  const a = factRecord(alice.local(alice.draft('counter.add', { counter: 'a', amount: 1 })).fact);
  const b = factRecord(alice.local(alice.draft('counter.add', { counter: 'a', amount: 1 })).fact);
  assert.notEqual(a.key, b.key);
});
