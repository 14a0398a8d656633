// Adversarial roles in real choreographies: each helper's misbehaviour reaches the other roles,
// and the session ends, aborts cleanly with the monitor naming the problem, or stalls with the
// adversary to blame; never a crash of an honest role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import type { ProjectedProtocol } from '../choreo/local-type.ts';
import { pingPong, purchase } from '../../test/support/protocols.ts';
import { protocol, recv, send, seq } from '../runtime/builder.ts';
import { choreoRunPasses, simulateChoreo, type ChoreoSimResult } from './choreo-sim.ts';
import { crashStop, delaying, equivocating, forging, malformed, omitting, replaying, type RoleAdversary } from './role-adversary.ts';

/** `Leader -> A: Value(v: u64); Leader -> B: Value(v: u64);` then each reports what it heard. */
const broadcast = protocol('Broadcast', {
  Leader: seq(send('A', 'Value', { v: 'u64' }), send('B', 'Value', { v: 'u64' })),
  A: seq(recv('Leader', 'Value', { v: 'u64' })),
  B: seq(recv('Leader', 'Value', { v: 'u64' })),
});

async function under(adversary: RoleAdversary, seed = 1, target: ProjectedProtocol = purchase): Promise<ChoreoSimResult> {
  const result = await simulateChoreo(target, { seed, roleAdversaries: [adversary] });
  assert.deepEqual(result.run.roleCrashes, [], adversary.name);
  assert.ok(choreoRunPasses(result, true), `${adversary.name}: ${result.status}`);
  return result;
}

test('crash-stop and omission stall the peers, and the report blames the fault', async () => {
  for (const adversary of [crashStop('Seller'), omitting('Seller')]) {
    const result = await under(adversary);
    assert.equal(result.status, 'stalled', adversary.name);
    assert.equal(result.stall?.faultInduced, true, adversary.name);
  }
});

test('malformed bytes and replays are caught by the monitor: the session aborts cleanly', async () => {
  // A flipped bit may break the encoding, or leave a well-formed frame that says something else.
  const malformedRun = await under(malformed('Buyer'));
  assert.equal(malformedRun.status, 'aborted');
  assert.match(malformedRun.roles.find((role) => role.role === 'Seller')?.error ?? '', /cbor\.|envelope\.|runtime\.violation\./);
  const codes = new Set<string>();
  for (let seed = 0; seed < 10; seed++) {
    // A replay needs an earlier message on the link: runs where Alice sends once are unaffected.
    for (const role of (await under(replaying('Alice'), seed, pingPong)).roles) if (role.error !== undefined) codes.add(role.error.split(':')[0] ?? '');
  }
  assert.ok(codes.has('runtime.violation.duplicate'), [...codes].join());
});

/** What A and B heard from a Leader who means to send 7 to both, with `adversary` on the Leader. */
async function hearing(adversary: RoleAdversary): Promise<Map<string, unknown>> {
  const heard = new Map<string, unknown>();
  const listener = (name: string) => () => ({ recv: { Value: (payload: unknown) => void heard.set(name, payload) } });
  const result = await simulateChoreo(broadcast, {
    seed: 3,
    impls: { Leader: () => ({ send: { Value: () => ({ v: 7 }) } }), A: listener('A'), B: listener('B') },
    roleAdversaries: [adversary],
  });
  assert.equal(result.status, 'ended');
  return heard;
}

test('equivocation and forged payloads of the right shape reach the peers (only signatures would catch them); selective delay only slows the run', async () => {
  const equivocated = await hearing(equivocating('Leader', ['B']));
  assert.deepEqual(equivocated.get('A'), { v: 7 });
  assert.notDeepEqual(equivocated.get('B'), { v: 7 });
  const forged = await hearing(forging('Leader', { to: ['A'] }));
  assert.deepEqual([forged.get('A'), forged.get('B')], [{ v: 8 }, { v: 7 }]);

  const slow = await under(delaying('Buyer', 500));
  const fast = await under({ role: 'Buyer', name: 'honest' });
  assert.equal(slow.status, 'ended');
  assert.ok(slow.run.time >= fast.run.time + 500);
});

test('an adversary naming a role the protocol lacks is refused', async () => {
  await assert.rejects(simulateChoreo(purchase, { seed: 1, roleAdversaries: [crashStop('Mallory')] }), (error: unknown) => isAuraError(error, 'sim.unknown-role') && /Mallory/.test(error.message));
});
