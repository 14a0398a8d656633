// Scenarios shared by the coordination tests of the normal suite and their long sweeps
// (src/protocols/{lottery,lock,failover}*.test.ts): lotteries among seeded members, the lock under
// simultaneous requests and faults in the simulator, coordinated sessions whose coordinator crashes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../../src/core/errors.ts';
import { randomIdentifier, type DeviceId } from '../../src/core/identifiers.ts';
import { SeededRandom } from '../../src/handlers/random.ts';
import { MemoryTransport } from '../../src/runtime/memory-transport.ts';
import type { RoleImpl } from '../../src/runtime/run-role.ts';
import { scheduleFaults, type FaultPhase } from '../../src/sim/faults.ts';
import { LOCK_GRANT, LOCK_RELEASE, type LockGrantFact } from '../../src/protocols/coordination-facts.ts';
import { DeviceSimulation, testAccount, type TestDevice } from '../../src/protocols/coordination-testing.ts';
import { runCoordinatedSession, type CoordinationEvent, type HeartbeatPolicy } from '../../src/protocols/failover.ts';
import { acquireLock, releaseLock, serveLockRelease, serveLockRequest } from '../../src/protocols/lock.ts';
import { runLottery, type LotterySetup } from '../../src/protocols/lottery.ts';

export function setupOf(n: number, seed: string): { setup: LotterySetup; random: SeededRandom } {
  const random = new SeededRandom(seed);
  const members = Array.from({ length: n }, () => randomIdentifier('device', random));
  return { setup: { members, session: randomIdentifier('session', random) }, random };
}

export async function drawAll(n: number, seed: string, wrap?: { index: number; impl: (honest: RoleImpl) => RoleImpl }) {
  const { setup, random } = setupOf(n, seed);
  const transport = new MemoryTransport();
  const results = await Promise.all(
    setup.members.map((device, k) => runLottery(setup, { device, random: random.fork(device) }, transport, wrap?.index === k ? { roleImpl: (honest) => wrap.impl(honest) } : {})),
  );
  return { setup, results };
}

/**
 * Pearson's chi-square statistic of `counts` against a uniform distribution over its cells.
 * With k cells it follows chi-square with k - 1 degrees of freedom when the draw is fair.
 */
export function chiSquareUniform(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

/** Draws `seeds` lotteries among `n` members and counts the winners by member index. */
export async function winnerCounts(n: number, seeds: number, prefix: string): Promise<number[]> {
  const counts = new Array<number>(n).fill(0);
  for (let s = 0; s < seeds; s++) {
    const { setup, results } = await drawAll(n, `${prefix}-${s}`);
    const index = setup.members.indexOf(results[0]!.winner);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/** The intervals during which each grant was held: from the grant to its expiry or its holder's release. */
export function heldIntervals(devices: readonly TestDevice[]): { holder: string; from: number; until: number }[] {
  const intervals = [];
  for (const d of devices) {
    const facts = [...d.journal.facts()];
    for (const grant of facts.filter((f) => f.fact.typeId === LOCK_GRANT.typeId)) {
      const payload = grant.fact.payload as LockGrantFact;
      if (payload.holder !== d.device) continue;
      const time = grant.fact.metadata.time;
      if (time?.kind !== 'range') assert.fail('a grant is stamped with its interval');
      const release = facts.find((f) => f.fact.typeId === LOCK_RELEASE.typeId && Buffer.compare(Buffer.from((f.fact.payload as { lease: Uint8Array }).lease), Buffer.from(payload.lease)) === 0);
      const releasedAt = release?.fact.metadata.time?.kind === 'physical' ? release.fact.metadata.time.ms : Infinity;
      intervals.push({ holder: d.device, from: time.earliest, until: Math.min(time.latest, releasedAt) });
    }
  }
  return intervals.sort((a, b) => a.from - b.from);
}

/** Devices request the lock at the given times (some at once), hold it `holdMs`, release it; faults strike meanwhile. */
export async function lockScenario(seed: number, n: number, requests: readonly { at: number; device: number }[], faults: (devices: readonly DeviceId[]) => readonly FaultPhase[]) {
  const { devices } = testAccount(n, `lock-sim-${seed}`);
  const members = devices.map((d) => d.device);
  const sim = new DeviceSimulation(members, { seed, network: { defaults: { latency: { kind: 'uniform', min: 1, max: 20 }, loss: 0, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: false }, links: [] } });
  const options = { policy: { leaseMs: 400, maxLeaseMs: 1_000, maxSkewMs: 0 }, receiveTimeoutMs: 150 };
  const device = (k: number) => ({ ...devices[k]!, time: sim.clock(members[k]!) });
  const outcomes: string[] = [];
  const start = (k: number) => {
    if (!sim.up(members[k]!)) return;
    const roles = new Map<string, DeviceId>([['Requester', members[k]!], ...members.filter((_, j) => j !== k).map((m, j) => [`M[${j}]`, m] as [string, DeviceId])]);
    const setup = { lock: 'account', members, session: sim.session(devices[k]!.random, roles) };
    members.forEach((m, j) => {
      if (j === k || !sim.up(m)) return;
      serveLockRequest(setup, device(j), members[k]!, sim.transport, { ...options, time: sim.clock(m) }).catch(() => undefined);
    });
    acquireLock(setup, device(k), sim.transport, { ...options, time: sim.clock(members[k]!) }).then(
      async (grant) => {
        outcomes.push('granted');
        await sim.clock(members[k]!).sleep(100);
        const releaseRoles = new Map<string, DeviceId>([['Holder', members[k]!], ...members.filter((_, j) => j !== k).map((m, j) => [`M[${j}]`, m] as [string, DeviceId])]);
        const release = { ...setup, session: sim.session(devices[k]!.random, releaseRoles) };
        members.forEach((m, j) => {
          if (j !== k && sim.up(m)) serveLockRelease(release, device(j), members[k]!, sim.transport, { time: sim.clock(m), receiveTimeoutMs: 150 }).catch(() => undefined);
        });
        await releaseLock(release, grant, device(k), sim.transport, { time: sim.clock(members[k]!) });
      },
      (error: unknown) => void outcomes.push(isAuraError(error) ? error.code : 'other'),
    );
  };
  sim.sim.addNode('driver', (node) => {
    for (const request of requests) node.after(request.at, () => { start(request.device); });
  });
  scheduleFaults(sim.sim, faults(members));
  await sim.sim.run();
  return { intervals: heldIntervals(devices), outcomes };
}

/** Asserts no two held intervals overlap. */
export function assertExclusive(intervals: readonly { holder: string; from: number; until: number }[]): void {
  for (let i = 1; i < intervals.length; i++) {
    assert.ok(intervals[i - 1]!.until <= intervals[i]!.from, `two holders at once: ${JSON.stringify(intervals[i - 1])} and ${JSON.stringify(intervals[i])}`);
  }
}

/** Random requests (often simultaneous) and random crashes with restarts and partitions that heal. */
export const lockFaultPlan = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  n: fc.integer({ min: 3, max: 5 }),
  requests: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }).map((t) => t * 50), device: fc.integer({ min: 0, max: 4 }) }), { minLength: 2, maxLength: 10 }),
  crashes: fc.array(fc.record({ node: fc.integer({ min: 0, max: 4 }), at: fc.integer({ min: 0, max: 2_000 }), down: fc.integer({ min: 10, max: 800 }) }), { maxLength: 2 }),
  partition: fc.option(fc.record({ at: fc.integer({ min: 0, max: 2_000 }), length: fc.integer({ min: 50, max: 1_000 }), cut: fc.integer({ min: 1, max: 2 }) })),
});

