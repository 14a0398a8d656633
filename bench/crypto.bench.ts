/**
 * Benchmarks of the threshold cryptography (issue 6): 2-of-3 FROST signing end to end beside
 * noble's own FROST path in the same run, group-signature verification, a 3-of-5 DKG with all
 * parties, a 2-of-3 -> 3-of-5 resharing, and local DKD derivation.
 */
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { utf8 } from '../src/core/bytes.ts';
import { trustedDealerKeygen } from '../src/crypto/dealer.ts';
import { deriveContextKey } from '../src/crypto/dkd.ts';
import { dkgFinish, dkgRound1, dkgRound2, type DkgRound2State } from '../src/crypto/dkg.ts';
import { aggregate, commit, signShare, type SigningPackage } from '../src/crypto/frost.ts';
import { participantId } from '../src/crypto/participant.ts';
import { reshareDeal, reshareReceive, type ReshareConfig } from '../src/crypto/reshare.ts';
import { verifyStrict } from '../src/crypto/signature.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { microsPerOpSync, millisOf, type Benchmark } from './harness.ts';

const random = new SeededRandom('crypto-bench');
const message = utf8('attest: device 7 joined at epoch 12');
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => participantId(from + i));

const dealt = trustedDealerKeygen({ participants: ids(1, 3), threshold: 2 }, random);

/** Ours: two commitments, two shares, aggregate (which verifies strictly before returning). */
export function signTwoOfThree(): Uint8Array {
  const rounds = dealt.shares.slice(0, 2).map((share) => ({ share, ...commit(share, random) }));
  const signing: SigningPackage = { message, commitments: rounds.map((r) => r.commitment) };
  return aggregate(dealt.publicKeyPackage, signing, rounds.map((r) => signShare(r.share, r.nonces, signing)));
}

const nobleDeal = ed25519_FROST.trustedDealer({ min: 2, max: 3 });
const nobleIds = Object.keys(nobleDeal.secretShares);

/** noble's path: the same steps through `ed25519_FROST`, then strict RFC 8032 verification. */
function nobleSignTwoOfThree(): void {
  const signers = nobleIds.slice(0, 2).map((id) => nobleDeal.secretShares[id]!);
  const rounds = signers.map((secret) => ({ secret, ...ed25519_FROST.commit(secret) }));
  const commitments = rounds.map((r) => r.commitments);
  const shares = Object.fromEntries(rounds.map((r) => [r.secret.identifier, ed25519_FROST.signShare(r.secret, nobleDeal.public, r.nonces, commitments, message)]));
  const signature = ed25519_FROST.aggregate(nobleDeal.public, commitments, message, shares);
  if (!ed25519.verify(signature, message, nobleDeal.public.commitments[0]!, { zip215: false })) throw new Error('noble signature does not verify');
}

/** A full 3-of-5 DKG, every party's three steps, messages passed in memory. */
export function dkgThreeOfFive(): void {
  const participants = ids(1, 5);
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: 3 }, random));
  const broadcasts = firsts.map((f) => f.broadcast);
  const seconds = firsts.map((f) => dkgRound2(f.state, broadcasts));
  const states: DkgRound2State[] = [];
  const sent = seconds.flatMap((s) => {
    if (s.kind !== 'ok') throw new Error('DKG complaint in benchmark');
    states.push(s.value.state);
    return s.value.send;
  });
  for (const state of states) if (dkgFinish(state, sent).kind !== 'ok') throw new Error('DKG complaint in benchmark');
}

const reshareConfig: ReshareConfig = { old: dealt.publicKeyPackage, dealers: ids(1, 2), recipients: ids(4, 5), threshold: 3 };

/** Resharing the 2-of-3 group to a new 3-of-5 set: both dealers, all five recipients. */
export function reshareTwoOfThreeToThreeOfFive(): void {
  const deals = dealt.shares.slice(0, 2).map((share) => reshareDeal(reshareConfig, share, random));
  const dealings = deals.map((d) => d.broadcast);
  const subShares = deals.flatMap((d) => d.send);
  for (const self of reshareConfig.recipients) if (reshareReceive(reshareConfig, self, dealings, subShares).kind !== 'ok') throw new Error('reshare complaint in benchmark');
}

const signature = signTwoOfThree();
const root = random.randomBytes(32);
let context = 0;

export const benchmarks: Benchmark[] = [
  {
    name: 'crypto/FROST 2-of-3 sign end to end',
    unit: 'ms',
    target: '<= 10 ms, ratio <= 0.25',
    samples: 25,
    measure: () => millisOf(signTwoOfThree),
    baseline: { name: 'noble ed25519_FROST', measure: () => millisOf(nobleSignTwoOfThree) },
  },
  {
    name: 'crypto/verify group signature',
    unit: 'µs/op',
    target: '<= 200 µs',
    measure: () => microsPerOpSync(500, () => verifyStrict(dealt.publicKeyPackage.groupPublicKey, message, signature)),
  },
  {
    name: 'crypto/DKG 3-of-5, all parties',
    unit: 'ms',
    target: '<= 300 ms',
    samples: 7,
    warmup: 1,
    measure: () => millisOf(dkgThreeOfFive),
  },
  {
    name: 'crypto/reshare 2-of-3 -> 3-of-5',
    unit: 'ms',
    target: '<= 300 ms',
    samples: 7,
    warmup: 1,
    measure: () => millisOf(reshareTwoOfThreeToThreeOfFive),
  },
  {
    name: 'crypto/DKD context-key derivation',
    unit: 'µs/op',
    target: '<= 20 µs',
    measure: () => microsPerOpSync(20_000, () => deriveContextKey(root, dealt.publicKeyPackage.groupPublicKey, `contact:${context++}`)),
  },
];
