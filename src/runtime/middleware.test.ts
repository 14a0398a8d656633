// The middleware (trace, metrics, retry, fault injection) on real runs of hand-built protocols.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type SessionId } from '../core/identifiers.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { physicalTime } from '../core/time.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { pingPong, purchase, requestReply } from '../../test/support/protocols.ts';
import { faults, randomFaults, type FaultPlan } from './faults.ts';
import { MemoryTransport } from './memory-transport.ts';
import { Metrics } from './metrics.ts';
import { retry } from './retry.ts';
import { runRole, type RoleImpl, type RoleResult } from './run-role.ts';
import { Trace } from './trace.ts';
import { composeTransport, type Transport } from './transport.ts';
import { composeObservers } from './role-event.ts';

const random = new SeededRandom('middleware');
const newSession = (): SessionId => randomIdentifier('session', random);

function pingPongRoles(rounds: number): [RoleImpl, RoleImpl] {
  let played = 0;
  return [{ select: () => (played++ < rounds ? 'more' : 'done'), send: { Ping: () => ({ n: played }) } }, { send: { Pong: () => ({ n: 0 }) } }];
}

async function runPingPong(transport: Transport, rounds: number, options: { observer?: Trace | Metrics } = {}): Promise<PromiseSettledResult<RoleResult>[]> {
  const session = newSession();
  const [alice, bob] = pingPongRoles(rounds);
  return Promise.allSettled([runRole(pingPong, 'Alice', alice, transport, { session, ...options }), runRole(pingPong, 'Bob', bob, transport, { session, ...options })]);
}

function codes(results: readonly PromiseSettledResult<RoleResult>[]): string[] {
  return results.map((result) => (result.status === 'fulfilled' ? result.value.status : isAuraError(result.reason) ? result.reason.code : 'unknown'));
}

test('a trace records every step of every role with causally ordered logical times', async () => {
  const trace = new Trace();
  await runPingPong(new MemoryTransport(), 1, { observer: trace });
  const lines = trace.lines().map((line) => line.replace(/^t=\d+ /, ''));
  assert.deepEqual(lines, [
    'Alice#0 choose more',
    'Alice#1 send Ping -> Bob #0 [more]',
    'Bob#0 offer more <- Alice',
    'Bob#1 recv Ping <- Alice #0 [more]',
    'Bob#2 send Pong -> Alice #0',
    'Alice#2 recv Pong <- Bob #0',
    'Alice#3 choose done',
    'Alice#4 send Stop -> Bob #1 [done]',
    'Bob#3 offer done <- Alice',
    'Bob#4 recv Stop <- Alice #1 [done]',
    'Alice#5 end',
    'Bob#5 end',
  ]);
  const times = trace.records.map((record) => record.time);
  assert.deepEqual(times, times.toSorted((a, b) => a - b));
  assert.equal(new Set(times).size, times.length);
});

test('an error event carries the code that stopped the role', async () => {
  const trace = new Trace();
  const transport = composeTransport(new MemoryTransport(), faults({ plan: (envelope) => (envelope.label === 'Pong' ? { kind: 'corrupt' } : undefined), random }));
  const results = await runPingPong(transport, 2, { observer: trace });
  assert.deepEqual(codes(results), ['runtime.violation.payload', 'runtime.session-aborted']);
  const errors = trace.records.filter((record) => record.type === 'error').map((record) => `${record.role} ${record.error?.code ?? ''}`);
  assert.deepEqual(errors, ['Alice runtime.violation.payload', 'Bob runtime.session-aborted']);
});

test('metrics count events per label and measure send-to-receive latency on the time effect', async () => {
  const time = new ManualClock(1000);
  const metrics = new Metrics(time);
  const transport = new MemoryTransport();
  const session = newSession();
  const slowServer: RoleImpl = { send: { Reply: async () => ({ id: 7 }) }, recv: {
      Request: () => {
        time.advance(3);
      },
    },
  };
  await Promise.all([
    runRole(requestReply, 'Client', { send: { Request: () => ({ id: 7 }) } }, transport, { session, time, observer: metrics }),
    runRole(requestReply, 'Server', slowServer, transport, { session, time, observer: metrics }),
  ]);
  const { counts, latency } = metrics.snapshot();
  assert.deepEqual(counts, { 'send Request': 1, 'recv Request': 1, 'send Reply': 1, 'recv Reply': 1, end: 2 });
  // The server advanced the clock inside its Request handler, after the Request was taken.
  assert.deepEqual([latency.Request?.count, latency.Request?.max, latency.Reply?.count, latency.Reply?.max], [1, 0, 1, 0]);
  assert.equal(latency.Request?.buckets[0], 1);
});

