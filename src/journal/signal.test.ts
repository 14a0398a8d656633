import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Signal } from './signal.ts';

test('several updates in one turn reach a subscriber as one emission of the latest value', async () => {
  const signal = new Signal(0);
  const seen: number[] = [];
  signal.subscribe((value) => seen.push(value));
  signal.set(1);
  signal.set(2);
  signal.set(3);
  assert.deepEqual(seen, []);
  await Promise.resolve();
  assert.deepEqual(seen, [3]);
});

test('an update that ends where it started emits nothing', async () => {
  const signal = new Signal('a');
  const seen: string[] = [];
  signal.subscribe((value) => seen.push(value));
  signal.set('b');
  signal.set('a');
  await Promise.resolve();
  assert.deepEqual(seen, []);
});

test('flush delivers at once, and an unsubscribed listener hears nothing more', () => {
  const signal = new Signal(0);
  const seen: number[] = [];
  const stop = signal.subscribe((value) => seen.push(value));
  signal.set(5);
  signal.flush();
  assert.deepEqual(seen, [5]);
  stop();
  signal.set(6);
  signal.flush();
  assert.deepEqual(seen, [5]);
  assert.equal(signal.value, 6);
});

test('a custom equality decides what counts as a change', () => {
  const signal = new Signal({ n: 1 }, (a, b) => a.n === b.n);
  const seen: number[] = [];
  signal.subscribe((value) => seen.push(value.n));
  signal.set({ n: 1 });
  signal.flush();
  signal.set({ n: 2 });
  signal.flush();
  assert.deepEqual(seen, [2]);
});
