import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concat, utf8 } from '../core/bytes.ts';
import { taggedDigest } from '../core/hash.ts';
import { isAuraError, type AuraError } from '../core/errors.ts';
import { identifierFromBytes, randomIdentifier } from '../core/identifiers.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import { bindEpoch, epochSession } from './epoch.ts';
import { dealToDevices } from './reshare-fixture.ts';
import { runSigningAttempt, runSigningDevice } from './sign.ts';

function dealt(seed: string) {
  const random = new SeededRandom(seed);
  const devices = [0, 1, 2].map(() => randomIdentifier('device', random));
  const { publicKeyPackage, shares } = dealToDevices(devices, 2, random);
  const signer = (k: number) => ({ device: devices[k]!, keyShare: shares.get(devices[k]!)!, message: utf8('epoch test'), random: random.fork(`s${k}`) }); // dealToDevices made one share per device
  return { random, devices, publicKeyPackage, signer };
}

describe('session epochs', () => {
  it('the session id is derived from the epoch', () => {
    const base = randomIdentifier('session', new SeededRandom('epoch-session'));
    assert.equal(epochSession(base, 3), epochSession(base, 3));
    assert.notEqual(epochSession(base, 3), epochSession(base, 4));
    const framed = concat(new Uint8Array([0, 0, 0, base.length]), utf8(base), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 3]));
    assert.equal(epochSession(base, 3), identifierFromBytes('session', taggedDigest('aura.protocols.epoch.v1.session', framed)));
  });

  it('a bound role stamps its epoch on every send and checks it on every receipt', async () => {
    const seen: unknown[] = [];
    const bound = bindEpoch({ send: { Ping: () => ({ n: 1 }), Later: async () => ({ n: 2 }) }, recv: { Pong: (p) => void seen.push(p) } }, 5);
    assert.deepEqual(bound.send!['Ping']!('B'), { n: 1, epoch: 5 });
    assert.deepEqual(await bound.send!['Later']!('B'), { n: 2, epoch: 5 });
    bound.recv!['Pong']!({ n: 3, epoch: 5 }, 'B');
    assert.deepEqual(seen, [{ n: 3, epoch: 5 }]);
    const stale = (e: unknown) => isAuraError(e, 'protocols.stale-epoch') && /epoch 4/.test(e.message) && /epoch 5/.test(e.message) && e.context['messageEpoch'] === 4 && e.context['epoch'] === 5;
    assert.throws(() => bound.recv!['Pong']!({ n: 4, epoch: 4 }, 'B'), stale);
    assert.throws(() => bound.recv!['Pong']!({ n: 4, epoch: 6 }, 'B'), (e) => isAuraError(e, 'protocols.newer-epoch'));
    assert.throws(() => bound.recv!['Pong']!({ n: 4 }, 'B'), (e) => isAuraError(e, 'protocols.bad-payload'));
    assert.equal(seen.length, 1, 'no rejected payload reached the role');
  });

  it('a signer of a stale epoch in the session is rejected, naming both epochs', async () => {
    const g = dealt('epoch-stale');
    const session = randomIdentifier('session', g.random);
    const transport = new MemoryTransport();
    const settled = await Promise.allSettled(
      [0, 1, 2].map((k) => runSigningAttempt({ signers: g.devices, publicKeyPackage: g.publicKeyPackage, session, epoch: k === 0 ? 6 : 7 }, g.signer(k), transport)),
    );
    const errors = settled.map((s) => (s.status === 'rejected' ? (s.reason as AuraError) : assert.fail('a session with a stale member must not finish')));
    for (const error of errors) assert.ok(isAuraError(error, 'protocols.sign.aborted'), error.message);
    const causes = errors.map((e) => (e.cause as AuraError | undefined)?.message ?? '');
    // S[0] sends first, so the current signers receive its stale message before anything else.
    assert.ok(errors.slice(1).some((e) => e.context['code'] === 'protocols.stale-epoch'), causes.join(' | '));
    assert.ok(causes.some((m) => m.includes('epoch 6') && m.includes('epoch 7')), causes.join(' | '));
  });

  it('signers at the same later epoch sign, in a session of that epoch', async () => {
    const g = dealt('epoch-later');
    const setup = { signers: g.devices.slice(0, 2), publicKeyPackage: g.publicKeyPackage, session: randomIdentifier('session', g.random), epoch: 2 };
    const transport = new MemoryTransport();
    const results = await Promise.all([0, 1].map((k) => runSigningDevice(setup, g.signer(k), transport)));
    assert.ok(verifyStrict(g.publicKeyPackage.groupPublicKey, utf8('epoch test'), results[0]!.signature));
  });
});
