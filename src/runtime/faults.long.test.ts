// A long sweep (AURA_LONG=1): every test protocol under seeded random faults, over both
// transports. Whatever the faults, every role settles (receive timeouts end waits for lost
// messages), every failure is a typed error, and a session either ends for all roles or fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { WallClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { fork, pingPong, purchase, ring, vote } from '../../test/support/protocols.ts';
import { BytesMemoryTransport } from './bytes-transport.ts';
import { faults, randomFaults } from './faults.ts';
import { MemoryTransport } from './memory-transport.ts';
import { randomImpl } from './random-impl.ts';
import { runSession } from './run-session.ts';
import { composeTransport } from './transport.ts';

const TYPED = /^(cbor|envelope|runtime\.violation|runtime\.session-aborted|runtime\.receive-timeout)/;

test('random faults never hang a session nor produce an untyped error', async () => {
  const time = new WallClock();
  const protocols = [pingPong, purchase, fork, vote, ring(4)];
  const tally = new Map<string, number>();
  for (let seed = 0; seed < 400; seed++) {
    const random = new SeededRandom(seed);
    const target = protocols[seed % protocols.length]!; // index is taken modulo the length
    const plan = randomFaults(random.fork('faults'), { drop: 0.03, duplicate: 0.03, corrupt: 0.03, delay: { rate: 0.03, ms: 2 } });
    const base = seed % 2 === 0 ? new MemoryTransport() : new BytesMemoryTransport();
    const transport = composeTransport(base, faults({ plan, time, random: random.fork('corrupt') }));
    const impls = Object.fromEntries(target.roles.map((role) => [role, randomImpl(target, role, random.fork(role))]));
    const outcome = await runSession(target, impls, transport, { session: randomIdentifier('session', random), time, receiveTimeoutMs: 100 });
    for (const result of Object.values(outcome.roles)) {
      if (result.status === 'fulfilled') continue;
      assert.ok(isAuraError(result.reason) && TYPED.test(result.reason.code), `seed ${seed}: ${String(result.reason)}`);
    }
    tally.set(outcome.status, (tally.get(outcome.status) ?? 0) + 1);
  }
  assert.ok((tally.get('ended') ?? 0) > 0 && (tally.get('failed') ?? 0) > 0, JSON.stringify([...tally]));
});
