import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { NodeRandom } from '../handlers/random.ts';
import { authorityView } from '../protocols/authority.ts';
import { keyShareEntry } from '../protocols/authority-key-store.ts';
import { BackgroundClock } from './background-clock.ts';
import { loadJournal } from './authority-journal.ts';
import { readConfig } from './device-config.ts';
import { DeviceAgent, type AgentEvent } from './device-agent.ts';
import { openDeviceDir, type OpenDevice } from './device-dir.ts';
import { JoiningDevice } from './joining-device.ts';
import { checkChangeRequest, encodePendingChange, pendingChangeEntry, proposeChange, type ChangeRequest } from './membership-change.ts';
import { TEST_PASSPHRASE, TEST_SCRYPT, sharedTestAuthority } from './testing.ts';

const random = new NodeRandom();
const time = new BackgroundClock();
const ANY_PORT = ['/ip4/127.0.0.1/tcp/0'];
const shared = sharedTestAuthority(3, 2, random);

async function epochOf(device: OpenDevice): Promise<number> {
  return authorityView(await loadJournal(device.journal, device.config.authority)).epoch;
}

test('a change is proposed from the config, and a member accepts only the change it would propose itself', async () => {
  const [first, second] = shared.devices as [OpenDevice, OpenDevice];
  const group = first.secrets.keyShare.publicKeyPackage;
  const epoch = await epochOf(first);
  const third = first.config.members[2]!; // three members
  const { roles, body } = proposeChange(first.config, group, epoch, { remove: [third.device] });
  assert.deepEqual(roles, first.config.members.slice(0, 2).map((m) => m.device));
  assert.deepEqual(body.dealers, roles);
  assert.equal(body.threshold, 2);
  const request: ChangeRequest = { op: 'reshare', session: 'session-x' as ChangeRequest['session'], roles, ...body };
  assert.equal(checkChangeRequest(second.config, group, epoch, request, first.config.device), undefined);
  assert.match(checkChangeRequest(second.config, group, epoch + 1, request, first.config.device) ?? '', /epoch/);
  assert.match(checkChangeRequest(second.config, group, epoch, { ...request, dealers: [...request.dealers].reverse() }, first.config.device) ?? '', /not the ones this device expects/);
  assert.throws(() => proposeChange(first.config, group, epoch, { remove: [first.config.device] }), (e) => isAuraError(e, 'agent.bad-change') && /cannot remove itself/.test(e.message));
  assert.throws(() => proposeChange(first.config, group, epoch, { remove: [third.device], threshold: 3 }), (e) => isAuraError(e, 'agent.bad-change') && /threshold must be between 1 and 2/.test(e.message));
  assert.throws(() => proposeChange(first.config, group, epoch, {}), (e) => isAuraError(e, 'agent.bad-change'));
});

