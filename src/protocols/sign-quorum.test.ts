import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { staticSignerKeys } from '../journal/attestation.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal } from '../journal/journal.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { AUTHORITY_FACT_TYPES, authorityIdOf, type SignatureIssuedPayload } from './authority.ts';
import { dealToDevices } from './reshare-fixture.ts';
import { messageDigest } from './sign.ts';
import { runQuorumSigning, signQuorumProtocol, type QuorumSigner, type QuorumSigningSetup } from './sign-quorum.ts';

interface Fixture {
  readonly setup: QuorumSigningSetup;
  readonly signers: readonly QuorumSigner[];
}

function fixture(n: number, threshold: number, seed: string): Fixture {
  const random = new SeededRandom(seed);
  const devices = Array.from({ length: n }, () => randomIdentifier('device', random));
  const { publicKeyPackage, shares } = dealToDevices(devices, threshold, random);
  const message = utf8(`quorum ${seed}`);
  const signers = devices.map((device) => ({ device, keyShare: shares.get(device)!, message, random: random.fork(device) })); // dealToDevices made one share per device
  const authority = authorityIdOf(publicKeyPackage.groupPublicKey);
  return { setup: { authority, publicKeyPackage, members: devices, requester: devices[0]!, session: randomIdentifier('session', random), epoch: 0 }, signers };
}

type Wrap = (honest: RoleImpl) => RoleImpl;

function signAll(f: Fixture, online: readonly number[], byzantine: ReadonlyMap<number, Wrap> = new Map(), signers = f.signers) {
  const transport = new MemoryTransport();
  return Promise.allSettled(
    online.map((k) => {
      const wrap = byzantine.get(k);
      return runQuorumSigning(f.setup, signers[k]!, transport, wrap === undefined ? {} : { roleImpl: (honest, attempt) => (attempt === 0 ? wrap(honest) : honest) });
    }),
  );
}

function values<T>(settled: readonly PromiseSettledResult<T>[], skip: ReadonlySet<number> = new Set()): T[] {
  return settled.flatMap((s, k) => {
    if (skip.has(k)) return [];
    if (s.status === 'rejected') throw new Error(`member ${k}: ${String(s.reason)}`);
    return [s.value];
  });
}

/** Every result is the same fact, its group signature admitted by a journal of the authority. */
function assertOneFact(f: Fixture, results: readonly { readonly record: { readonly key: string } & Parameters<typeof admit>[1][number] }[]) {
  assert.equal(new Set(results.map((r) => r.record.key)).size, 1, 'every member writes the same fact');
  const record = results[0]!.record;
  const crypto = new Ed25519CryptoEffects(new SeededRandom('verify'));
  const keys = staticSignerKeys(new Map([[f.setup.authority, f.setup.publicKeyPackage.groupPublicKey]]));
  const journal = admit(emptyJournal(f.setup.authority), [record], { registry: new FactRegistry(AUTHORITY_FACT_TYPES), crypto, keys });
  assert.equal(journal.facts.size, 1);
  const payload = record.fact.payload as SignatureIssuedPayload;
  assert.equal(toHex(payload.digest), toHex(messageDigest(f.signers[0]!.message)));
  return payload;
}

const badShare: Wrap = (h) => ({
  ...h,
  send: {
    ...h.send,
    SigShare: async (to) => {
      const { share } = (await h.send!['SigShare']!(to)) as { share: Uint8Array | null };
      const wrong = share === null ? null : share.slice();
      if (wrong !== null) wrong[0] = (wrong[0]! + 1) % 256;
      return { share: wrong };
    },
  },
});

describe('signing with a quorum', () => {
  it('checks and projects with the quorum as a parameter', () => {
    const projected = signQuorumProtocol(5, 3);
    assert.equal(projected.roles.length, 6);
  });

  for (const [n, t] of [[3, 2], [5, 3], [7, 5]] as const) {
    it(`${t} of ${n} online members: the first ${t} sign, every member writes the same signature.issued fact`, async () => {
      const f = fixture(n, t, `quorum-${n}`);
      const results = values(await signAll(f, f.signers.map((_, k) => k)));
      const payload = assertOneFact(f, results);
      assert.equal(payload.signers.length, t);
      assert.ok(payload.signers.includes(f.setup.requester));
      for (const r of results) assert.deepEqual(r.excluded, []);
    });
  }

  it('proceeds with the members that answer: 3 of 5, two never answer', async () => {
    const f = fixture(5, 3, 'quorum-offline');
    const results = values(await signAll(f, [0, 2, 4]));
    const payload = assertOneFact(f, results);
    assert.deepEqual([...payload.signers].sort(), [0, 2, 4].map((k) => f.signers[k]!.device).sort());
  });

  it('a chosen signer with a bad share is named, and the next attempt signs without it', async () => {
    const f = fixture(4, 2, 'quorum-bad-share');
    // With the requester S[0] and S[1] answering first in memory, S[1] is chosen first.
    const settled = await signAll(f, [0, 1, 2, 3], new Map([[1, badShare]]));
    const results = values(settled, new Set([1]));
    const payload = assertOneFact(f, results);
    const cheater: DeviceId = f.signers[1]!.device;
    assert.ok(!payload.signers.includes(cheater));
    for (const r of results) assert.ok(r.excluded.some((a) => a.device === cheater && a.reason === 'bad-share'), JSON.stringify(r.excluded));
  });

  it('a member asked for another message is named when it answers among the first', async () => {
    const f = fixture(4, 3, 'quorum-other');
    const signers = f.signers.map((s, k) => (k === 1 ? { ...s, message: utf8('something else') } : s));
    const settled = await signAll(f, [0, 1, 2, 3], new Map(), signers);
    const results = values(settled, new Set([1]));
    assertOneFact(f, results);
    for (const r of results) assert.ok(r.excluded.some((a) => a.device === f.signers[1]!.device && a.reason === 'disagreement'), JSON.stringify(r.excluded));
  });

  it('aborts cleanly when fewer than t members remain', async () => {
    const f = fixture(3, 3, 'quorum-too-few');
    const settled = await signAll(f, [0, 1, 2], new Map([[2, badShare]]));
    for (const k of [0, 1]) {
      const s = settled[k]!;
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.sign.too-few'), String(s.status === 'rejected' ? s.reason : 'fulfilled'));
    }
  });
});
