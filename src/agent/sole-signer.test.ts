import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { SeededRandom } from '../handlers/random.ts';
import { dealToDevices } from '../protocols/reshare-fixture.ts';
import { signAlone } from './sole-signer.ts';

describe('signing alone with a threshold-1 group key', () => {
  it('gives an Ed25519 signature that verifies strictly under the group key, and only for that message', () => {
    const random = new SeededRandom('sole-signer');
    const device = randomIdentifier('device', random);
    const { publicKeyPackage, shares } = dealToDevices([device], 1, random);
    const share = shares.get(device);
    assert.ok(share !== undefined);
    const signature = signAlone(share, utf8('I accept'), random);
    assert.ok(verifyStrict(publicKeyPackage.groupPublicKey, utf8('I accept'), signature));
    assert.ok(!verifyStrict(publicKeyPackage.groupPublicKey, utf8('I decline'), signature));
    assert.ok(share.alive, 'the share outlives the signature');
  });

  it('refuses a share of a group that needs more signers', () => {
    const random = new SeededRandom('sole-signer-2');
    const devices = [randomIdentifier('device', random), randomIdentifier('device', random)];
    const share = dealToDevices(devices, 2, random).shares.get(devices[0]!);
    assert.ok(share !== undefined);
    assert.throws(() => signAlone(share, utf8('x'), random), (e) => isAuraError(e, 'agent.not-sole-signer'));
  });
});
