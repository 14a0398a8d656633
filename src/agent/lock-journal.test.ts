import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { NodeRandom } from '../handlers/random.ts';
import { authorityView } from '../protocols/authority.ts';
import { LOCK_GRANT, type LockGrantFact } from '../protocols/coordination-facts.ts';
import { lockView } from '../protocols/lock.ts';
import { membershipLockName } from '../protocols/lock-guard.ts';
import { BackgroundClock } from './background-clock.ts';
import { loadJournal } from './authority-journal.ts';
import { readConfig } from './device-config.ts';
import { DeviceAgent } from './device-agent.ts';
import type { OpenDevice } from './device-dir.ts';
import { journalEntries } from './device-report.ts';
import { JoiningDevice } from './joining-device.ts';
import { StoredLockJournal } from './lock-journal.ts';
import { TEST_PASSPHRASE, TEST_SCRYPT, sharedTestAuthority } from './testing.ts';

const random = new NodeRandom();
const time = new BackgroundClock();
const shared = sharedTestAuthority(3, 2, random);

async function epochOf(device: OpenDevice): Promise<number> {
  return authorityView(await loadJournal(device.journal, device.config.authority)).epoch;
}

test('two device adds started at once on one authority: one wins the lock, the other is refused and changes nothing', async () => {
  const root = shared.scratchDir('aura-lock-');
  const [first, second, third] = shared.devices as [OpenDevice, OpenDevice, OpenDevice];
  const agents = await Promise.all(shared.devices.map((device) => DeviceAgent.start({ device, random, time })));
  const joiners = await Promise.all(['device-4', 'device-5'].map((name) => JoiningDevice.start({ invitedBy: first.config, dir: join(root, name), name, passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT, random, time })));
  try {
    await Promise.all(agents.map((agent) => agent.connect(10_000)));
    const epoch = await epochOf(first);
    const [fourth, fifth] = joiners as [JoiningDevice, JoiningDevice];
    const results = await Promise.allSettled([agents[0]!.changeMembership({ add: [fourth.member] }), agents[1]!.changeMembership({ add: [fifth.member] })]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    const lost = 1 - won;
    assert.ok(won >= 0, `one change succeeds: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; ')}`);
    const refusal = results[lost]!;
    assert.ok(refusal.status === 'rejected' && isAuraError(refusal.reason, 'protocols.lock.refused'), `the other is refused the lock: ${String(refusal.status === 'rejected' ? refusal.reason : 'it succeeded too')}`);
    assert.match((refusal.reason as Error).message, new RegExp(`lock ${membershipLockName(first.config.authority)} was refused`));
    const winner = joiners[won]!;
    const loser = joiners[lost]!;
    await winner.joined;
    await assert.rejects(loser.joined, (e) => isAuraError(e, 'protocols.lock.refused'));
    await Promise.all(joiners.map((j) => j.stop()));

    // The loser changed nothing: no directory for its device, every member has the winner's four and one epoch more.
    assert.ok(existsSync(join(root, winner.member.name)));
    assert.ok(!existsSync(join(root, loser.member.name)));
    for (const agent of agents) {
      const config = await readConfig(agent.device.dir);
      assert.deepEqual(config.members.map((m) => m.name), ['device-1', 'device-2', 'device-3', winner.member.name]);
      assert.equal(await epochOf(agent.device), epoch + 1);
    }

    // The lock's grant (device-1 deals first, so it asks for the lock) and its release are facts of
    // device-1's journal, signed by device-1, listed as `aura journal --type coord.lock-grant` lists them.
    const grants = await journalEntries(first.config, first.journal, { type: LOCK_GRANT.typeId });
    assert.equal(grants.length, 1);
    assert.equal(grants[0]!.attestation, `device ${first.config.device}`);
    assert.match(grants[0]!.summary, new RegExp(`granted to ${first.config.device}`));
    const releases = await journalEntries(first.config, first.journal, { type: 'coord.lock-release' });
    const grant = [...(await loadJournal(first.journal, first.config.authority)).facts.values()].find((r) => r.fact.typeId === LOCK_GRANT.typeId)!.fact.payload as LockGrantFact; // listed above
    assert.ok(releases.some((r) => r.summary.includes(toHex(grant.lease))), 'the winner released its lease');
    // Each voter's promise is in its own journal, and no journal sees the lock held any more.
    for (const device of [first, second, third]) {
      const lock = await StoredLockJournal.open(device.journal, { ...device.config, deviceKey: device.secrets.deviceKey }, random);
      const view = lockView(lock, membershipLockName(device.config.authority), time.now().ms);
      assert.equal(view.holder, undefined);
      assert.deepEqual(view.promised, []);
    }
    const promises = await Promise.all([second, third].map((d) => journalEntries(d.config, d.journal, { type: 'coord.lock-promise' })));
    assert.ok(promises.some((p) => p.length > 0), 'a voter promised its vote in its journal');
  } finally {
    await Promise.all(joiners.map((j) => j.stop()));
    await Promise.all(agents.map((a) => a.stop()));
  }
});

test('a lock fact signed by the device is admitted by the authority journal and written to the store', async () => {
  const [device] = shared.devices as [OpenDevice];
  const lock = await StoredLockJournal.open(device.journal, { ...device.config, deviceKey: device.secrets.deviceKey }, random);
  const fact = lock.record('coord.lock-release', { lock: membershipLockName(device.config.authority), lease: new Uint8Array(16) }, { kind: 'physical', ms: time.now().ms });
  await lock.flush();
  assert.ok((await loadJournal(device.journal, device.config.authority)).facts.has(fact.key));
  // Another journal over the same store sees it once refreshed, and keeps what it recorded meanwhile.
  const other = await StoredLockJournal.open(device.journal, { ...device.config, deviceKey: device.secrets.deviceKey }, random);
  const own = other.record('coord.lock-release', { lock: membershipLockName(device.config.authority), lease: new Uint8Array(16).fill(1) }, { kind: 'physical', ms: time.now().ms });
  const later = lock.record('coord.lock-release', { lock: membershipLockName(device.config.authority), lease: new Uint8Array(16).fill(2) }, { kind: 'physical', ms: time.now().ms });
  await lock.flush();
  await other.refresh();
  const keys = new Set([...other.facts()].map((r) => r.key));
  assert.ok(keys.has(fact.key) && keys.has(own.key) && keys.has(later.key));
  await other.flush();
  // A fact whose signature is not its device's is refused before anything is written.
  const count = await device.journal.count(device.config.authority);
  const forged = await StoredLockJournal.open(device.journal, { ...device.config, device: shared.devices[1]!.config.device, deviceKey: device.secrets.deviceKey }, random);
  assert.throws(() => forged.record('coord.lock-release', { lock: 'x', lease: new Uint8Array(16) }, { kind: 'physical', ms: 0 }), (e) => isAuraError(e, 'fact.bad-signature'));
  await forged.flush();
  assert.equal(await device.journal.count(device.config.authority), count);
});
