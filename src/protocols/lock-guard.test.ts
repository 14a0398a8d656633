import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { LOCK_GRANT, LOCK_PROMISE, LOCK_RELEASE } from './coordination-facts.ts';
import { lockRequester, membershipElectorate, membershipLockName, underLock } from './lock-guard.ts';
import { DEFAULT_LOCK_POLICY, lockView } from './lock.ts';
import { reshareDevice, testDevices, testGroup, testLocks, type TestDevice } from './reshare-fixture.ts';
import { addDevice, groupElectorate, type ReshareOutcome } from './reshare.ts';
import { authorityIdOf } from './authority.ts';

/** A 2-of-3 group, two phones that want to join, and each device's part in the lock on one clock. */
async function fixture(seed: string) {
  const g = await testGroup(3, 2, seed);
  const phones = await testDevices(2, g.random);
  const clock = new ManualClock(1_000);
  const lock = testLocks(g.group.publicKeyPackage.groupPublicKey, g.random, clock);
  const name = membershipLockName(authorityIdOf(g.group.publicKeyPackage.groupPublicKey));
  /** Every participant of adding `phone` runs `addDevice` (the members, then the phone). */
  const add = (phone: TestDevice, transport: MemoryTransport, roleImpl?: (device: DeviceId) => ((honest: RoleImpl) => RoleImpl) | undefined) => {
    const session = randomIdentifier('session', g.random);
    return Promise.allSettled(
      [...g.devices, phone].map((d) => {
        const wrap = roleImpl?.(d.device);
        return addDevice(g.group, phone, session, reshareDevice(d, g.shares), transport, { lock: lock(d.device), ...(wrap === undefined ? {} : { roleImpl: wrap }) });
      }),
    );
  };
  return { ...g, phones, clock, lock, name, add };
}

function typeIds(f: Awaited<ReturnType<typeof fixture>>, device: DeviceId): string[] {
  return [...f.lock(device).journal.facts()].map((r) => r.fact.typeId);
}

/** What each participant got, for assertion messages. */
function show(settled: readonly PromiseSettledResult<ReshareOutcome>[]): string {
  return settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok')).join('; ');
}

function rejectedWith(settled: readonly PromiseSettledResult<ReshareOutcome>[], code: string): boolean {
  return settled.every((s) => s.status === 'rejected' && isAuraError(s.reason, code));
}

