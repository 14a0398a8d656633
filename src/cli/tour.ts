/**
 * `npm run tour`: a short tour of the earlier layers, in one process (`npm run demo` is the
 * account story of issue 11, `demo.ts`). It shows
 * the foundation (reproducible effects, identifiers, canonical encoding and content identifiers,
 * tamper detection, causal time), a choreography checked, projected and run by every role, and a
 * 2-of-3 threshold key made by a real DKG that signs a message any Ed25519 verifier accepts.
 * Every check is real; the demo exits 1 if any fails.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { loadProtocol } from '../choreo/check.ts';
import { printLocalType } from '../choreo/print-local.ts';
import { dkgFinish, dkgRound1, dkgRound2, type DkgResult, type DkgRound2Message } from '../crypto/dkg.ts';
import { aggregate, commit, signShare, type SigningPackage } from '../crypto/frost.ts';
import { participantId } from '../crypto/participant.ts';
import type { StepOutcome } from '../crypto/complaint.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import { randomImpl } from '../runtime/random-impl.ts';
import { runSession } from '../runtime/run-session.ts';
import { Trace } from '../runtime/trace.ts';
import { encodeCanonical, decodeCanonical } from '../core/canonical.ts';
import { contentId } from '../core/content-id.ts';
import { MemoryContentStore } from '../core/content-store.ts';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier } from '../core/identifiers.ts';
import { compareVectors } from '../core/logical-clock.ts';
import { deterministicEffects } from '../handlers/effects.ts';
import { ReplicaLogicalClock } from '../handlers/logical-clock.ts';
import { fromHex, toHex, utf8 } from '../core/bytes.ts';

const checks: { name: string; ok: boolean }[] = [];

function check(name: string, ok: boolean): void {
  checks.push({ name, ok });
  console.log(`  ${ok ? '✓' : '✗'} ${name}`);
}

function okOrThrow<T>(step: StepOutcome<T>): T {
  if (step.kind === 'complaints') throw new Error(step.complaints.map((c) => c.detail).join('; '));
  return step.value;
}

function section(title: string): void {
  console.log(`\n${title}`);
}

console.log('Aura demo: the foundation layer');

section('1. Effects are reproducible from a seed');
const first = deterministicEffects(2026);
const again = deterministicEffects(2026);
const device = randomIdentifier('device', first.random);
console.log(`  a device drawn from seed 2026: ${device}`);
check('the same seed gives the same device id', randomIdentifier('device', again.random) === device);

section('2. A fact is canonical DAG-CBOR named by its content id');
const keys = first.crypto.generateSigningKey();
const payload = { typeId: 'device.added', schemaVersion: 1, payload: { device, publicKey: keys.publicKey } };
const signature = first.crypto.sign(keys.secretKey, encodeCanonical(payload));
const fact = { ...payload, attestation: { kind: 'device', signature } };
const bytes = encodeCanonical(fact);
const id = contentId(fact);
console.log(`  ${bytes.length} bytes, content id ${id.toString()}`);
check('the device signature over the canonical payload verifies', first.crypto.verify(keys.publicKey, encodeCanonical(payload), signature));
check('reordering the keys does not change the content id', contentId(Object.fromEntries(Object.entries(fact).reverse())).equals(id));
check('the SHA-256 form names its own hash', contentId(fact, 'sha2-256').multihash.code === 0x12);
const authority = deriveIdentifier('authority', { groupKey: toHex(keys.publicKey) });
console.log(`  an authority id derived from a group key: ${authority}`);

section('3. Bad bytes are refused with a precise error');
try {
  decodeCanonical(fromHex('a2616201616102'));
  check('unsorted map keys are refused', false);
} catch (error) {
  console.log(`  ${isAuraError(error) ? `${error.code}: ${error.message}` : String(error)}`);
  check('unsorted map keys are refused', isAuraError(error, 'cbor.non-canonical'));
}
const blocks = new Map<string, Uint8Array>();
const store = new MemoryContentStore('blake3-256', blocks);
const stored = await store.put(bytes);
blocks.set(stored.toString(), encodeCanonical({ ...fact, typeId: 'device.removed' }));
try {
  await store.get(stored);
  check('a tampered block is caught on read', false);
} catch (error) {
  console.log(`  ${isAuraError(error) ? `${error.code}: ${error.message}` : String(error)}`);
  check('a tampered block is caught on read', isAuraError(error, 'cid.mismatch'));
}

section('4. Causal time without a shared clock');
const alice = new ReplicaLogicalClock('alice');
const bob = new ReplicaLogicalClock('bob');
const sent = alice.tick();
const bobsOwn = bob.tick();
const received = bob.observe(sent);
console.log(`  alice sends at ${JSON.stringify(sent.vector)}, bob receives at ${JSON.stringify(received.vector)}`);
check("alice's send happened before bob's receive", compareVectors(sent.vector, received.vector) === 'before');
check("alice's send and bob's earlier event are concurrent", compareVectors(sent.vector, bobsOwn.vector) === 'concurrent');
check('a message signed by a device is tied to its bytes', !first.crypto.verify(keys.publicKey, utf8('something else'), signature));

section('5. A choreography: written once, checked, projected, run by every role');
const choreoFile = new URL('../../examples/choreo/two-buyer.choreo', import.meta.url);
const loaded = loadProtocol(readFileSync(choreoFile, 'utf8'), 'examples/choreo/two-buyer.choreo');
check('two-buyer.choreo is well-formed and projectable', loaded.projected !== undefined && loaded.diagnostics.length === 0);
if (loaded.projected !== undefined) {
  const twoBuyer = loaded.projected;
  console.log(`  roles ${twoBuyer.roles.join(', ')}; protocol id ${twoBuyer.contentId}`);
  console.log(`  Buyer2's local session type:\n${printLocalType(twoBuyer.locals.Buyer2 ?? { kind: 'end' }).replace(/^/gm, '    ')}`);
  const sessionRandom = new SeededRandom('demo-session');
  const impls = Object.fromEntries(twoBuyer.roles.map((role) => [role, randomImpl(twoBuyer, role, sessionRandom)]));
  const trace = new Trace();
  const outcome = await runSession(twoBuyer, impls, new MemoryTransport(), { session: randomIdentifier('session', sessionRandom), observer: trace });
  console.log(`  ran all roles in memory with seeded choices: ${outcome.status}, ${outcome.messages} messages, each checked by the session monitor`);
  check('every role reached the end of its session type', outcome.status === 'ended');
}

section('6. A 2-of-3 threshold key from a real DKG, and a signature any Ed25519 verifier accepts');
const dkgRandom = new SeededRandom('demo-dkg');
const members = [1, 2, 3].map(participantId);
const round1 = members.map((self) => dkgRound1({ self, participants: members, threshold: 2 }, dkgRandom));
const round2 = round1.map((r) => okOrThrow(dkgRound2(r.state, round1.map((x) => x.broadcast))));
const privateShares: DkgRound2Message[] = round2.flatMap((r) => [...r.send]);
const results: DkgResult[] = round2.map((r) => okOrThrow(dkgFinish(r.state, privateShares)));
const groupKey = results[0]?.publicKeyPackage.groupPublicKey ?? new Uint8Array();
console.log(`  group public key ${toHex(groupKey)}`);
check('all three participants computed the same group key', results.every((r) => toHex(r.publicKeyPackage.groupPublicKey) === toHex(groupKey)));
const signers = [results[0], results[2]].flatMap((r) => (r === undefined ? [] : [r.keyShare]));
const roundOne = signers.map((share) => ({ share, ...commit(share, dkgRandom) }));
const signing: SigningPackage = { message: utf8('Aura demo: signed by 2 of 3 devices'), commitments: roundOne.map((r) => r.commitment) };
const groupSignature = aggregate(results[0]!.publicKeyPackage, signing, roundOne.map((r) => signShare(r.share, r.nonces, signing))); // results has three entries
const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), groupKey]), format: 'der', type: 'spki' });
check("node:crypto (OpenSSL) verifies the threshold signature under the group key", nodeVerify(null, signing.message, spki, groupSignature));
check('the signing nonces were used up', roundOne.every((r) => !r.nonces.alive));

const failed = checks.filter((c) => !c.ok);
console.log(`\n${checks.length - failed.length} of ${checks.length} checks passed.`);
process.exitCode = failed.length === 0 ? 0 : 1;
