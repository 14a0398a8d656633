import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake3 } from '@noble/hashes/blake3.js';
import { concat, fromHex, toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { deriveContextKey, deriveContextSigningKey, dkdCombine, dkdCommit, dkdReveal, type DkdReveal, type DkdSession } from './dkd.ts';
import { participantId } from './participant.ts';
import { verifyStrict, ed25519Sign } from './signature.ts';
import { complaintsOf, ok } from './fixtures/outcomes.ts';

const GROUP_KEY = fromHex('15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673'); // RFC 9591 E.1 group key
const participants = [participantId(1), participantId(2), participantId(3)];

/** Runs commit-reveal among the three participants; `tamper` may alter reveals in flight. */
function runDkd(seed: string, tamper: (r: DkdReveal) => DkdReveal = (r) => r) {
  const random = new SeededRandom(seed);
  const commits = participants.map((self) => dkdCommit({ groupPublicKey: GROUP_KEY, label: 'root', participants, self }, random));
  const reveals = commits.map((c) => ok(dkdReveal(c.state, commits.map((x) => x.broadcast))));
  const sent = reveals.map((r) => tamper(r.reveal));
  return reveals.map((r) => dkdCombine(r.state, sent));
}

test('commit-reveal gives every participant the same root', () => {
  const roots = runDkd('dkd').map(ok);
  assert.equal(roots[0]!.length, 32);
  for (const root of roots) assert.deepEqual(root, roots[0]);
  assert.notDeepEqual(ok(runDkd('other')[0]!), roots[0]);
});

test('a reveal that does not match its commitment is a complaint naming the revealer', () => {
  const outcomes = runDkd('cheat', (r) => (r.from === participants[2] ? { ...r, contribution: new Uint8Array(32) } : r));
  for (const o of outcomes) assert.deepEqual(complaintsOf(o).map((c) => [c.accused, c.reason]), [[participants[2], 'bad-reveal']]);
});

test('nothing is revealed until every commitment is in', () => {
  const random = new SeededRandom('early');
  const session: DkdSession = { groupPublicKey: GROUP_KEY, label: 'root', participants, self: participants[0]! };
  const mine = dkdCommit(session, random);
  assert.deepEqual(complaintsOf(dkdReveal(mine.state, [mine.broadcast])).map((c) => c.reason), ['missing-message', 'missing-message']);
  assert.throws(() => dkdCommit({ ...session, groupPublicKey: new Uint8Array(31) }, random), (e) => isAuraError(e, 'crypto.point.bad-length'));
});

test('commitments and the root are the documented BLAKE3 digests under the session values', () => {
  const random = new SeededRandom('format');
  const commits = participants.map((self) => dkdCommit({ groupPublicKey: GROUP_KEY, label: 'root', participants, self }, random));
  const reveals = commits.map((c) => ok(dkdReveal(c.state, commits.map((x) => x.broadcast))));
  const keys = blake3(concat(GROUP_KEY, utf8('root')), { context: utf8('aura.dkd.v3.session'), dkLen: 64 });
  reveals.forEach(({ reveal }, k) => { assert.deepEqual(commits[k]!.broadcast.commitment, blake3(concat(fromHex(reveal.from), reveal.contribution), { key: keys.subarray(0, 32) })); });
  // participantId(1) < (2) < (3): the reveals are already in identifier order.
  const root = blake3(concat(keys.subarray(32), ...reveals.map(({ reveal }) => reveal.contribution)), { context: utf8('aura.dkd.v3.root'), dkLen: 64 });
  assert.deepEqual(ok(dkdCombine(reveals[1]!.state, reveals.map((r) => r.reveal), 64)), root);
  assert.deepEqual(ok(dkdCombine(reveals[2]!.state, reveals.map((r) => r.reveal))), root.subarray(0, 32));
});

test('a byte label is the same session as the text with those bytes; another label is another session', () => {
  const commitOf = (label: string | Uint8Array) => dkdCommit({ groupPublicKey: GROUP_KEY, label, participants, self: participants[0]! }, new SeededRandom('label')).broadcast.commitment;
  assert.deepEqual(commitOf(utf8('request')), commitOf('request'));
  assert.notDeepEqual(commitOf(new Uint8Array(32)), commitOf(new Uint8Array(31)));
});

test('a root of a length outside 16..1024 bytes is refused', () => {
  const random = new SeededRandom('length');
  const commits = participants.map((self) => dkdCommit({ groupPublicKey: GROUP_KEY, label: 'root', participants, self }, random));
  const reveals = commits.map((c) => ok(dkdReveal(c.state, commits.map((x) => x.broadcast))));
  for (const length of [15, 1025, 32.5]) assert.throws(() => dkdCombine(reveals[0]!.state, reveals.map((r) => r.reveal), length), (e) => isAuraError(e, 'crypto.dkd.bad-length'));
});

test('the context key is BLAKE3 derive-key over the documented bytes', () => {
  const root = new Uint8Array(32).fill(9);
  const context = utf8('contact:alice');
  const lengthPrefix = new Uint8Array([0, 0, 0, context.length]);
  const expected = blake3(concat(root, GROUP_KEY, lengthPrefix, context), { context: utf8('aura.dkd.v1.context-key') });
  assert.equal(toHex(deriveContextKey(root, GROUP_KEY, 'contact:alice')), toHex(expected));
});

test('same inputs give the same key; different contexts or roots give different keys', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string(), fc.string(), (root, a, b) => {
      assert.deepEqual(deriveContextKey(root, GROUP_KEY, a), deriveContextKey(root.slice(), GROUP_KEY.slice(), a));
      if (a !== b) assert.notDeepEqual(deriveContextKey(root, GROUP_KEY, a), deriveContextKey(root, GROUP_KEY, b));
    }),
    { numRuns: 50 },
  );
  assert.throws(() => deriveContextKey(new Uint8Array(16), GROUP_KEY, 'x'), (e) => isAuraError(e, 'crypto.dkd.bad-root'));
});

test('a context signing key signs verifiably', () => {
  const pair = deriveContextSigningKey(new Uint8Array(32).fill(3), GROUP_KEY, 'ctx');
  const message = utf8('hello');
  assert.equal(verifyStrict(pair.publicKey, message, ed25519Sign(pair.secretKey, message)), true);
});

test('longer context keys extend the same BLAKE3 output stream', () => {
  const root = new Uint8Array(32).fill(4);
  assert.deepEqual(deriveContextKey(root, GROUP_KEY, 'x', 64).subarray(0, 32), deriveContextKey(root, GROUP_KEY, 'x'));
});
