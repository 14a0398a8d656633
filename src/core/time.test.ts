import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from './errors.ts';
import { compareTimeStamps, orderTime, physicalTime, timeRange, type TimeStamp } from './time.ts';

const invalid = (error: unknown): boolean => isAuraError(error, 'time.invalid');

test('physical stamps compare by milliseconds', () => {
  assert.equal(compareTimeStamps(physicalTime(1), physicalTime(2)), 'before');
  assert.equal(compareTimeStamps(physicalTime(2, 5), physicalTime(2)), 'equal');
});

test('order tokens compare as bytes and must be 32 bytes', () => {
  const low = orderTime(new Uint8Array(32));
  const high = orderTime(new Uint8Array(32).fill(1));
  assert.equal(compareTimeStamps(low, high), 'before');
  assert.equal(compareTimeStamps(high, low), 'after');
  assert.throws(() => orderTime(new Uint8Array(31)), invalid);
});

test('logical stamps compare causally', () => {
  const a: TimeStamp = { kind: 'logical', lamport: 3, vector: { x: 2, y: 1 } };
  const b: TimeStamp = { kind: 'logical', lamport: 3, vector: { x: 1, y: 2 } };
  assert.equal(compareTimeStamps(a, b), 'concurrent');
});

test('ranges are ordered only when they do not overlap', () => {
  assert.equal(compareTimeStamps(timeRange(0, 10), timeRange(11, 20)), 'before');
  assert.equal(compareTimeStamps(timeRange(11, 20), timeRange(0, 10)), 'after');
  assert.equal(compareTimeStamps(timeRange(0, 10), timeRange(5, 20)), 'incomparable');
  assert.throws(() => timeRange(5, 4), invalid);
});

test('stamps of different kinds are incomparable', () => {
  assert.equal(compareTimeStamps(physicalTime(1), timeRange(0, 2)), 'incomparable');
  assert.equal(compareTimeStamps(orderTime(new Uint8Array(32)), physicalTime(0)), 'incomparable');
});

test('negative, infinite or NaN physical times are refused', () => {
  for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => physicalTime(ms), invalid);
  assert.throws(() => physicalTime(1, -1), invalid);
});
