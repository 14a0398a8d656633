/**
 * Benchmarks of the threshold protocols (issue 9), end to end over the in-memory runtime: every
 * member's role run by the runtime against `MemoryTransport`, with HPKE sealing and every check.
 * Each is printed beside its pure-crypto baseline from `crypto.bench.ts` (the same operation with
 * the crypto layer's functions called directly, no runtime), so the ratio is the protocol's
 * overhead.
 *
 * @module
 */
import '../src/handlers/network/promise-with-resolvers.ts';
import { utf8 } from '../src/core/bytes.ts';
import { randomIdentifier } from '../src/core/identifiers.ts';
import { trustedDealerKeygen } from '../src/crypto/dealer.ts';
import { generateHpkeKeyPair } from '../src/crypto/hpke.ts';
import { deviceParticipantId } from '../src/crypto/participant.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { runDkgDevice } from '../src/protocols/dkg.ts';
import { runSigningDevice } from '../src/protocols/sign.ts';
import { introduce } from '../src/handlers/network/network-device.ts';
import { startLoopbackDevice } from '../src/handlers/network/testing.ts';
import { NodeRandom } from '../src/handlers/random.ts';
import { ChannelTransport } from '../src/runtime/channel-transport.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import { epochSession } from '../src/protocols/epoch.ts';
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

const NETWORK_SIGNINGS = 10;

/**
 * Mean milliseconds of one 2-of-3 signing over libp2p on loopback: three network devices in this
 * process (TCP + Noise + Yamux, `ChannelTransport`), two of them signing, each signing a fresh
 * session; measured after three warm-up signings on the same connections.
 */
async function signOverLibp2p(): Promise<number> {
  const devices = await Promise.all([0, 1, 2].map(() => startLoopbackDevice()));
  const transports = devices.map((d) => new ChannelTransport(d.transport));
  try {
    for (const a of devices) for (const b of devices) if (a !== b) introduce(a, b);
    const ids = devices.map((d) => d.device);
    const fresh = new NodeRandom();
    const { publicKeyPackage, shares } = trustedDealerKeygen({ participants: ids.map(deviceParticipantId), threshold: 2 }, fresh);
    const signers = ids.slice(0, 2);
    const once = async () => {
      const session = randomIdentifier('session', fresh);
      // The first attempt runs in the session bound to the epoch; each signing device routes it by its roles (the third one stays idle).
      const roles = new Map(signers.map((device, k) => [`S[${k}]`, device]));
      for (const t of transports.slice(0, 2)) t.addSession(epochSession(session, 0), roles);
      await Promise.all(
        signers.map((device, k) => {
          const keyShare = shares.find((s) => s.participant === deviceParticipantId(device));
          if (keyShare === undefined) throw new Error('the dealer made one share per device');
          return runSigningDevice({ signers, publicKeyPackage, session }, { device, keyShare, message, random: fresh }, transports[k]!);
        }),
      );
      for (const t of transports.slice(0, 2)) t.endSession(epochSession(session, 0));
    };
    for (let i = 0; i < 3; i++) await once();
    return await millisOf(async () => {
      for (let i = 0; i < NETWORK_SIGNINGS; i++) await once();
    }) / NETWORK_SIGNINGS;
  } finally {
    for (const t of transports) t.close();
    await Promise.all(devices.map((d) => d.stop()));
  }
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
    name: 'protocols/FROST 2-of-3 signing over libp2p on loopback (mean of 10 signings per sample)',
    unit: 'ms',
    target: '<= 30 ms',
    samples: 7,
    warmup: 1,
    measure: signOverLibp2p,
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
