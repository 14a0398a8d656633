import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { NodeRandom } from '../handlers/random.ts';
import { BackgroundClock } from './background-clock.ts';
import { DeviceAgent, type AgentEvent } from './device-agent.ts';
import type { OpenDevice } from './device-dir.ts';
import { sharedTestAuthority } from './testing.ts';

const random = new NodeRandom();
const time = new BackgroundClock();
const shared = sharedTestAuthority(3, 2, random);

test('devices sign together over libp2p; with too few online the error names who is missing', async () => {
  const events: AgentEvent[] = [];
  const [first, second, third] = shared.devices as [OpenDevice, OpenDevice, OpenDevice];
  const initiator = await DeviceAgent.start({ device: first, random, time, listen: ['/ip4/127.0.0.1/tcp/0'], events: (e) => events.push(e) });
  const helpers = await Promise.all([second, third].map((device) => DeviceAgent.start({ device, random, time })));
  try {
    await initiator.connect(10_000);
    assert.equal(initiator.onlineMembers().length, 2);
    const message = utf8('pay 5 to carol');
    const signed = await initiator.sign(message);
    assert.ok(verifyStrict(shared.authority.groupKey, message, signed.signature));
    // The first two that answer sign (2 of 3), the asking device always among them; the fact records it.
    assert.equal(signed.signers.length, 2);
    assert.equal(signed.signers[0]?.name, 'device-1');
    assert.ok(events.some((e) => e.event === 'round' && e.label === 'SigShare'));
    const issued = await first.journal.get(signed.fact);
    assert.ok(issued !== undefined);
    assert.equal(issued.fact.typeId, 'signature.issued');
    assert.deepEqual((issued.fact.payload as { signers: string[] }).signers, signed.signers.map((m) => m.device));

    await Promise.all(helpers.map((h) => h.stop()));
    const deadline = Date.now() + 10_000;
    while (initiator.onlineMembers().length > 0 && Date.now() < deadline) await time.sleep(50);
    await assert.rejects(initiator.sign(message), (e) => isAuraError(e, 'agent.too-few-online') && /missing: device-2 .*device-3/.test(e.message));
  } finally {
    await Promise.all([initiator, ...helpers].map((a) => a.stop()));
  }
});
