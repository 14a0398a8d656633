import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex, utf8 } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { StepOutcome } from './complaint.ts';
import { complaintsOf, ok } from './fixtures/outcomes.ts';
import { dkgFinish, dkgRound1, dkgRound2, shareComplaintIsJustified, type DkgResult, type DkgRound1Message, type DkgRound2Message } from './dkg.ts';
import { aggregate, commit, signShare, type SigningPackage } from './frost.ts';
import { participantId, type ParticipantId } from './participant.ts';
import { verifyStrict } from './signature.ts';
import { vectorCopies } from './fixtures/vectors.ts';

/** The ZF DKG vector (fixtures/vectors_dkg.json), participant fields as documented in its README. */
interface DkgVectorParticipant {
  readonly identifier: number;
  readonly signing_key: string;
  readonly coefficient: string;
  readonly vss_commitments: readonly string[];
  readonly proof_of_knowledge: string;
  readonly signing_shares: Readonly<Record<string, string>>;
  readonly verifying_share: string;
  readonly signing_share: string;
}

for (const { source, data } of vectorCopies('vectors_dkg.json')) {
  test(`DKG vector ${source}: each participant's commitments, shares, key share and group key match`, () => {
    const vector = data as { config: { MIN_PARTICIPANTS: number }; inputs: Record<string, unknown> & { verifying_key: string } };
    const members = ['1', '2', '3'].map((k) => vector.inputs[k] as DkgVectorParticipant);
    const participants = members.map((m) => participantId(m.identifier));
    const round1: DkgRound1Message[] = members.map((m) => ({ from: participantId(m.identifier), commitments: m.vss_commitments.map(fromHex), proof: fromHex(m.proof_of_knowledge) }));
    for (const me of members) {
      const self = participantId(me.identifier);
      const first = dkgRound1({ self, participants, threshold: vector.config.MIN_PARTICIPANTS }, new SeededRandom(`pok-${me.identifier}`), { coefficients: [fromHex(me.signing_key), fromHex(me.coefficient)] });
      assert.deepEqual(first.broadcast.commitments.map(toHex), me.vss_commitments);
      const second = ok(dkgRound2(first.state, round1.filter((m) => m.from !== self)));
      for (const sent of second.send) {
        const recipient = members.find((m) => participantId(m.identifier) === sent.to)!;
        assert.equal(toHex(sent.share), recipient.signing_shares[String(me.identifier)]);
      }
      const received: DkgRound2Message[] = Object.entries(me.signing_shares).map(([from, share]) => ({ from: participantId(Number(from)), to: self, share: fromHex(share) }));
      const result = ok(dkgFinish(second.state, received));
      assert.equal(toHex(result.publicKeyPackage.groupPublicKey), vector.inputs.verifying_key);
      result.keyShare.withSecretBytes((secret) => {
        assert.equal(toHex(secret), me.signing_share);
      });
      for (const m of members) assert.equal(toHex(result.publicKeyPackage.verifyingShares[participantId(m.identifier)]!), m.verifying_share);
    }
  });
}

/** Runs a full DKG among `n` in memory, letting `tamper` change messages in flight. */
function runDkg(
  n: number,
  t: number,
  seed: string,
  tamper: { round1?: (m: DkgRound1Message) => DkgRound1Message; round2?: (m: DkgRound2Message) => DkgRound2Message } = {},
): { participants: ParticipantId[]; round1: DkgRound1Message[]; round2: DkgRound2Message[]; results: StepOutcome<DkgResult>[] } {
  const random = new SeededRandom(seed);
  const participants = Array.from({ length: n }, (_, i) => participantId(i + 1));
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: t }, random.fork(self)));
  const round1 = firsts.map((f) => (tamper.round1 ?? ((m) => m))(f.broadcast));
  // Messages travel as canonical bytes, as they will over the network.
  const wire = decodeCanonical(encodeCanonical(round1)) as DkgRound1Message[];
  const seconds = firsts.map((f) => ok(dkgRound2(f.state, wire)));
  const round2 = seconds.flatMap((s) => s.send).map(tamper.round2 ?? ((m) => m));
  return { participants, round1, round2, results: seconds.map((s) => dkgFinish(s.state, round2)) };
}

