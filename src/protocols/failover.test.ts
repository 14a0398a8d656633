import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import { SESSION_EPOCH } from './coordination-facts.ts';
import { testAccount } from './coordination-testing.ts';
import { checkEpoch, currentEpoch, runHeartbeat } from './failover.ts';
import { failoverScenario, LATENCY, POLICY, recovery } from '../../test/support/coordination.ts';


describe('coordinator failover', () => {
  it('with no crash, the first coordinator beats until it stops the session, and every member is in epoch 0', async () => {
    const { results, seen, devices } = await failoverScenario(1, 5, undefined);
    assert.deepEqual([...results.values()], Array(5).fill('stopped in epoch 0'));
    assert.equal(seen.filter((s) => s.event.kind === 'beat').length, 4 * POLICY.beats!); // four participants hear every beat
    const coordinators = new Set(devices.map((d) => currentEpoch(d.journal, 'test-session')?.coordinator));
    assert.equal(coordinators.size, 1);
  });

  it('a crashed coordinator is detected, the survivors agree, draw a new one and resume within 2 network round trips of detection', async () => {
    const { results, seen, devices, members } = await failoverScenario(2, 5, 3 * POLICY.heartbeatMs + 5);
    const { first, detected, resumed } = recovery(seen);
    assert.ok(first !== undefined);
    assert.equal(detected.length, 4, 'every survivor detects the failure');
    assert.equal(resumed.length, 4, 'every survivor resumes in epoch 1');
    const coordinator = resumed[0]!.coordinator;
    assert.ok(resumed.every((r) => r.coordinator === coordinator));
    assert.notEqual(coordinator, first);
    const roundTrips = (Math.max(...resumed.map((r) => r.at)) - Math.max(...detected)) / (2 * LATENCY);
    assert.ok(roundTrips <= 2, `recovery took ${roundTrips} round trips`);
    // The new coordinator leads: the survivors hear its beats in epoch 1, and it stops the session.
    assert.ok(seen.some((s) => s.event.kind === 'beat' && s.event.epoch === 1));
    for (const m of members.filter((m) => m !== first)) assert.equal(results.get(m), 'stopped in epoch 1');
    // The epoch is a fact in each survivor's journal: a monotone counter, 0 then 1.
    for (const d of devices.filter((d) => d.device !== first)) {
      assert.deepEqual(currentEpoch(d.journal, 'test-session'), { epoch: 1, coordinator });
      assert.deepEqual([...d.journal.facts()].filter((f) => f.fact.typeId === SESSION_EPOCH.typeId).map((f) => (f.fact.payload as { epoch: number }).epoch).sort(), [0, 1]);
    }
  });

  it('a coordinator crashing at any step of its heartbeats (before, at and between beats) is replaced, within 2 round trips every time', async () => {
    for (const crashAt of [0, 1, LATENCY / 2, LATENCY, POLICY.heartbeatMs / 2, POLICY.heartbeatMs, POLICY.heartbeatMs + LATENCY, 5 * POLICY.heartbeatMs - 1]) {
      const { seen, results, members } = await failoverScenario(3, 4, crashAt);
      const { first, detected, resumed } = recovery(seen);
      assert.equal(resumed.length, 3, `crash at ${crashAt}: every survivor resumes`);
      assert.equal(new Set(resumed.map((r) => r.coordinator)).size, 1);
      const roundTrips = (Math.max(...resumed.map((r) => r.at)) - Math.max(...detected)) / (2 * LATENCY);
      assert.ok(roundTrips <= 2, `crash at ${crashAt}: recovery took ${roundTrips} round trips`);
      for (const m of members.filter((m) => m !== first)) assert.equal(results.get(m), 'stopped in epoch 1', `crash at ${crashAt}`);
    }
  });

  it('a heartbeat from an older session epoch is rejected with protocols.coordination.stale-epoch', async () => {
    const { devices } = testAccount(2, 'stale');
    const [old, current] = devices;
    const clock = new ManualClock(0);
    const setup = { scope: 's', members: devices.map((d) => d.device) };
    // The participant's journal is already in epoch 1; the old coordinator still beats in epoch 0.
    current!.journal.record(SESSION_EPOCH.typeId, { scope: 's', epoch: 1, coordinator: current!.device, lottery: new Uint8Array(32) }, { kind: 'physical', ms: 0 });
    assert.throws(() => { checkEpoch(current!.journal, 's', 0); }, (e) => isAuraError(e, 'protocols.coordination.stale-epoch'));
    checkEpoch(current!.journal, 's', 1);
    const transport = new MemoryTransport();
    const epoch0 = { epoch: 0, coordinator: old!.device };
    const member = (d: typeof old) => ({ device: d!.device, journal: d!.journal, time: clock, random: d!.random });
    const [, listener] = await Promise.allSettled([
      runHeartbeat(setup, epoch0, member(old), transport, { ...POLICY, beats: 1 }),
      runHeartbeat(setup, epoch0, member(current), transport, POLICY),
    ]);
    assert.ok(listener.status === 'rejected' && isAuraError(listener.reason, 'protocols.coordination.stale-epoch'), String(listener.status === 'rejected' ? listener.reason : 'fulfilled'));
  });
});
