import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual } from '../core/bytes.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { thresholdAttestation } from '../journal/attestation.ts';
import { sealFact } from '../journal/fact.ts';
import { NodeRandom } from '../handlers/random.ts';
import { DKD_CONTEXT_KEY, type ContextKeyPayload } from '../protocols/dkd.ts';
import { loadJournal } from './authority-journal.ts';
import { BackgroundClock } from './background-clock.ts';
import { DeviceAgent } from './device-agent.ts';
import type { OpenDevice } from './device-dir.ts';
import { sharedTestAuthority } from './testing.ts';

const random = new NodeRandom();
const time = new BackgroundClock();
const shared = sharedTestAuthority(3, 2, random);

async function contextKeys(device: OpenDevice): Promise<ContextKeyPayload[]> {
  const journal = await loadJournal(device.journal, device.config.authority);
  return [...journal.facts.values()].filter((r) => r.fact.typeId === DKD_CONTEXT_KEY.typeId).map((r) => r.fact.payload as ContextKeyPayload);
}

/** Dials the other members and resolves once `names` are online (event-driven: no wall-clock wait). */
function connected(agent: DeviceAgent, names: readonly string[]): Promise<void> {
  const ready = (): boolean => names.every((name) => agent.onlineMembers().some((m) => m.name === name));
  const done = new Promise<void>((resolve) => {
    const stop = agent.subscribe(() => {
      if (!ready()) return;
      stop();
      resolve();
    });
    if (ready()) {
      stop();
      resolve();
    }
  });
  void agent.connect(0);
  return done;
}

test('a device that took no part receives the derived key fact by sync, and refuses a forged one', async () => {
  const [first, second, third] = shared.devices as [OpenDevice, OpenDevice, OpenDevice];
  // A fact with a signature that is not the group's, slipped into device-1's store behind admission.
  const payload: ContextKeyPayload = { context: 'forged', app: 'test', epoch: 0, publicKey: new Uint8Array(32) };
  const forged = sealFact({ typeId: DKD_CONTEXT_KEY.typeId, schemaVersion: 1, payload, metadata: { namespace: first.config.authority, nonce: random.randomBytes(16) } }, thresholdAttestation(first.config.authority, new Uint8Array(64)));
  await first.journal.put([forged]);

  const agents = [await DeviceAgent.start({ device: first, random, time }), await DeviceAgent.start({ device: second, random, time })];
  try {
    await connected(agents[0]!, ['device-2']);
    const derived = await agents[0]!.derive('mail', 'test');
    assert.deepEqual(derived.members.map((m) => m.name), ['device-1', 'device-2']);
    assert.equal((await contextKeys(third)).length, 0);

    const late = await DeviceAgent.start({ device: third, random, time });
    agents.push(late);
    await connected(late, ['device-1', 'device-2']);
    const results = await late.syncNow();
    assert.deepEqual(results.map((r) => r.name).sort(), ['device-1', 'device-2']);
    assert.ok(results.every((r) => r.outcome !== 'failed'), JSON.stringify(results));
    const keys = await contextKeys(third);
    assert.equal(keys.length, 1, 'the derived key, and not the forged one');
    assert.equal(keys[0]!.context, 'mail');
    assert.ok(bytesEqual(keys[0]!.publicKey, derived.publicKey));
    assert.ok(late.lastSync !== null);
    assert.equal(await third.journal.get(forged.key), undefined);

    // Only the authority's members (and former members, and devices taking part in a run) may sync its journal.
    assert.ok(agents[0]!.maySync(third.config.device));
    const stranger = randomIdentifier('device', random);
    assert.equal(agents[0]!.maySync(stranger), false);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
});
