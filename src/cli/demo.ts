/**
 * `npm run demo`: a short tour of what runs today. It grows with the project; for now it shows
 * the foundation: reproducible effects, identifiers, canonical encoding and content identifiers,
 * tamper detection, and causal time. Every check is real; the demo exits 1 if any fails.
 *
 * @module
 */
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

const failed = checks.filter((c) => !c.ok);
console.log(`\n${checks.length - failed.length} of ${checks.length} checks passed.`);
process.exitCode = failed.length === 0 ? 0 : 1;
