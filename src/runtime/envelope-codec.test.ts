import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as dagCbor from '@ipld/dag-cbor';
import { encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { identifierFromBytes } from '../core/identifiers.ts';
import { decodeFrame, encodeFrame } from './envelope-codec.ts';
import type { Envelope, Frame } from './frame.ts';

const session = identifierFromBytes('session', new Uint8Array(32).fill(7));
const envelope: Envelope = { kind: 'message', session, protocol: 'bafy-protocol', from: 'Alice', to: 'Bob', seq: 3, label: 'Ping', choice: ['more'], payload: { n: 5 } };

const name = fc.string({ minLength: 1, maxLength: 12 });
const payload = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string(), fc.uint8Array({ maxLength: 16 }), fc.array(fc.integer(), { maxLength: 4 }), fc.dictionary(name, fc.string(), { maxKeys: 4, noNullPrototype: true }));
const frames: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    kind: fc.constant('message' as const),
    session: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => identifierFromBytes('session', bytes)),
    protocol: name,
    from: name,
    to: name,
    seq: fc.nat(),
    label: name,
    choice: fc.option(fc.array(name, { minLength: 1, maxLength: 3 }), { nil: null }),
    payload,
  }, { noNullPrototype: true }),
  fc.record({ kind: fc.constant('abort' as const), session: fc.constant(session), protocol: name, from: name, to: name, code: name, reason: fc.string() }, { noNullPrototype: true }),
);

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isAuraError(error, code));
}

test('every frame survives encoding and decoding unchanged', () => {
  fc.assert(
    fc.property(frames, (frame) => {
      assert.deepEqual(decodeFrame(encodeFrame(frame)), frame);
    }),
  );
});

test('the encoding is canonical DAG-CBOR with the documented keys', () => {
  const bytes = encodeFrame(envelope);
  assert.deepEqual(dagCbor.decode(bytes), { v: 1, kind: 'message', session, protocol: 'bafy-protocol', from: 'Alice', to: 'Bob', seq: 3, label: 'Ping', choice: ['more'], payload: { n: 5 } });
  assert.deepEqual(bytes, encodeCanonical(dagCbor.decode(bytes)));
  assert.equal('choice' in dagCbor.decode<object>(encodeFrame({ ...envelope, choice: null })), false);
});

test('garbage, truncated and non-canonical bytes are refused with typed errors', () => {
  const bytes = encodeFrame(envelope);
  assertCode(() => decodeFrame(bytes.subarray(0, bytes.length - 3)), 'cbor.truncated');
  assertCode(() => decodeFrame(new Uint8Array([0xff, 0x00, 0x13])), 'cbor.malformed');
  // The same map with its keys in insertion order instead of canonical order.
  const unsorted = new Uint8Array([0xa2, 0x61, 0x76, 0x01, 0x61, 0x61, 0x01]);
  assertCode(() => decodeFrame(unsorted), 'cbor.non-canonical');
});

test('frames of the wrong shape are envelope.malformed, naming what is wrong', () => {
  const wire = dagCbor.decode<Record<string, unknown>>(encodeFrame(envelope));
  const cases: [Record<string, unknown> | unknown[], RegExp][] = [
    [[1, 2], /is a map/],
    [{ ...wire, v: 2 }, /version number 2/],
    [{ ...wire, kind: 'hello' }, /unknown frame kind/],
    [{ ...wire, extra: 1 }, /unknown extra/],
    [Object.fromEntries(Object.entries(wire).filter(([key]) => key !== 'seq')), /missing seq/],
    [{ ...wire, seq: -1 }, /seq must be/],
    [{ ...wire, session: 'session-x' }, /session/],
    [{ ...wire, label: '' }, /label must be/],
    [{ ...wire, choice: [] }, /choice must be/],
    [{ ...wire, from: 'x'.repeat(300) }, /^malformed envelope: from must be/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => decodeFrame(encodeCanonical(value)), (error: unknown) => isAuraError(error, 'envelope.malformed') && message.test(error.message), String(message));
  }
});

test('frames over the size limit are refused both ways', () => {
  const big: Envelope = { ...envelope, payload: new Uint8Array(2000) };
  assertCode(() => encodeFrame(big, { maxFrameBytes: 1000 }), 'envelope.too-large');
  assertCode(() => decodeFrame(encodeFrame(big), { maxFrameBytes: 1000 }), 'envelope.too-large');
});

test('a session id is checked on every frame, however often a valid one was seen before', () => {
  // The canonical spelling of the session, then spellings that differ from it in one character:
  // whether each decodes must not depend on what was decoded before.
  const wire = dagCbor.decode<Record<string, unknown>>(encodeFrame(envelope));
  const spellings = fc.constantFrom(session, `${session.slice(0, -1)}9`, `${session.slice(0, -1)}${session.endsWith('a') ? 'b' : 'a'}`, session.toUpperCase(), `x${session}`);
  const accepted = (text: string): boolean => {
    try {
      return decodeFrame(encodeCanonical({ ...wire, session: text })).session === text;
    } catch (error) {
      if (isAuraError(error, 'envelope.malformed')) return false;
      throw error;
    }
  };
  const verdicts = new Map<string, boolean>();
  fc.assert(
    fc.property(fc.array(spellings, { minLength: 1, maxLength: 20 }), (texts) => {
      for (const text of texts) {
        const verdict = accepted(text);
        assert.equal(verdict, verdicts.get(text) ?? verdict, text);
        verdicts.set(text, verdict);
      }
    }),
  );
  assert.equal(verdicts.get(session), true);
  for (const bad of [`${session.slice(0, -1)}9`, session.toUpperCase(), `x${session}`]) assert.equal(verdicts.get(bad) ?? false, false, bad);
});
