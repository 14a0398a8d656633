// Device agents of an authority with three guardians, in this process over libp2p on loopback: a
// guardian that declines a change of the devices after every member and the other guardians
// accepted it (every agent's receives are bounded by ten minutes, so a participant that waited for
// the lock, the old behaviour, would fail only then, and with another error than the one
// asserted); the same change retried at once with every guardian accepting (guardian-2 had
// promised its vote to guardian-1's lock request before the call-off, which now ends it); a
// recovery adding a device, in which a surviving device dies between its two commits (after the
// resharing, before the tree change); then a crash of a member right after the key store took a
// change, before `recovery.json` was written.
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { bytesEqual, toHex, utf8 } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { NodeRandom } from '../handlers/random.ts';
import { authorityView } from '../protocols/authority.ts';
import { loadJournal } from './authority-journal.ts';
import { BackgroundClock } from './background-clock.ts';
import { DeviceAgent, type AgentEvent } from './device-agent.ts';
import type { OpenDevice } from './device-dir.ts';
import type { FactStore } from '../journal/fact-store.ts';
import { openDeviceDir } from './device-dir.ts';
import { readConfig } from './device-config.ts';
import { readGuardianships, type GuardianContact } from './guardianship.ts';
import { commitChange, pendingChangeEntry } from './membership-change.ts';
import type { UnlockedKeyStore } from '../protocols/authority-key-store.ts';
import { recoverDevice } from './recover-device.ts';
import { openTestAuthority, TEST_PASSPHRASE, TEST_SCRYPT, type OpenedTestAuthority } from './testing.ts';

const random = new NodeRandom();
const time = new BackgroundClock();
/** Far beyond how long the test takes: a receive that waits it out fails the assertions below. */
const RECEIVE_TIMEOUT_MS = 600_000;
const DECLINED = 'not without talking to me first';

let owner: OpenedTestAuthority;
let guardianAuthorities: OpenedTestAuthority[];
const agents: DeviceAgent[] = [];
const events = new Map<DeviceAgent, AgentEvent[]>();

before(async () => {
  [owner, ...guardianAuthorities] = await Promise.all([openTestAuthority(3, 1, random), ...[1, 2, 3].map(() => openTestAuthority(1, 1, random))]);
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await Promise.all([owner, ...guardianAuthorities].map((a) => a.close()));
});

async function start(device: OpenDevice, extra: Partial<Parameters<typeof DeviceAgent.start>[0]> = {}): Promise<DeviceAgent> {
  const seen: AgentEvent[] = [];
  const agent = await DeviceAgent.start({ device, random, time, receiveTimeoutMs: RECEIVE_TIMEOUT_MS, events: (e) => seen.push(e), ...extra });
  agents.push(agent);
  events.set(agent, seen);
  return agent;
}

/** Resolves with the first event of `agent` matching `match`, waiting for it. */
async function eventOf(agent: DeviceAgent, match: (e: AgentEvent) => boolean): Promise<AgentEvent> {
  for (;;) {
    const found = events.get(agent)?.find(match);
    if (found !== undefined) return found;
    await time.sleep(20);
  }
}

function contactOf(device: OpenDevice, name: string): GuardianContact {
  const own = device.config.members.find((m) => m.device === device.config.device)!; // a device is among its members
  return { name, authority: device.config.authority, device: device.config.device, signingKey: toHex(device.config.groupKey), hpkeKey: toHex(device.hpke.publicKey), address: own.address };
}

/** Whether guardian-3 declines a change of the devices it guards (it joins the guardian setup). */
let declining = true;

