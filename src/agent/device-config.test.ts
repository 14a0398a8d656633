import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { decodeConfig, encodeConfig, type DeviceConfig } from './device-config.ts';

function sampleConfig(seed: string, members: number, threshold: number): DeviceConfig {
  const random = new SeededRandom(seed);
  const list = Array.from({ length: members }, (_, k) => ({
    name: `device-${k + 1}`,
    device: randomIdentifier('device', random),
    address: `/ip4/127.0.0.1/tcp/${4000 + k}/p2p/12D3KooWtest${k}`,
    hpkePublicKey: random.randomBytes(32),
  }));
  return { authority: randomIdentifier('authority', random), device: list[0]!.device, groupKey: random.randomBytes(32), threshold, members: list, policy: 'auto' }; // at least one member
}

test('a config survives encoding and decoding unchanged', () => {
  fc.assert(
    fc.property(fc.string(), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (seed, members, t) => {
      const config = sampleConfig(seed, members, Math.min(t, members));
      assert.deepEqual(decodeConfig(encodeConfig(config), 'aura.json'), config);
    }),
    { numRuns: 50 },
  );
});

test('a corrupted config is refused naming the field', () => {
  const json = JSON.parse(encodeConfig(sampleConfig('c', 3, 2))) as Record<string, unknown>;
  const refuse = (changed: Record<string, unknown>, pattern: RegExp): void => {
    assert.throws(() => decodeConfig(JSON.stringify({ ...json, ...changed }), 'D/aura.json'), (e) => isAuraError(e, 'agent.config-corrupt') && pattern.test(e.message));
  };
  refuse({ groupKey: 'abcd' }, /field "groupKey"/);
  refuse({ threshold: 4 }, /field "threshold"/);
  refuse({ authority: 'device-xyz' }, /field "authority"/);
  refuse({ policy: 'sometimes' }, /field "policy"/);
  refuse({ members: [] }, /field "members"/);
  refuse({ device: randomIdentifier('device', new SeededRandom('other')) }, /is not among its members/);
  assert.throws(() => decodeConfig('{"format":', 'D/aura.json'), (e) => isAuraError(e, 'agent.config-corrupt') && /not JSON/.test(e.message));
});

test('a config of another format or version is unsupported', () => {
  const json = JSON.parse(encodeConfig(sampleConfig('v', 1, 1))) as Record<string, unknown>;
  assert.throws(() => decodeConfig(JSON.stringify({ ...json, version: 2 }), 'x'), (e) => isAuraError(e, 'agent.config-unsupported'));
  assert.throws(() => decodeConfig(JSON.stringify({ ...json, format: 'other' }), 'x'), (e) => isAuraError(e, 'agent.config-unsupported'));
});
