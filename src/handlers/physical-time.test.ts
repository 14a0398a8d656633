import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, WallClock } from './physical-time.ts';

test('a manual clock stands still until advanced', () => {
  const clock = new ManualClock(1000);
  assert.equal(clock.now().ms, 1000);
  clock.advance(250);
  assert.equal(clock.now().ms, 1250);
});

test('sleepers wake in deadline order once the clock reaches them', async () => {
  const clock = new ManualClock();
  const woke: string[] = [];
  const sleeps = [
    clock.sleep(30).then(() => woke.push('30')),
    clock.sleep(10).then(() => woke.push('10a')),
    clock.sleep(10).then(() => woke.push('10b')),
    clock.sleep(50).then(() => woke.push('50')),
  ];
  clock.advance(29);
  await Promise.resolve();
  assert.deepEqual(woke, ['10a', '10b']);
  clock.advance(1);
  await Promise.all(sleeps.slice(0, 3));
  assert.deepEqual(woke, ['10a', '10b', '30']);
  assert.equal(clock.pendingSleepers, 1);
});

test('a manual clock refuses to move backwards', () => {
  assert.throws(() => { new ManualClock().advance(-1); });
});

test('the wall clock reads the machine time', () => {
  const before = Date.now();
  const now = new WallClock().now().ms;
  assert.ok(now >= before && now <= Date.now());
});
