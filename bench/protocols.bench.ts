/**
 * Benchmarks of the threshold protocols (issue 9), end to end over the in-memory runtime: every
 * member's role run by the runtime against `MemoryTransport`, with HPKE sealing and every check.
 * Each is printed beside its pure-crypto baseline from `crypto.bench.ts` (the same operation with
 * the crypto layer's functions called directly, no runtime), so the ratio is the protocol's
 * overhead.
 *
 * @module
 */
import { utf8 } from '../src/core/bytes.ts';
import { randomIdentifier } from '../src/core/identifiers.ts';
import { trustedDealerKeygen } from '../src/crypto/dealer.ts';
import { generateHpkeKeyPair } from '../src/crypto/hpke.ts';
import { deviceParticipantId } from '../src/crypto/participant.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { runDkgDevice } from '../src/protocols/dkg.ts';
import { runSigningDevice } from '../src/protocols/sign.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import { dkgThreeOfFive, signTwoOfThree } from './crypto.bench.ts';
import { millisOf, type Benchmark } from './harness.ts';

const random = new SeededRandom('protocols-bench');
const message = utf8('attest: device 7 joined at epoch 12');

const dkgDevices = await Promise.all(
  Array.from({ length: 5 }, async (_, k) => {
    const key = await generateHpkeKeyPair(random);
    return { device: randomIdentifier('device', random), hpkeSecretKey: key.secretKey, hpkePublicKey: key.publicKey, random: random.fork(`dkg-${k}`) };
  }),
);

async function dkgProtocolThreeOfFive(): Promise<void> {
  const setup = { members: dkgDevices.map((d) => ({ device: d.device, hpkePublicKey: d.hpkePublicKey })), threshold: 3, session: randomIdentifier('session', random) };
  const transport = new MemoryTransport();
  await Promise.all(dkgDevices.map((d) => runDkgDevice(setup, d, transport)));
}

const signers = [0, 1, 2].map(() => randomIdentifier('device', random));
const dealt = trustedDealerKeygen({ participants: signers.map(deviceParticipantId), threshold: 2 }, random);
const shareOf = new Map(dealt.shares.map((share) => [share.participant, share]));

async function signProtocolTwoOfThree(): Promise<void> {
  // Two of the three sign: the quorum the target names.
  const chosen = signers.slice(0, 2);
  const setup = { signers: chosen, publicKeyPackage: dealt.publicKeyPackage, session: randomIdentifier('session', random) };
  const transport = new MemoryTransport();
  await Promise.all(
    chosen.map((device) => {
      const keyShare = shareOf.get(deviceParticipantId(device));
      if (keyShare === undefined) throw new Error('the dealer made one share per device');
      return runSigningDevice(setup, { device, keyShare, message, random }, transport);
    }),
  );
}

/** The protocol benchmarks. */
export const benchmarks: Benchmark[] = [
  {
    name: 'protocols/FROST 2-of-3 signing over the in-memory runtime',
    unit: 'ms',
    target: '<= 15 ms',
    samples: 25,
    measure: () => millisOf(signProtocolTwoOfThree),
    baseline: { name: 'crypto/FROST 2-of-3 sign end to end', measure: () => millisOf(signTwoOfThree) },
  },
  {
    name: 'protocols/DKG 3-of-5 over the in-memory runtime',
    unit: 'ms',
    target: '<= 400 ms',
    samples: 7,
    warmup: 1,
    measure: () => millisOf(dkgProtocolThreeOfFive),
    baseline: { name: 'crypto/DKG 3-of-5, all parties', measure: () => millisOf(dkgThreeOfFive) },
  },
];