test('a guardian that declines a change after the others accepted it: the members and the other guardians stop at once with its reason, and nothing changes', async () => {
  const [first, second, third] = owner.devices as [OpenDevice, OpenDevice, OpenDevice];
  const [willing, other, guardianDevice] = guardianAuthorities.map((a) => a.devices[0]!) as [OpenDevice, OpenDevice, OpenDevice]; // one-device authorities
  // guardian-1 and guardian-2 approve everything; guardian-3 declines while `declining`.
  const accepting = await start(willing);
  const guardians = [accepting, await start(other)];
  guardians.push(await start(guardianDevice, { ask: (question) => Promise.resolve(declining && question.includes('changes the devices') ? { approved: false, reason: DECLINED } : { approved: true }) }));
  const [initiator, member] = [await start(first), await start(second), await start(third)];
  await initiator.connect(10_000);
  await initiator.addGuardians([contactOf(willing, 'guardian-1'), contactOf(other, 'guardian-2'), contactOf(guardianDevice, 'guardian-3')], 0);
  await Promise.all(guardians.map((g) => eventOf(g, (e) => e.event === 'guardian-joined')));
  const epoch = authorityView(await loadJournal(first.journal, first.config.authority)).epoch;

  await assert.rejects(initiator.changeMembership({ remove: [third.config.device] }), (e) => {
    assert.ok(isAuraError(e, 'agent.guardian-declined'), String(e));
    assert.match(e.message, new RegExp(`declined: guardian-3 \\(${guardianDevice.config.device}\\): .*${DECLINED}.*Nothing changed`));
    return true;
  });
  // device-2 had accepted and started its part: it heard the decline instead of a lock notice.
  const failed = await eventOf(member, (e) => e.event === 'failed');
  assert.ok(failed.event === 'failed');
  assert.equal(failed.code, 'agent.called-off');
  assert.match(failed.message, new RegExp(`^device-1 called the session off: .*guardian-3 \\(${guardianDevice.config.device}\\): .*${DECLINED}`));
  // So did guardian-1, which had joined and waited for the lock.
  const stopped = await eventOf(accepting, (e) => e.event === 'recovery-failed');
  assert.ok(stopped.event === 'recovery-failed');
  assert.equal(stopped.code, 'agent.called-off');
  assert.match(stopped.message, new RegExp(`^device change: device-1 called the session off: .*guardian-3 .*${DECLINED}`));
  assert.ok(member.device.config.members.length === 3 && authorityView(await loadJournal(second.journal, second.config.authority)).epoch === epoch, 'nothing changed at device-2');
  assert.equal(authorityView(await loadJournal(first.journal, first.config.authority)).epoch, epoch);

  // The members still sign together, with their shares of before.
  const message = utf8('still the same devices');
  const signed = await member.sign(message);
  assert.ok(verifyStrict(owner.authority.groupKey, message, signed.signature));
});

test('the change retried at once after the decline, every guardian accepting: the lock is free again and the change completes', async () => {
  const [first, , third] = owner.devices as [OpenDevice, OpenDevice, OpenDevice];
  const initiator = agents.find((a) => a.device.config.device === first.config.device)!; // started by the test above
  const epoch = authorityView(await loadJournal(first.journal, first.config.authority)).epoch;
  declining = false;
  const changed = await initiator.changeMembership({ remove: [third.config.device] });
  assert.deepEqual(changed.members, ['device-1', 'device-2']);
  assert.equal(changed.epoch, epoch + 1);
});

/** `keys` with the process dying just before its save number `fatal` (1-based): nothing of that save is written. */
function dyingBeforeSave(keys: UnlockedKeyStore, fatal: number): UnlockedKeyStore {
  let saves = 0;
  return {
    passphrase: keys.passphrase,
    store: {
      load: (passphrase) => keys.store.load(passphrase),
      update: (passphrase, change) => (++saves === fatal ? Promise.reject(new Error('injected crash')) : keys.store.update(passphrase, change)),
    },
  };
}

