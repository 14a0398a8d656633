import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { protocol, recv, send, seq } from './builder.ts';
import { DefaultRunSetting } from './default-setting.ts';
import { MemoryTransport } from './memory-transport.ts';
import { randomImpl } from './random-impl.ts';
import { runSession } from './run-session.ts';

// A -> B: Offer(item: Catalog.Item) [flow_cost = 3]; B -> A: Ack;
const offer = protocol('Offer', {
  A: seq(send('B', 'Offer', { item: 'Catalog.Item' }, { annotations: { flow_cost: 3 } }), recv('B', 'Ack')),
  B: seq(recv('A', 'Offer', { item: 'Catalog.Item' }, { flow_cost: 3 }), send('A', 'Ack')),
});

test('a protocol with a named type and an annotation runs in the default setting, and the notes say what was stood in for', async () => {
  const setting = new DefaultRunSetting(offer);
  const random = new SeededRandom(1);
  const impls = { A: randomImpl(offer, 'A', random, setting.types), B: randomImpl(offer, 'B', random, setting.types) };
  const outcome = await runSession(offer, impls, new MemoryTransport(), {
    session: randomIdentifier('session', random),
    types: setting.types,
    extensions: setting.extensions,
  });
  assert.equal(outcome.status, 'ended');
  assert.deepEqual(setting.notes(), [
    'Catalog.Item has no codec here: its values run as opaque random bytes',
    'annotation flow_cost seen on 1 send(s): recorded, not enforced (the guard chain enforces it)',
  ]);
});

test('without the setting the same protocol is refused at start, naming what is missing', async () => {
  const random = new SeededRandom(1);
  assert.throws(() => randomImpl(offer, 'A', random), /Catalog\.Item/);
});
