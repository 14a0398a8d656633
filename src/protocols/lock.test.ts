import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import { testAccount, type TestDevice } from './coordination-testing.ts';
import { acquireLock, lockView, majority, releaseLock, serveLockRelease, serveLockRequest, type LockPolicy } from './lock.ts';
import { assertExclusive, checkLockPlans, lockScenario } from '../../test/support/coordination.ts';

const POLICY: LockPolicy = { leaseMs: 1_000, maxLeaseMs: 10_000, maxSkewMs: 0 };

function lockDevice(d: TestDevice, clock: ManualClock) {
  return { device: d.device, journal: d.journal, time: clock, random: d.random };
}

/** One acquire by `requester` with every other device serving, over one transport. */
async function acquireRound(devices: readonly TestDevice[], requester: number, clock: ManualClock, transport = new MemoryTransport(), sessionSeed = devices[0]!.random) {
  const members = devices.map((d) => d.device);
  const setup = { lock: 'account', members, session: randomIdentifier('session', sessionSeed) };
  const served = devices.map((d, k) => (k === requester ? undefined : serveLockRequest(setup, lockDevice(d, clock), members[requester]!, transport, { policy: POLICY })));
  const grant = acquireLock(setup, lockDevice(devices[requester]!, clock), transport, { policy: POLICY });
  const [outcome] = await Promise.allSettled([grant]);
  // A busy requester asks no one: the members would wait for a request that never comes.
  const asked = !(outcome.status === 'rejected' && isAuraError(outcome.reason, 'protocols.lock.busy'));
  const answers = asked ? await Promise.allSettled(served.filter((s) => s !== undefined)) : [];
  return { setup, outcome: outcome, answers };
}

describe('operation lock', () => {
  it('a majority is more than half: 1 of 1, 2 of 3, 3 of 4, 3 of 5', () => {
    assert.deepEqual([1, 3, 4, 5].map(majority), [1, 2, 3, 3]);
  });

  it('a request wins with every vote, the grant and the promises are facts, and a second request is refused until release', async () => {
    const { devices } = testAccount(3, 'lock-basic');
    const clock = new ManualClock(1_000);
    const first = await acquireRound(devices, 0, clock);
    if (first.outcome.status !== 'fulfilled') assert.fail(`not granted: ${String(first.outcome.reason)}`);
    const grant = first.outcome.value;
    assert.equal(grant.holder, devices[0]!.device);
    assert.equal(grant.until, 2_000);
    assert.equal(lockView(devices[0]!.journal, 'account', 1_500).holder?.device, devices[0]!.device);
    for (const d of devices.slice(1)) assert.equal(lockView(d.journal, 'account', 1_500).promised[0]?.device, devices[0]!.device);

    await assert.rejects(acquireLock(first.setup, lockDevice(devices[0]!, clock), new MemoryTransport(), { policy: POLICY }), (e) => isAuraError(e, 'protocols.lock.busy'));
    const second = await acquireRound(devices, 1, clock);
    assert.ok(second.outcome.status === 'rejected' && isAuraError(second.outcome.reason, 'protocols.lock.busy'), 'device 1 promised device 0 and will not ask');
    const third = await acquireRound(devices, 2, clock);
    assert.ok(third.outcome.status === 'rejected' && isAuraError(third.outcome.reason, 'protocols.lock.busy'));

    const transport = new MemoryTransport();
    const members = devices.map((d) => d.device);
    const releaseSetup = { ...first.setup, session: randomIdentifier('session', devices[0]!.random) };
    await Promise.all([releaseLock(releaseSetup, grant, lockDevice(devices[0]!, clock), transport), ...devices.slice(1).map((d) => serveLockRelease(releaseSetup, lockDevice(d, clock), members[0]!, transport))]);
    for (const d of devices) assert.deepEqual(lockView(d.journal, 'account', 1_500), { promised: [] });
    const after = await acquireRound(devices, 1, clock);
    assert.equal(after.outcome.status, 'fulfilled');
  });

  it('a holder that dies (never releases) loses the lock when its lease expires', async () => {
    const { devices } = testAccount(3, 'lock-expiry');
    const clock = new ManualClock(0);
    assert.equal((await acquireRound(devices, 0, clock)).outcome.status, 'fulfilled');
    clock.advance(999);
    const early = await acquireRound(devices.slice(1).concat(devices[0]!), 0, clock);
    assert.ok(early.outcome.status === 'rejected' && isAuraError(early.outcome.reason, 'protocols.lock.busy'));
    clock.advance(1);
    const late = await acquireRound(devices, 1, clock);
    assert.ok(late.outcome.status === 'fulfilled', 'every promise for the dead holder expired with its lease');
  });

  it('a member with a live promise votes no: the request is refused and withdrawn, and the refused requester frees its own vote', async () => {
    const { devices } = testAccount(3, 'lock-refused');
    const clock = new ManualClock(0);
    // Device 2 promised a lease to someone else already (a request whose grant this replica never saw).
    await acquireRound([devices[2]!, devices[1]!], 0, clock);
    const refused = await acquireRound([devices[0]!, devices[2]!, devices[1]!], 0, clock);
    assert.ok(refused.outcome.status === 'rejected');
    assert.ok(isAuraError(refused.outcome.reason, 'protocols.lock.refused') || isAuraError(refused.outcome.reason, 'protocols.lock.busy'));
    assert.deepEqual(lockView(devices[0]!.journal, 'account', 10).promised, []);
  });
});

describe('operation lock in the simulator', () => {
  it('two requests at the same moment never both win, over many seeds', async () => {
    let granted = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const { intervals, outcomes } = await lockScenario(seed, 5, [{ at: 10, device: 0 }, { at: 10, device: 1 }, { at: 10, device: 2 }], () => []);
      assertExclusive(intervals);
      granted += outcomes.filter((o) => o === 'granted').length;
      assert.ok(outcomes.filter((o) => o === 'granted').length <= 1);
    }
    assert.ok(granted > 0, 'some simultaneous request won');
  });

  it('held leases never overlap under random requests, crashes with restarts, and partitions (property, 15 plans)', async () => {
    await checkLockPlans(15, 10);
  });
});