test('a surviving device that crashes after the resharing of a recovery, before the tree change is committed: it reopens with its new share, the new device among its members, and recovery.json naming it', async () => {
  const second = owner.devices[1]!; // device-2, a member after the change above
  const running = agents.find((a) => a.device.config.device === second.config.device)!; // started by the first test
  await running.stop();
  const epoch = (await readGuardianships(second.dir)).own?.epoch;
  // Its first commit (two saves: the share with the pending change, then the drop) goes through; the process dies at the second's first save.
  const survivor = await start({ ...running.device, keys: dyingBeforeSave(running.device.keys, 3) });
  const guardian = guardianAuthorities[0]!.devices[0]!; // guardian-1's device
  const guardianAgent = agents.find((a) => a.device.config.device === guardian.config.device)!; // started by the first test
  const recovered = await recoverDevice({
    dir: join(owner.authority.root, 'recovered'),
    authority: owner.authority.authority,
    guardian: contactOf(guardian, 'guardian-1').address,
    passphrase: TEST_PASSPHRASE,
    policy: 'auto',
    scrypt: TEST_SCRYPT,
    random,
    time,
    receiveTimeoutMs: RECEIVE_TIMEOUT_MS,
    events: (e) => {
      if (e.event === 'requested') void guardianAgent.desk.approve(e.request);
    },
  });
  assert.deepEqual([...recovered.members].sort(), ['device-1', 'device-2', 'recovered']);
  const failed = await eventOf(survivor, (e) => e.event === 'recovery-failed');
  assert.ok(failed.event === 'recovery-failed' && /injected crash/.test(failed.message), JSON.stringify(failed));
  await survivor.stop();
  await running.device.close();

  const reopened = await openDeviceDir(second.dir, TEST_PASSPHRASE, random);
  try {
    const first = agents.find((a) => a.device.config.device === owner.devices[0]!.config.device)!.device; // device-1 survived without a crash
    assert.deepEqual(reopened.config.members.map((m) => m.name).sort(), ['device-1', 'device-2', 'recovered']);
    assert.ok(bytesEqual(encodeCanonical(reopened.secrets.keyShare.publicKeyPackage), encodeCanonical(first.secrets.keyShare.publicKeyPackage)), 'device-2 holds its share of the group after the recovery');
    const own = (await readGuardianships(second.dir)).own;
    assert.ok(own !== undefined);
    assert.deepEqual(own.owners.map((o) => o.name).sort(), ['device-1', 'device-2', 'recovered']);
    assert.equal(own.epoch, epoch, 'the epoch of before: the tree change was not committed here');
  } finally {
    await reopened.close();
  }
});

/** `store` with the process dying at its first read: commitChange stops right after the key store took the change. */
function crashingAtFirstRead(store: FactStore): FactStore {
  return new Proxy(store, { get: (target, name) => (name === 'scan' ? () => Promise.reject(new Error('injected crash')) : (Reflect.get(target, name) as unknown)) });
}

test('a crash after a member\'s key store took a change, before recovery.json: the next open brings recovery.json to the change', async () => {
  const agent = agents.find((a) => a.device.config.device === owner.devices[0]!.config.device)!; // device-1's, started by the first test
  const second = agent.device; // with the share of the change above
  await agent.stop();
  await second.close();
  const own = (await readGuardianships(second.dir)).own;
  assert.ok(own !== undefined, 'device-1 recorded the guardianship');
  const changed = { config: { ...second.config, policy: 'prompt' as const }, guardianship: { ...own, epoch: own.epoch + 1 } };
  const { keys, journal } = second;
  const outcome = { keyShare: second.secrets.keyShare, publicKeyPackage: second.secrets.keyShare.publicKeyPackage, facts: [] };
  await assert.rejects(commitChange({ dir: second.dir, keys, journal: crashingAtFirstRead(journal) }, changed.config, outcome, changed.guardianship), /injected crash/);
  // As the crash left it: the change is in the key store only.
  assert.ok((await keys.store.load(TEST_PASSPHRASE))[pendingChangeEntry(second.config.authority)] !== undefined);
  assert.equal((await readGuardianships(second.dir)).own?.epoch, own.epoch);
  assert.equal((await readConfig(second.dir)).policy, 'auto');

  const reopened = await openDeviceDir(second.dir, TEST_PASSPHRASE, random);
  await reopened.close();
  assert.deepEqual((await readGuardianships(second.dir)).own, changed.guardianship);
  assert.equal((await readConfig(second.dir)).policy, 'prompt');
  assert.equal((await keys.store.load(TEST_PASSPHRASE))[pendingChangeEntry(second.config.authority)], undefined);
});
