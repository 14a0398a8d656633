import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { fork, pingPong, purchase, vote } from '../../test/support/protocols.ts';
import { jump, protocol, rec, recv, send, seq } from './builder.ts';
import { MemoryTransport } from './memory-transport.ts';
import { TypeRegistry } from './payload-codec.ts';
import { randomImpl } from './random-impl.ts';
import type { RoleImpl } from './run-role.ts';
import { runSession } from './run-session.ts';
import { Trace } from './trace.ts';
import type { ProjectedProtocol } from '../choreo/local-type.ts';

/** Runs `protocol` with every role random, from `seed`; returns the outcome and the trace. */
async function randomRun(target: ProjectedProtocol, seed: number, maxMessages?: number): Promise<{ status: string; messages: number; lines: string[] }> {
  const random = new SeededRandom(seed);
  const impls = Object.fromEntries(target.roles.map((role) => [role, randomImpl(target, role, random.fork(role))]));
  const trace = new Trace();
  const session = randomIdentifier('session', random.fork('session'));
  const outcome = await runSession(target, impls, new MemoryTransport(), { session, observer: trace, ...(maxMessages === undefined ? {} : { maxMessages }) });
  return { status: outcome.status, messages: outcome.messages, lines: trace.lines() };
}

test('random implementations run any of the test protocols to the end, reproducibly from a seed', async () => {
  for (const target of [pingPong, purchase, fork, vote]) {
    const runs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => randomRun(target, seed)));
    for (const run of runs) assert.equal(run.status, 'ended', `${target.name}: ${run.lines.join('\n')}`);
    assert.deepEqual((await randomRun(target, 3)).lines, runs[2]?.lines);
  }
  const paths = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (seed) => (await randomRun(purchase, seed)).messages));
  assert.ok(new Set(paths).size > 1, 'different seeds take different branches');
});

test('a protocol that never ends stops at the message bound, and that is a success', async () => {
  const endless = protocol('Endless', {
    A: seq(rec('L', send('B', 'Tick', { n: 'u64' }), recv('B', 'Tock'), jump('L'))),
    B: seq(rec('L', recv('A', 'Tick', { n: 'u64' }), send('A', 'Tock'), jump('L'))),
  });
  const run = await randomRun(endless, 9, 1000);
  assert.deepEqual([run.status, run.messages], ['bounded', 1000]);
  assert.equal(run.lines.filter((line) => line.includes(' send ')).length, 1000);
});

test('a failing role makes the session failed, with every role\'s result', async () => {
  const impls: Record<string, RoleImpl> = {
    Alice: { select: () => 'more', send: { Ping: () => ({ n: 'not a number' }) } },
    Bob: { send: { Pong: () => ({ n: 1 }) } },
  };
  const outcome = await runSession(pingPong, impls, new MemoryTransport(), { session: randomIdentifier('session', new SeededRandom(1)) });
  assert.equal(outcome.status, 'failed');
  const reasons = Object.values(outcome.roles).map((result) => (result.status === 'rejected' && isAuraError(result.reason) ? result.reason.code : result.status));
  assert.deepEqual(reasons, ['runtime.violation.payload', 'runtime.session-aborted']);
  await assert.rejects(runSession(pingPong, { Alice: impls.Alice! }, new MemoryTransport(), { session: randomIdentifier('session', new SeededRandom(2)) }), (error: unknown) =>
    isAuraError(error, 'runtime.missing-handler') && /Bob/.test(error.message),
  );
});

test('a role that cannot start rejects the whole run before any role waits for it', async () => {
  const note = protocol('Note', {
    A: seq(send('B', 'Note', { text: 'string' }, { annotations: { flow_cost: 3 } }), recv('B', 'Ack')),
    B: seq(recv('A', 'Note', { text: 'string' }), send('A', 'Ack')),
  });
  const random = new SeededRandom(4);
  const impls = { A: randomImpl(note, 'A', random), B: randomImpl(note, 'B', random) };
  await assert.rejects(runSession(note, impls, new MemoryTransport(), { session: randomIdentifier('session', random) }), (error: unknown) => isAuraError(error, 'runtime.unhandled-annotation'));
});

test('random values of Map<string, V>, and of named types whose codec can sample', async () => {
  const named = protocol('Named', {
    A: seq(send('B', 'Share', { share: 'crypto.Share', counts: 'Map<string, u64>' })),
    B: seq(recv('A', 'Share', { share: 'crypto.Share', counts: 'Map<string, u64>' })),
  });
  const types = new TypeRegistry().register('crypto.Share', {
    encode: (value) => {
      if (!(value instanceof Uint8Array) || value.length !== 32) throw new Error('a share is 32 bytes');
      return value;
    },
    decode: (wire) => wire,
    sample: (random) => random.randomBytes(32),
  });
  const random = new SeededRandom(5);
  const received: unknown[] = [];
  const impls = { A: randomImpl(named, 'A', random, types), B: { recv: { Share: (payload: unknown) => received.push(payload) } } };
  const outcome = await runSession(named, impls, new MemoryTransport(), { session: randomIdentifier('session', random), types });
  assert.equal(outcome.status, 'ended');
  const [payload] = received as [{ share: Uint8Array; counts: Record<string, unknown> }];
  assert.equal(payload.share.length, 32);
  for (const count of Object.values(payload.counts)) assert.ok(Number.isInteger(count) && (count as number) >= 0);
});

test('random payloads cannot be made for named types', () => {
  const named = protocol('Named', { A: seq(send('B', 'Share', { share: 'crypto.Share' })), B: seq(recv('A', 'Share', { share: 'crypto.Share' })) });
  assert.throws(() => randomImpl(named, 'A', new SeededRandom(1)), (error: unknown) => isAuraError(error, 'runtime.missing-handler') && /crypto\.Share/.test(error.message));
  assert.doesNotThrow(() => randomImpl(named, 'B', new SeededRandom(1)));
});
