import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { baseMul, decodePoint, decodeScalar, encodePoint, encodeScalar, Fn } from './group.ts';
import { compareParticipants, deviceParticipantId, parseParticipantId, participantId, participantScalar, participantSet } from './participant.ts';
import { vectorCopies } from './fixtures/vectors.ts';
import { identifierFromBytes } from '../core/identifiers.ts';
import { ed25519_FROST } from '@noble/curves/ed25519.js';

interface Samples {
  readonly identifier: string;
  readonly element1: string;
  readonly element2: string;
  readonly scalar1: string;
}

for (const { source, data } of vectorCopies('samples.json')) {
  test(`serialization samples ${source}: B, 2B, 1/3 and identifier 42 encode as published`, () => {
    const samples = data as Samples;
    assert.equal(toHex(encodePoint(baseMul(1n))), samples.element1);
    assert.equal(toHex(encodePoint(baseMul(2n))), samples.element2);
    assert.equal(toHex(encodeScalar(Fn.inv(3n))), samples.scalar1);
    assert.equal(participantId(42), samples.identifier);
    assert.equal(toHex(encodePoint(decodePoint(fromHex(samples.element2)))), samples.element2);
  });
}

for (const { source, data } of vectorCopies('elements.json')) {
  test(`invalid element ${source}: a point outside the prime-order subgroup is rejected`, () => {
    const invalid = fromHex((data as { elements: { invalid_element: string } }).elements.invalid_element);
    assert.throws(() => decodePoint(invalid), (e) => isAuraError(e, 'crypto.point.not-in-subgroup'));
  });
}

test('malformed points are typed errors', () => {
  assert.throws(() => decodePoint(new Uint8Array(31)), (e) => isAuraError(e, 'crypto.point.bad-length'));
  assert.throws(() => decodePoint(fromHex('0100000000000000000000000000000000000000000000000000000000000000')), (e) => isAuraError(e, 'crypto.point.identity'));
  // y = 2 is not the y-coordinate of any curve point.
  assert.throws(() => decodePoint(fromHex('0200000000000000000000000000000000000000000000000000000000000000')), (e) => isAuraError(e, 'crypto.point.malformed'));
  // y = p (non-canonical encoding of y = 0).
  assert.throws(() => decodePoint(fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')), (e) => isAuraError(e, 'crypto.point.malformed'));
});

test('scalars decode only below L and only at 32 bytes', () => {
  assert.throws(() => decodeScalar(encodeScalarRaw(Fn.ORDER)), (e) => isAuraError(e, 'crypto.scalar.out-of-range'));
  assert.throws(() => decodeScalar(new Uint8Array(33)), (e) => isAuraError(e, 'crypto.scalar.bad-length'));
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: Fn.ORDER - 1n }), (s) => {
      assert.equal(decodeScalar(encodeScalar(s)), s);
    }),
  );
});

test('identifiers are scalars: large values work, 0, L and malformed text are refused', () => {
  const big = participantId(Fn.ORDER - 1n);
  assert.equal(participantScalar(big), Fn.ORDER - 1n);
  assert.equal(participantId(256), '0001' + '0'.repeat(60));
  assert.throws(() => participantId(0), (e) => isAuraError(e, 'crypto.participant.zero'));
  assert.throws(() => participantId(Fn.ORDER), (e) => isAuraError(e, 'crypto.participant.out-of-range'));
  assert.throws(() => parseParticipantId('01'), (e) => isAuraError(e, 'crypto.participant.malformed'));
  assert.throws(() => parseParticipantId('0'.repeat(64)), (e) => isAuraError(e, 'crypto.participant.zero'));
  assert.throws(() => participantSet([participantId(1), participantId(1)]), (e) => isAuraError(e, 'crypto.participant.duplicate'));
  assert.deepEqual(participantSet([participantId(256), participantId(2)]), [participantId(2), participantId(256)]);
  assert.ok(compareParticipants(participantId(2), participantId(256)) < 0);
});

test('identifiers order by scalar value, whatever their digits', () => {
  const scalar = fc.bigInt({ min: 1n, max: Fn.ORDER - 1n });
  fc.assert(
    fc.property(scalar, scalar, (x, y) => {
      assert.equal(compareParticipants(participantId(x), participantId(y)), x < y ? -1 : x > y ? 1 : 0);
    }),
  );
});

test('a parsed identifier is refused again when malformed, however often a valid one was parsed', () => {
  const valid = participantId(0xab);
  for (let i = 0; i < 3; i++) assert.equal(parseParticipantId(valid), valid);
  assert.throws(() => parseParticipantId(valid.toUpperCase()), (e) => isAuraError(e, 'crypto.participant.malformed'));
  const order = toHex(encodeScalarRaw(Fn.ORDER));
  for (let i = 0; i < 2; i++) assert.throws(() => parseParticipantId(order), (e) => isAuraError(e, 'crypto.scalar.out-of-range'));
});

test('a device identifier derives like frost-rs Identifier::derive', () => {
  const device = identifierFromBytes('device', new Uint8Array(32).fill(5));
  assert.equal(deviceParticipantId(device), ed25519_FROST.Identifier.derive(device));
});

function encodeScalarRaw(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}