test('observers compose: one run feeds a trace and metrics at once', async () => {
  const trace = new Trace();
  const metrics = new Metrics(new ManualClock());
  const session = newSession();
  const transport = new MemoryTransport();
  const observer = composeObservers(trace, metrics);
  const [alice, bob] = pingPongRoles(3);
  await Promise.all([runRole(pingPong, 'Alice', alice, transport, { session, observer }), runRole(pingPong, 'Bob', bob, transport, { session, observer })]);
  assert.equal(trace.records.filter((record) => record.type === 'send').length, metrics.snapshot().counts['send Ping']! + metrics.snapshot().counts['send Pong']! + 1);
});

/** A time effect that never waits but remembers every sleep asked of it. */
function recordingTime(): PhysicalTimeEffects & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => physicalTime(0), sleep: async (ms) => void sleeps.push(ms) };
}

test('retry resends after transient failures with jittered exponential backoff, keeping order', async () => {
  const time = recordingTime();
  let failures = 0;
  const flaky: FaultPlan = (envelope) => (envelope.label === 'Ping' && envelope.seq === 1 && failures++ < 3 ? { kind: 'fail' } : undefined);
  const transport = composeTransport(new MemoryTransport(), retry({ time, random, baseDelayMs: 8, maxDelayMs: 20 }), faults({ plan: flaky }));
  assert.deepEqual(codes(await runPingPong(transport, 4)), ['ended', 'ended']);
  assert.equal(failures, 4, 'three failures, then the fourth attempt passes the plan');
  assert.equal(time.sleeps.length, 3);
  time.sleeps.forEach((ms, i) => {
    assert.ok(ms >= 0 && ms <= Math.min(20, 8 * 2 ** i), `sleep ${i} was ${ms} ms`);
  });
});

test('retry gives up after its attempts, and never retries a permanent error', async () => {
  const time = recordingTime();
  const transport = composeTransport(new MemoryTransport(), retry({ time, random, attempts: 3 }), faults({ plan: (envelope) => (envelope.label === 'Pong' ? { kind: 'fail' } : undefined) }));
  assert.deepEqual(codes(await runPingPong(transport, 1)), ['runtime.session-aborted', 'transport.unreachable']);
  assert.equal(time.sleeps.length, 2);
  const permanent = composeTransport(new MemoryTransport(), retry({ time, random }), faults({ plan: (envelope) => (envelope.label === 'Pong' ? { kind: 'corrupt' } : undefined) }));
  assert.deepEqual(codes(await runPingPong(permanent, 1)), ['runtime.violation.payload', 'runtime.session-aborted']);
  assert.equal(time.sleeps.length, 2);
});

test('injected drops, duplicates, delays and corruption are each caught by the monitor', async () => {
  const on = (label: string, seq: number, fault: ReturnType<FaultPlan>): FaultPlan => (envelope) => (envelope.label === label && envelope.seq === seq ? fault : undefined);
  const time = new ManualClock();
  const cases: [FaultPlan, string][] = [
    [on('Pong', 0, { kind: 'duplicate' }), 'runtime.violation.duplicate'],
    [on('Pong', 0, { kind: 'corrupt' }), 'runtime.violation.payload'],
  ];
  for (const [plan, code] of cases) {
    const results = await runPingPong(composeTransport(new MemoryTransport(), faults({ plan, random })), 2);
    assert.deepEqual(codes(results), [code, 'runtime.session-aborted']);
  }
  // A dropped or delayed Receipt shows as a gap when the Bye behind it arrives.
  for (const fault of [{ kind: 'drop' }, { kind: 'delay', ms: 5 }] as const) {
    const transport = composeTransport(new MemoryTransport(), faults({ plan: on('Receipt', 0, fault), time }));
    const session = newSession();
    const buyer: RoleImpl = { select: (labels) => (labels.includes('accept') ? 'accept' : 'cash'), send: { Pay: () => ({ amount: 5 }), Decline: () => ({ reason: '' }) } };
    const results = await Promise.allSettled([
      runRole(purchase, 'Buyer', buyer, transport, { session }),
      runRole(purchase, 'Seller', { send: { Receipt: () => ({ id: 'r' }) } }, transport, { session }),
    ]);
    assert.deepEqual(codes(results), ['runtime.violation.sequence-gap', 'runtime.session-aborted'], fault.kind);
  }
});

test('seeded random faults are the same on every run', () => {
  const plan = (seed: number): string[] => {
    const decide = randomFaults(new SeededRandom(seed), { drop: 0.2, duplicate: 0.1, corrupt: 0.1, delay: { rate: 0.1, ms: 3 } });
    return Array.from({ length: 50 }, () => decide({ kind: 'message', session: newSession(), protocol: 'p', from: 'A', to: 'B', seq: 0, label: 'M', choice: null, payload: null })?.kind ?? 'pass');
  };
  assert.deepEqual(plan(4), plan(4));
  assert.ok(new Set(plan(4)).size >= 4);
});
