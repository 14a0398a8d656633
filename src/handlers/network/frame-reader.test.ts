import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat } from '../../core/bytes.ts';
import { encodeFrame, LENGTH_PREFIX_BYTES } from './frame.ts';
import { FrameReader } from './frame-reader.ts';

function dataFrame(seq: number, size: number): Uint8Array {
  return encodeFrame({ type: 'data', seq, channel: 'c', payload: new Uint8Array(size).fill(seq) });
}

test('frames come out whole and in order however the stream is cut', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(200), { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (sizes, cuts) => {
      const frames = sizes.map((size, i) => dataFrame(i + 1, size));
      const stream = concat(...frames);
      const reader = new FrameReader(1024);
      const out: Uint8Array[] = [];
      let offset = 0;
      for (let i = 0; offset < stream.length; i++) {
        const end = Math.min(stream.length, offset + cuts[i % cuts.length]!); // modulo keeps the index in range
        out.push(...reader.push(stream.subarray(offset, end)));
        offset = end;
      }
      reader.finish();
      assert.deepEqual(
        out.map((b) => [...b]),
        frames.map((f) => [...f.subarray(LENGTH_PREFIX_BYTES)]),
      );
    }),
  );
});

test('an oversized frame is refused from its length prefix alone', () => {
  const reader = new FrameReader(100);
  const prefix = new Uint8Array([0, 0, 0, 101]);
  assert.throws(() => reader.push(prefix), (error: unknown) => (error as { code?: string }).code === 'network.frame-oversized' && /101 bytes exceeds the limit of 100/.test(String(error)));
});

test('a zero length prefix is malformed', () => {
  assert.throws(() => new FrameReader(100).push(new Uint8Array(4)), /empty body/);
});

test('a stream ending inside a frame is truncated', () => {
  const reader = new FrameReader(100);
  const frame = dataFrame(1, 10);
  assert.deepEqual(reader.push(frame.subarray(0, 7)), []);
  assert.equal(reader.bufferedBytes, 7);
  assert.throws(() => { reader.finish(); }, (error: unknown) => (error as { code?: string }).code === 'network.frame-truncated');
});