test('adding a device reshares the same group key onto four; removing one destroys its share', async () => {
  const root = shared.scratchDir('aura-join-');
  const events: AgentEvent[] = [];
  const [first, second, third] = shared.devices as [OpenDevice, OpenDevice, OpenDevice];
  const initiator = await DeviceAgent.start({ device: first, random, time, listen: ANY_PORT, events: (e) => events.push(e) });
  const served: AgentEvent[] = [];
  const others = await Promise.all([second, third].map((device) => DeviceAgent.start({ device, random, time, events: (e) => served.push(e) })));
  const agents = [initiator, ...others];
  const newDir = join(root, 'device-4');
  const joining = await JoiningDevice.start({ invitedBy: first.config, dir: newDir, name: 'device-4', passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT, random, time });
  try {
    await initiator.connect(10_000);
    const epoch = await epochOf(first);
    const changed = await initiator.changeMembership({ add: [joining.member] });
    const joined = await joining.joined;
    await joining.stop();
    assert.equal(changed.epoch, epoch + 1);
    assert.deepEqual(changed.members, ['device-1', 'device-2', 'device-3', 'device-4']);
    assert.equal(toHex(changed.groupKey), toHex(shared.authority.groupKey));
    assert.ok(events.some((e) => e.event === 'round' && e.label === 'DistributeSubShare'));
    assert.deepEqual(readdirSync(root), ['device-4']); // the staging directory was renamed into place

    // Every member's config, share and journal moved to the new group; the group key is unchanged.
    while (served.filter((e) => e.event === 'served').length < 2 && !served.some((e) => e.event === 'failed')) await time.sleep(20);
    for (const agent of agents) {
      assert.equal(agent.device.config.members.length, 4);
      assert.equal(Object.keys(agent.device.secrets.keyShare.publicKeyPackage.verifyingShares).length, 4);
      assert.equal((await readConfig(agent.device.dir)).members.length, 4);
      assert.equal(await epochOf(agent.device), epoch + 1);
    }

    // The new device opens, runs as a member and signs with one other.
    const fourth = await openDeviceDir(joined.dir, TEST_PASSPHRASE, random);
    try {
      assert.equal(await epochOf(fourth), epoch + 1);
      assert.deepEqual(authorityView(await loadJournal(fourth.journal, fourth.config.authority)).members.map((m) => m.id).sort(), fourth.config.members.map((m) => m.device).sort());
      const newcomer = await DeviceAgent.start({ device: fourth, random, time }); // at the address the joiner had, now in every config
      try {
        await others[1]!.stop();
        await newcomer.connect(0);
        while (newcomer.onlineMembers().length < 2) await time.sleep(20); // device-1 and device-2
        const message = utf8('signed by the newcomer');
        const signed = await newcomer.sign(message);
        assert.ok(verifyStrict(shared.authority.groupKey, message, signed.signature));
        assert.ok(signed.signers.some((m) => m.name === 'device-4'));

        // Remove device-3 (offline) from device-1: the others reshare among the three that stay.
        await initiator.connect(0);
        while (!initiator.onlineMembers().some((m) => m.name === 'device-4')) await time.sleep(20);
        const removed = await initiator.changeMembership({ remove: [third.config.device] });
        assert.deepEqual(removed.members, ['device-1', 'device-2', 'device-4']);
        assert.deepEqual(removed.removed, ['device-3']);
        assert.equal(removed.epoch, epoch + 2);
      } finally {
        await newcomer.stop();
      }
    } finally {
      await fourth.close();
    }

    // A crash after the key store took a confirmed change, before journal and config: the next open finishes it.
    const store = fourth.keys.store;
    const pendingConfig = { ...fourth.config, policy: 'prompt' as const };
    await store.update(TEST_PASSPHRASE, (before) => ({ ...before, [pendingChangeEntry(fourth.config.authority)]: encodePendingChange(pendingConfig, []) }));
    assert.equal((await readConfig(joined.dir)).policy, 'auto');
    const reopened = await openDeviceDir(joined.dir, TEST_PASSPHRASE, random);
    await reopened.close();
    assert.equal(reopened.config.policy, 'prompt');
    assert.equal((await readConfig(joined.dir)).policy, 'prompt');
    assert.equal((await store.load(TEST_PASSPHRASE))[pendingChangeEntry(fourth.config.authority)], undefined);

    // device-3 comes back: it syncs, learns from the group-signed facts it was removed, and destroys its share.
    const removedEvents: AgentEvent[] = [];
    const stale = others[1]!.device; // device-3 as its stopped agent left it: a member of the four
    const returning = await DeviceAgent.start({ device: stale, random, time, events: (e) => removedEvents.push(e) });
    agents.push(returning);
    await returning.connect(3_000);
    const deadline = Date.now() + 15_000;
    while (!removedEvents.some((e) => e.event === 'removed') && Date.now() < deadline) await time.sleep(50);
    assert.ok(removedEvents.some((e) => e.event === 'removed'));
    const entries = await stale.keys.store.load(TEST_PASSPHRASE);
    assert.equal(entries[keyShareEntry(stale.config.authority)], undefined);
    await assert.rejects(returning.sign(utf8('too late')), (e) => isAuraError(e, 'agent.no-share'));
  } finally {
    await joining.stop();
    await Promise.all(agents.map((a) => a.stop()));
  }
});
