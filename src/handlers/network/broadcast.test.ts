import './promise-with-resolvers.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../../core/bytes.ts';
import { isAuraError } from '../../core/errors.ts';
import type { Announcement } from './broadcast.ts';
import { introduce } from './network-device.ts';
import { startLoopbackDevice, waitUntil } from './testing.ts';

const devices = await Promise.all([startLoopbackDevice(), startLoopbackDevice(), startLoopbackDevice()]);
after(() => Promise.all(devices.map((device) => device.stop())));

test('an announcement on a topic reaches every subscriber, with its sender device', async () => {
  const [a, b, c] = devices;
  introduce(a, b, c);
  await a.node.dial(b.addresses()[0]!); // each listens on one address
  await a.node.dial(c.addresses()[0]!);
  const heard: Announcement[] = [];
  for (const device of [a, b, c]) device.broadcast.subscribe('aura/test/1', (announcement) => heard.push(announcement));
  // Gossipsub learns subscriptions asynchronously: publish until both peers have it.
  await waitUntil(() => a.node.services.pubsub.getSubscribers('aura/test/1').length === 2, 'both subscriptions to reach A');
  assert.equal(await a.broadcast.publish('aura/test/1', utf8('hello')), 2);
  await waitUntil(() => heard.length === 2, 'both subscribers to hear it');
  assert.deepEqual(heard.map((h) => h.from).sort(), [a.device, a.device]);
  assert.deepEqual(heard.map((h) => new TextDecoder().decode(h.data)), ['hello', 'hello']);
});

test('bad topics and oversized announcements are refused', async () => {
  const [a] = devices;
  await assert.rejects(a.broadcast.publish('', new Uint8Array(1)), (error: unknown) => isAuraError(error, 'network.bad-topic'));
  await assert.rejects(a.broadcast.publish('t', new Uint8Array(70_000)), (error: unknown) => isAuraError(error, 'network.announcement-too-large'));
});
