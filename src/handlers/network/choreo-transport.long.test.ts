import './promise-with-resolvers.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from '../../core/random.ts';
import { SeededRandom } from '../random.ts';
import { introduce } from './network-device.ts';
import { startLoopbackDevice, waitUntil } from './testing.ts';

test('under repeated connection drops in both directions, every message arrives once and in order', async () => {
  const [a, b] = await Promise.all([startLoopbackDevice(), startLoopbackDevice()]);
  const random = new SeededRandom('long-drops');
  const atA: number[] = [];
  const atB: number[] = [];
  const number = (payload: Uint8Array): number => new DataView(payload.buffer, payload.byteOffset).getUint32(0);
  a.transport.onMessage((message) => atA.push(number(message.payload)));
  b.transport.onMessage((message) => atB.push(number(message.payload)));
  introduce(a, b);
  introduce(b, a);
  const total = 40_000;
  try {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const payload = new Uint8Array(200);
      new DataView(payload.buffer).setUint32(0, i);
      sends.push(a.transport.send(b.device, 'long', payload), b.transport.send(a.device, 'long', payload));
    }
    let drops = 0;
    while (atA.length < total || atB.length < total) {
      // Drop a connection once both directions made progress since the last drop, so the run
      // ends even on a loaded machine where setting up a connection is slow.
      const progress = atA.length + atB.length;
      await waitUntil(() => atA.length + atB.length > progress + 500 || (atA.length === total && atB.length === total), 'progress', 60_000);
      await new Promise((resolve) => setTimeout(resolve, randomInt(random, 50)));
      const [from, to] = randomInt(random, 2) === 0 ? [a, b] : [b, a];
      await from.node.hangUp(to.node.peerId).catch(() => undefined);
      drops++;
    }
    await Promise.all(sends);
    const expected = Array.from({ length: total }, (_, i) => i);
    assert.deepEqual(atA, expected);
    assert.deepEqual(atB, expected);
    assert.ok(drops > 3, `only ${drops} drops`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