/** Checks `numRuns` random lock plans (from fast-check seed `seed`): held leases never overlap. */
export async function checkLockPlans(numRuns: number, seed: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(lockFaultPlan, async (plan) => {
      const { intervals } = await lockScenario(plan.seed, plan.n, plan.requests.map((r) => ({ at: r.at, device: r.device % plan.n })), (members) => faultsOf(plan, members));
      assertExclusive(intervals);
    }),
    { numRuns, seed },
  );
}

/** The fault phases of one plan. */
export function faultsOf(plan: { crashes: readonly { node: number; at: number; down: number }[]; partition: { at: number; length: number; cut: number } | null; n: number }, members: readonly DeviceId[]): FaultPhase[] {
  const crashes = plan.crashes.map((c): FaultPhase => ({ kind: 'crash', node: members[c.node % plan.n]!, at: c.at, restart: c.at + c.down }));
  const partition = plan.partition === null ? [] : [{ kind: 'partition' as const, at: plan.partition.at, until: plan.partition.at + plan.partition.length, groups: [members.slice(0, plan.partition.cut)] }];
  return [...crashes, ...partition];
}

/** Link latency of the failover scenarios, ms. */
export const LATENCY = 10;
/** Heartbeats of the failover scenarios. */
export const POLICY: HeartbeatPolicy = { heartbeatMs: 50, timeoutMs: 120, beats: 12 };

/** What one member observed. */
export interface Seen { readonly device: DeviceId; readonly event: CoordinationEvent }

/**
 * Every member runs the coordinated session over links of constant latency; `crashAt` ms after the
 * first coordinator is elected, it crashes for good. Returns what every member observed.
 */
export async function failoverScenario(seed: number, n: number, crashAt: number | undefined, latency = LATENCY) {
  const { devices } = testAccount(n, `failover-${seed}`);
  const members = devices.map((d) => d.device);
  const setup = { scope: 'test-session', members };
  const seen: Seen[] = [];
  const results = new Map<DeviceId, string>();
  let sim: DeviceSimulation | undefined = undefined;
  sim = new DeviceSimulation(members, { seed, network: { defaults: { latency: { kind: 'constant', ms: latency }, loss: 0, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: false }, links: [] } }, (device, node) => {
    const simulation = sim!; // assigned before the run starts
    const k = members.indexOf(device);
    const time = simulation.clock(device);
    const member = { device, journal: devices[k]!.journal, time, random: devices[k]!.random };
    runCoordinatedSession(setup, member, simulation.transport, POLICY, { time, receiveTimeoutMs: 200, placeRoles: (s, roles) => { simulation.place(s, roles); } }, (event) => {
      seen.push({ device, event });
      if (crashAt !== undefined && event.kind === 'resumed' && event.epoch === 0 && event.coordinator === device) {
        node.after(crashAt, () => { simulation.sim.crash(device); });
      }
    }).then(
      (epoch) => void results.set(device, `stopped in epoch ${epoch.epoch}`),
      (error: unknown) => void results.set(device, isAuraError(error) ? error.code : String(error)),
    );
  });
  await sim.sim.run();
  return { devices, members, seen, results };
}

/** The first coordinator, the detection times and the times each survivor resumed in epoch 1. */
export function recovery(seen: readonly Seen[]) {
  const first = seen.find((s) => s.event.kind === 'resumed' && s.event.epoch === 0)?.event;
  const detected = seen.flatMap((s) => (s.event.kind === 'detected' && s.event.epoch === 0 ? [s.event.at] : []));
  const resumed = seen.flatMap((s) => (s.event.kind === 'resumed' && s.event.epoch === 1 ? [{ device: s.device, at: s.event.at, coordinator: s.event.coordinator }] : []));
  return { first: first?.kind === 'resumed' ? first.coordinator : undefined, detected, resumed };
}