describe('membership changes under the operation lock', () => {
  it('the devices vote until there are guardians, then the guardians; the requester is the first participant that votes', () => {
    assert.deepEqual(membershipElectorate(['d1', 'd2'] as DeviceId[], []), ['d1', 'd2']);
    assert.deepEqual(membershipElectorate(['d1', 'd2'] as DeviceId[], ['g1'] as DeviceId[]), ['g1']);
    const operation = { lock: 'membership/x', electorate: ['g1', 'g2'] as DeviceId[], participants: ['new', 'd1', 'g2', 'g1'] as DeviceId[], session: randomIdentifier('session', new SeededRandom('lock-guard-requester')) };
    assert.equal(lockRequester(operation), 'g2');
    assert.throws(() => lockRequester({ ...operation, electorate: ['g3'] as DeviceId[] }), (e) => isAuraError(e, 'protocols.lock.no-voter'));
  });

  it('two concurrent addDevice runs: exactly one wins, the other is refused the lock everywhere and changes no share', async () => {
    const f = await fixture('lock-guard-concurrent');
    const transport = new MemoryTransport();
    const [a, b] = await Promise.all([f.add(f.phones[0]!, transport), f.add(f.phones[1]!, transport)]);
    const runs = [a, b];
    const winners = runs.filter((r) => r.every((s) => s.status === 'fulfilled'));
    const losers = runs.filter((r) => rejectedWith(r, 'protocols.lock.refused'));
    assert.equal(winners.length, 1, 'exactly one addDevice completed');
    assert.equal(losers.length, 1, `the other was refused the lock at every participant: ${runs.map(show).join(' | ')}`);
    const winner = runs.indexOf(winners[0]!);
    const won = winners[0]!.map((s) => s.value);
    const members = Object.keys(won[0]!.publicKeyPackage.verifyingShares);
    assert.ok(bytesEqual(won[0]!.publicKeyPackage.groupPublicKey, f.group.publicKeyPackage.groupPublicKey));
    assert.ok(members.includes(deviceParticipantId(f.phones[winner]!.device)));
    assert.ok(!members.includes(deviceParticipantId(f.phones[1 - winner]!.device)), 'the refused phone got no share');
    // The lock is a fact at every voter: the holder's grant, the others' promises, each ended after the change.
    assert.deepEqual(typeIds(f, f.devices[0]!.device).filter((t) => t === LOCK_GRANT.typeId).length, 1);
    for (const d of f.devices.slice(1)) assert.ok(typeIds(f, d.device).includes(LOCK_PROMISE.typeId));
    for (const d of f.devices) {
      assert.ok(typeIds(f, d.device).includes(LOCK_RELEASE.typeId));
      assert.deepEqual(lockView(f.lock(d.device).journal, f.name, f.clock.now().ms), { promised: [] }, 'the lock is free again');
    }
  });

  it('a holder that crashes mid-reshare keeps the lock until its lease runs out; then a later addDevice succeeds', async () => {
    const f = await fixture('lock-guard-crash');
    const transport = new MemoryTransport();
    const holder = f.devices[0]!.device;
    assert.equal(lockRequester({ lock: f.name, electorate: groupElectorate(f.group), participants: [...f.devices, f.phones[0]!].map((d) => d.device), session: randomIdentifier('session', f.random) }), holder);
    // The holder dies while dealing: it never sends its sub-shares, and never releases.
    const crash = (honest: RoleImpl): RoleImpl => ({ ...honest, send: { ...honest.send, DistributeSubShare: () => { throw new Error('power lost'); } } });
    const crashed = await f.add(f.phones[0]!, transport, (device) => (device === holder ? crash : undefined));
    assert.ok(rejectedWith(crashed, 'protocols.reshare.aborted'), show(crashed));
    assert.equal(lockView(f.lock(holder).journal, f.name, f.clock.now().ms).holder?.device, holder, 'the dead holder\u2019s grant is still live');
    const early = await f.add(f.phones[1]!, new MemoryTransport());
    assert.ok(rejectedWith(early, 'protocols.lock.refused'), `within the lease, the lock is still taken: ${show(early)}`);
    for (const share of f.shares.values()) assert.ok(share.alive, 'neither the crashed nor the refused run changed a share');
    f.clock.advance(DEFAULT_LOCK_POLICY.leaseMs + DEFAULT_LOCK_POLICY.maxSkewMs);
    const late = await f.add(f.phones[1]!, new MemoryTransport());
    assert.ok(late.every((s) => s.status === 'fulfilled'), show(late));
  });

  it('an operation called off ends the lease and every vote for it at once; one that fails otherwise keeps them until the lease runs out', async () => {
    const f = await fixture('lock-guard-called-off');
    const devices = f.devices.map((d) => d.device);
    const liveLeases = () => devices.map((d) => lockView(f.lock(d).journal, f.name, f.clock.now().ms)).filter((v) => v.holder !== undefined || v.promised.length > 0).length;
    for (const calledOff of [true, false]) {
      const operation = { lock: f.name, electorate: devices, participants: devices, session: randomIdentifier('session', f.random) };
      const stopped = new Error('the operation stopped');
      const transport = new MemoryTransport();
      const settled = await Promise.allSettled(devices.map((d) => underLock(operation, d, { ...f.lock(d), calledOff: () => calledOff }, transport, {}, () => Promise.reject(stopped))));
      assert.ok(settled.every((s) => s.status === 'rejected' && s.reason === stopped), 'the lock was won, then the body failed everywhere');
      // Called off: nothing live, so a retry wins at once. Failed otherwise: the holder's grant and the voters' promises live on.
      assert.equal(liveLeases(), calledOff ? 0 : devices.length);
    }
  });
});