test('a 3-of-5 DKG gives everyone the same group key, and any 3 can sign under it', () => {
  const { results } = runDkg(5, 3, 'dkg-3-of-5');
  const done = results.map(ok);
  const key = toHex(done[0]!.publicKeyPackage.groupPublicKey);
  for (const r of done) assert.deepEqual(encodeCanonical(r.publicKeyPackage), encodeCanonical(done[0]!.publicKeyPackage));
  const random = new SeededRandom('signing');
  const signers = [done[4]!, done[0]!, done[2]!];
  const rounds = signers.map((r) => ({ share: r.keyShare, ...commit(r.keyShare, random) }));
  const signing: SigningPackage = { message: utf8('hello'), commitments: rounds.map((r) => r.commitment) };
  const signature = aggregate(done[0]!.publicKeyPackage, signing, rounds.map((r) => signShare(r.share, r.nonces, signing)));
  assert.equal(verifyStrict(fromHex(key), signing.message, signature), true);
});

test('a bad proof of knowledge is a complaint naming its sender', () => {
  const participants = Array.from({ length: 3 }, (_, i) => participantId(i + 1));
  const random = new SeededRandom('bad-proof');
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: 2 }, random));
  const forged = { ...firsts[1]!.broadcast, proof: firsts[2]!.broadcast.proof };
  const complaints = complaintsOf(dkgRound2(firsts[0]!.state, [forged, firsts[2]!.broadcast]));
  assert.deepEqual(complaints.map((c) => [c.accused, c.reason]), [[participants[1], 'bad-proof']]);
});

test('a commitment outside the prime-order subgroup is a bad-commitment complaint', () => {
  const data = vectorCopies('elements.json')[0]!.data as { elements: { invalid_element: string } };
  const participants = Array.from({ length: 3 }, (_, i) => participantId(i + 1));
  const random = new SeededRandom('torsion');
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: 2 }, random));
  const bad = { ...firsts[2]!.broadcast, commitments: [firsts[2]!.broadcast.commitments[0]!, fromHex(data.elements.invalid_element)] };
  const complaints = complaintsOf(dkgRound2(firsts[0]!.state, [firsts[1]!.broadcast, bad]));
  assert.deepEqual(complaints.map((c) => [c.accused, c.reason]), [[participants[2], 'bad-commitment']]);
  assert.match(complaints[0]!.detail, /prime-order subgroup/);
});

test('a bad share is a complaint with evidence that anyone can check', () => {
  const cheater = participantId(2);
  const victim = participantId(4);
  const { round1, round2, results } = runDkg(4, 2, 'bad-share', {
    round2: (m) => (m.from === cheater && m.to === victim ? { ...m, share: new Uint8Array(32).fill(7) } : m),
  });
  const complaint = complaintsOf(results[3]!)[0]!;
  assert.equal(complaint.accused, cheater);
  assert.equal(complaint.reason, 'bad-share');
  assert.equal(shareComplaintIsJustified(round1[1]!, victim, complaint, 2), true);
  // A false accusation, backed by the genuine share the accuser received, is exposed.
  const genuine = round2.find((m) => m.from === cheater && m.to === participantId(1))!.share;
  assert.equal(shareComplaintIsJustified(round1[1]!, participantId(1), { ...complaint, evidence: genuine }, 2), false);
  for (const [i, r] of results.entries()) if (i !== 3) assert.equal(r.kind, 'ok');
});

test('missing and duplicate messages are complaints; strangers and bad configs are errors', () => {
  const participants = Array.from({ length: 3 }, (_, i) => participantId(i + 1));
  const random = new SeededRandom('missing');
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: 2 }, random));
  const missing = complaintsOf(dkgRound2(firsts[0]!.state, [firsts[1]!.broadcast, firsts[1]!.broadcast]));
  assert.deepEqual(missing.map((c) => c.reason), ['duplicate-message', 'missing-message']);
  const stranger = { ...firsts[1]!.broadcast, from: participantId(9) };
  assert.throws(() => dkgRound2(firsts[1]!.state, [stranger]), (e) => isAuraError(e, 'crypto.protocol.unknown-sender'));
  assert.throws(() => dkgRound1({ self: participants[0]!, participants: [participants[0]!, participants[0]!], threshold: 1 }, random), (e) => isAuraError(e, 'crypto.participant.duplicate'));
  assert.throws(() => dkgRound1({ self: participants[0]!, participants, threshold: 4 }, random), (e) => isAuraError(e, 'crypto.bad-threshold'));
  assert.throws(() => participantId(0), (e) => isAuraError(e, 'crypto.participant.zero'));
});

test('a DKG state is linear: replaying round two with the same state throws', () => {
  const participants = [participantId(1), participantId(2)];
  const random = new SeededRandom('linear');
  const firsts = participants.map((self) => dkgRound1({ self, participants, threshold: 2 }, random));
  ok(dkgRound2(firsts[0]!.state, [firsts[1]!.broadcast]));
  assert.throws(() => dkgRound2(firsts[0]!.state, [firsts[1]!.broadcast]), (e) => isAuraError(e, 'crypto.secret.consumed'));
});
