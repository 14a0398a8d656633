import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { Scheduler } from './scheduler.ts';
import { Simulation } from './simulation.ts';

test('events fire in time order and the clock jumps to each', async () => {
  const scheduler = new Scheduler();
  const seen: number[] = [];
  for (const time of [30, 10, 20]) scheduler.at(time, () => seen.push(scheduler.now));
  assert.equal(await scheduler.run({ until: Infinity, maxEvents: 100 }), 'idle');
  assert.deepEqual(seen, [10, 20, 30]);
});

test('limits stop a run: virtual time, event count, or the between-events check', async () => {
  const make = (): Scheduler => {
    const scheduler = new Scheduler();
    const tick = (): void => {
      scheduler.after(1, tick);
    };
    scheduler.at(0, tick);
    return scheduler;
  };
  const timed = make();
  assert.equal(await timed.run({ until: 50, maxEvents: 1000 }), 'time-limit');
  assert.equal(timed.now, 50);
  assert.equal(await make().run({ until: Infinity, maxEvents: 10 }), 'event-limit');
  const stopped = make();
  assert.equal(await stopped.run({ until: Infinity, maxEvents: 1000, between: () => stopped.now >= 7 }), 'stopped');
  assert.equal(stopped.now, 7);
});

test('a woken node runs through its awaits to its next wait before the next event fires', async () => {
  const sim = new Simulation({ seed: 1 });
  const order: string[] = [];
  sim.addNode('A', async (node) => {
    await node.sleep(10);
    for (let i = 0; i < 50; i++) await Promise.resolve();
    await node.effects.storage.put('k', new Uint8Array([1]));
    order.push(`A at ${node.now}`);
  });
  // Scheduled at t=5, after A's wake-up at t=10 was: it fires right after that wake-up.
  sim.at(5, () => {
    sim.at(10, () => order.push('event at 10'));
  });
  await sim.run();
  assert.deepEqual(order, ['A at 10', 'event at 10']);
});

test('a node blocked on something outside the simulator is named, not waited for forever', async () => {
  const sim = new Simulation({ seed: 1 });
  sim.addNode('Stuck', async () => {
    await new Promise(() => undefined);
  });
  await assert.rejects(sim.run(), (error: unknown) => isAuraError(error, 'sim.foreign-await') && /node Stuck/.test(error.message));
});
