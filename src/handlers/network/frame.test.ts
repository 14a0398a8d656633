import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../../core/errors.ts';
import { identifierFromBytes } from '../../core/identifiers.ts';
import { decodeFrameBody, encodeFrame, LENGTH_PREFIX_BYTES, type Frame } from './frame.ts';

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const frameArbitrary: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), link: bytes16, device: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => identifierFromBytes('device', b)) }),
  fc.record({ type: fc.constant('welcome' as const), incarnation: bytes16, delivered: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) }),
  fc.record({
    type: fc.constant('data' as const),
    seq,
    channel: fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
    payload: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({ type: fc.constant('ack' as const), seq }),
  fc.constantFrom<Frame>({ type: 'ping' }, { type: 'pong' }),
);

function body(wire: Uint8Array): Uint8Array {
  return wire.subarray(LENGTH_PREFIX_BYTES);
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isAuraError(error), `not an AuraError: ${String(error)}`);
    return error.code;
  }
  return 'no error';
}

test('every frame decodes to itself, and its prefix is its body length', () => {
  fc.assert(
    fc.property(frameArbitrary, (frame) => {
      const wire = encodeFrame(frame);
      assert.equal(new DataView(wire.buffer).getUint32(0), wire.length - LENGTH_PREFIX_BYTES);
      assert.deepEqual(decodeFrameBody(body(wire)), { ...frame }); // fast-check records have no prototype
    }),
  );
});

test('a DATA frame has the documented layout', () => {
  const wire = encodeFrame({ type: 'data', seq: 258, channel: 'ab', payload: new Uint8Array([7]) });
  assert.deepEqual([...wire], [0, 0, 0, 13, 0x03, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0x61, 0x62, 7]);
});

test('garbage never crashes the decoder: it decodes or fails with network.frame-malformed', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (garbage) => {
      const code = codeOf(() => decodeFrameBody(garbage));
      assert.ok(code === 'no error' || code === 'network.frame-malformed', code);
    }),
  );
});

test('malformed bodies are refused with a reason', () => {
  const hello = body(encodeFrame({ type: 'hello', link: new Uint8Array(16), device: identifierFromBytes('device', new Uint8Array(32)) }));
  assert.equal(codeOf(() => decodeFrameBody(hello.subarray(0, hello.length - 1))), 'network.frame-malformed');
  const otherVersion = hello.slice();
  otherVersion[1] = 9;
  assert.throws(() => decodeFrameBody(otherVersion), /version 9/);
  assert.throws(() => decodeFrameBody(new Uint8Array([0x7f])), /unknown frame type 0x7f/);
  assert.throws(() => decodeFrameBody(new Uint8Array([0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /exceeds 2\^53/);
  assert.throws(() => decodeFrameBody(new Uint8Array([0x03, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x61])), /seq 0/);
  assert.throws(() => decodeFrameBody(new Uint8Array([0x03, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0x61])), /channel length 5/);
  assert.throws(() => decodeFrameBody(new Uint8Array([0x03, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0xff])), /not valid UTF-8/);
  assert.throws(() => decodeFrameBody(new Uint8Array([0x05, 0])), /PING frame has 1 bytes/);
});

test('a channel name must have 1 to 255 UTF-8 bytes', () => {
  assert.equal(codeOf(() => encodeFrame({ type: 'data', seq: 1, channel: '', payload: new Uint8Array() })), 'network.bad-channel');
  assert.equal(codeOf(() => encodeFrame({ type: 'data', seq: 1, channel: 'é'.repeat(128), payload: new Uint8Array() })), 'network.bad-channel');
});

test('a u64 field decodes to its exact value up to 2^53 - 1 and is refused above, at every bit width', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.nat(63), (value, shift) => {
      const shifted = (value >> BigInt(shift)) & (2n ** 64n - 1n);
      const ack = new Uint8Array(9);
      ack[0] = 0x04;
      new DataView(ack.buffer).setBigUint64(1, shifted);
      if (shifted <= BigInt(Number.MAX_SAFE_INTEGER)) assert.deepEqual(decodeFrameBody(ack), { type: 'ack', seq: Number(shifted) });
      else assert.throws(() => decodeFrameBody(ack), new RegExp(`ACK seq ${shifted} exceeds 2\\^53`));
    }),
  );
});

test('channel names decode the same whatever frame came before, valid UTF-8 or not', () => {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const channelBytes = fc.oneof(fc.constantFrom([0x61], [0x61, 0x62], [0xc3, 0xa9], [0xc3], [0xff], [0x61, 0xff]), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }));
  fc.assert(
    fc.property(fc.array(channelBytes, { minLength: 1, maxLength: 12 }), (channels) => {
      for (const channel of channels) {
        const frame = Uint8Array.from([0x03, 0, 0, 0, 0, 0, 0, 0, 1, channel.length, ...channel, 9]);
        let expected: string | null;
        try {
          expected = strict.decode(Uint8Array.from(channel));
        } catch {
          expected = null;
        }
        if (expected === null) assert.throws(() => decodeFrameBody(frame), /not valid UTF-8/);
        else assert.deepEqual(decodeFrameBody(frame), { type: 'data', seq: 1, channel: expected, payload: new Uint8Array([9]) });
      }
    }),
  );
});
