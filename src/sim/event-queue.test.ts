import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventQueue } from './event-queue.ts';

test('events pop in time order, ties in scheduling order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
      const queue = new EventQueue();
      const fired: [number, number][] = [];
      times.forEach((time, index) => {
        queue.push(time, () => fired.push([time, index]));
      });
      for (let event = queue.pop(); event !== undefined; event = queue.pop()) event.fire();
      const expected = times.map((time, index): [number, number] => [time, index]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(fired, expected);
      assert.equal(queue.size, 0);
    }),
  );
});

test('peekTime shows the earliest pending time', () => {
  const queue = new EventQueue();
  assert.equal(queue.peekTime(), undefined);
  queue.push(7, () => undefined);
  queue.push(3, () => undefined);
  assert.equal(queue.peekTime(), 3);
  queue.clear();
  assert.equal(queue.size, 0);
});
