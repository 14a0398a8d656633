import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Fifo } from './fifo.ts';

type Operation = { op: 'push'; value: number } | { op: 'shift' } | { op: 'remove'; value: number };

test('a Fifo behaves like an array used as a queue, through growth, wrap-around and removal (property)', () => {
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    fc.record({ op: fc.constant('push' as const), value: fc.nat({ max: 20 }) }),
    fc.record({ op: fc.constant('shift' as const) }),
    fc.record({ op: fc.constant('remove' as const), value: fc.nat({ max: 20 }) }),
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 80 }), (operations) => {
      const fifo = new Fifo<number>();
      const model: number[] = [];
      for (const step of operations) {
        if (step.op === 'push') {
          fifo.push(step.value);
          model.push(step.value);
        } else if (step.op === 'shift') {
          const head = fifo.peek();
          assert.equal(head, model[0]);
          if (head !== undefined) fifo.remove(head);
          model.shift();
        } else {
          const index = model.indexOf(step.value);
          assert.equal(fifo.remove(step.value), index >= 0);
          if (index >= 0) model.splice(index, 1);
        }
        assert.equal(fifo.size, model.length);
        assert.deepEqual(fifo.toArray(), model);
        assert.equal(fifo.find((value) => value > 10), model.find((value) => value > 10));
      }
    }),
  );
});
