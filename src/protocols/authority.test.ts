import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import type { PublicKeyPackage } from '../crypto/key-share.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import type { KeyShare } from '../crypto/key-share.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { FileKeyStore } from '../handlers/file-key-store.ts';
import { SeededRandom } from '../handlers/random.ts';
import { sealFact } from '../journal/fact.ts';
import { emptyJournal, type Journal } from '../journal/journal.ts';
import { admitTreeOp } from '../journal/tree-reduce.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { DkgRound1Payload } from './payload-types.ts';
import { dealToDevices } from './reshare-fixture.ts';
import { loadKeyShare } from './authority-key-store.ts';
import {
  AUTHORITY_CREATED,
  admitAuthorityFacts,
  attestFacts,
  attestMembershipChange,
  attestTreeOp,
  authorityAdmission,
  authorityIdOf,
  authorityView,
  establishAuthority,
  genesisDrafts,
  type AuthorityDevice,
  type AuthoritySetup,
  type EstablishedAuthority,
} from './authority.ts';

const FAST = { logN: 10, r: 1, p: 1 };

interface Fixture {
  readonly setup: AuthoritySetup;
  readonly devices: readonly AuthorityDevice[];
}

async function fixture(n: number, threshold: number, seed: string, keyStore?: (k: number) => AuthorityDevice['keyStore']): Promise<Fixture> {
  const random = new SeededRandom(seed);
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const devices = await Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const hpke = await generateHpkeKeyPair(random);
      const store = keyStore?.(k);
      return {
        device: randomIdentifier('device', random),
        hpkeSecretKey: hpke.secretKey,
        hpkePublicKey: hpke.publicKey,
        signingPublicKey: crypto.generateSigningKey().publicKey,
        random: random.fork(`device-${k}`),
        crypto,
        ...(store === undefined ? {} : { keyStore: store }),
      };
    }),
  );
  return { setup: { members: devices.map((d) => ({ device: d.device, hpkePublicKey: d.hpkePublicKey, signingPublicKey: d.signingPublicKey })), threshold, session: randomIdentifier('session', random) }, devices };
}

async function establishAll(f: Fixture, cheater?: { readonly index: number; readonly wrap: (honest: RoleImpl) => RoleImpl }) {
  const transport = new MemoryTransport();
  return Promise.allSettled(
    f.devices.map((device, k) => establishAuthority(f.setup, device, transport, k === cheater?.index ? { roleImpl: (honest, attempt) => (attempt === 0 ? cheater.wrap(honest) : honest) } : {})),
  );
}

function fulfilled(settled: readonly PromiseSettledResult<EstablishedAuthority>[], except = -1): EstablishedAuthority[] {
  return settled.flatMap((s, k) => {
    if (k === except) return [];
    if (s.status === 'rejected') throw new Error(`member ${k}: ${String(s.reason)}`);
    return [s.value];
  });
}

function assertSameGenesis(results: readonly EstablishedAuthority[]) {
  assert.equal(new Set(results.map((r) => r.authority)).size, 1, 'one authority');
  assert.equal(new Set(results.map((r) => r.facts.map((f) => f.key).join(','))).size, 1, 'the same facts, byte for byte, at every member');
  assert.equal(new Set(results.map((r) => [...r.journal.facts.keys()].sort().join(','))).size, 1, 'the same journal');
}

describe('authority genesis after the DKG', () => {
  for (const [n, t] of [[3, 2], [5, 3]] as const) {
    it(`${t}-of-${n}: every member holds the same threshold-signed genesis, and the view reads it back`, async () => {
      const f = await fixture(n, t, `genesis-${n}`);
      const results = fulfilled(await establishAll(f));
      assertSameGenesis(results);
      const [first] = results;
      assert.ok(first !== undefined);
      assert.equal(first.authority, authorityIdOf(first.publicKeyPackage.groupPublicKey));
      assert.equal(first.facts.length, n + 2, 'n leaves, the policy, authority.created');
      for (const record of first.facts) assert.equal(record.fact.attestation.kind, 'threshold');
      const view = authorityView(first.journal);
      assert.deepEqual(view.groupKey, first.publicKeyPackage.groupPublicKey);
      assert.deepEqual(view.policy, { kind: 'threshold', m: t });
      assert.equal(view.epoch, 0);
      assert.deepEqual(view.tree.dropped, []);
      assert.deepEqual(
        view.members.map((m) => [m.id, toHex(m.publicKey), m.role]),
        [...f.setup.members].sort((a, b) => (a.device < b.device ? -1 : 1)).map((m) => [m.device, toHex(m.signingPublicKey), 'device']),
      );
      // A replica that receives the facts in another order admits the same journal.
      const replica = admitAuthorityFacts(emptyJournal(first.authority), first.facts, first.publicKeyPackage.groupPublicKey, f.devices[0]!.crypto);
      assert.deepEqual([...replica.facts.keys()].sort(), [...first.journal.facts.keys()].sort());
    });
  }

  it('a member excluded by the DKG is no leaf of the tree and no member of the authority', async () => {
    const f = await fixture(5, 3, 'genesis-cheater');
    const badProof = (honest: RoleImpl): RoleImpl => ({
      ...honest,
      send: {
        ...honest.send,
        Commit: async (to) => {
          const { round1 } = (await honest.send!['Commit']!(to)) as { round1: DkgRound1Payload };
          const proof = round1.proof.slice();
          proof[40]! ^= 1;
          return { round1: { ...round1, proof } };
        },
      },
    });
    const results = fulfilled(await establishAll(f, { index: 3, wrap: badProof }), 3);
    assertSameGenesis(results);
    const cheater = f.devices[3]!.device;
    const view = authorityView(results[0]!.journal);
    assert.equal(view.members.length, 4);
    assert.ok(!view.members.some((m) => m.id === cheater));
    assert.ok(results[0]!.excluded.some((a) => a.device === cheater && a.reason === 'bad-proof'));
  });

  it("puts each device's share in its key store, where it is found again", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aura-authority-'));
    try {
      const stores = [0, 1, 2].map((k) => ({ store: new FileKeyStore(join(dir, `device-${k}.keys`), new SeededRandom(`store-${k}`), { scrypt: FAST }), passphrase: `pass ${k}` }));
      const f = await fixture(3, 2, 'genesis-store', (k) => stores[k]);
      const results = fulfilled(await establishAll(f));
      for (const [k, result] of results.entries()) {
        const share = await loadKeyShare(stores[k]!, result.authority);
        assert.equal(share.participant, deviceParticipantId(f.devices[k]!.device));
        assert.equal(share.secretScalar(), result.keyShare.secretScalar());
      }
      await assert.rejects(loadKeyShare(stores[0]!, authorityIdOf(new Uint8Array(32).fill(9))), (e) => isAuraError(e, 'protocols.authority.no-share'));
      await assert.rejects(loadKeyShare({ store: stores[0]!.store, passphrase: 'wrong' }, results[0]!.authority), (e) => isAuraError(e, 'keystore.wrong-passphrase'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a journal without genesis has no authority view', () => {
    assert.throws(() => authorityView(emptyJournal(authorityIdOf(new Uint8Array(32)))), (e) => isAuraError(e, 'protocols.authority.no-genesis'));
  });
});

interface Group {
  readonly devices: readonly DeviceId[];
  readonly shares: ReadonlyMap<DeviceId, KeyShare>;
  readonly groupKey: Uint8Array;
  readonly journal: Journal;
  readonly random: SeededRandom;
  readonly crypto: Ed25519CryptoEffects;
  readonly publicKeyPackage: PublicKeyPackage;
}

/** A 2-of-3 authority from a trusted dealer, with its genesis facts signed by the dealer's shares. */
async function dealtGroup(seed: string): Promise<Group> {
  const random = new SeededRandom(seed);
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const devices = [0, 1, 2].map(() => randomIdentifier('device', random));
  const { publicKeyPackage, shares: shareOf } = dealToDevices(devices, 2, random);
  const authority = authorityIdOf(publicKeyPackage.groupPublicKey);
  const members = devices.map((device) => ({ device, signingPublicKey: crypto.generateSigningKey().publicKey }));
  const session = randomIdentifier('session', random);
  const transport = new MemoryTransport();
  const group = { authority, publicKeyPackage, signers: devices, session, epoch: 0 };
  const signed = await Promise.all(devices.map((device) => attestFacts(group, { device, keyShare: shareOf.get(device)!, random: random.fork(device) }, genesisDrafts(authority, publicKeyPackage.groupPublicKey, members, 2, session), transport)));
  const journal = admitAuthorityFacts(emptyJournal(authority), signed[0]!.map((a) => a.record), publicKeyPackage.groupPublicKey, crypto);
  return { devices, shares: shareOf, groupKey: publicKeyPackage.groupPublicKey, journal, random, crypto, publicKeyPackage };
}

describe('attestTreeOp', () => {
  it('two of three members sign a new leaf; the fact is admitted and the tree grows', async () => {
    const g = await dealtGroup('attest-add');
    const view = authorityView(g.journal);
    const newcomer = { id: randomIdentifier('device', g.random), role: 'device' as const, publicKey: g.crypto.generateSigningKey().publicKey };
    const signers = g.devices.slice(0, 2);
    const group = { authority: view.authority, publicKeyPackage: g.publicKeyPackage, signers, session: randomIdentifier('session', g.random), epoch: 0 };
    const transport = new MemoryTransport();
    const op = { kind: 'addLeaf', leaf: newcomer, branch: 'root' } as const;
    const attested = await Promise.all(signers.map((device) => attestTreeOp(group, { device, keyShare: g.shares.get(device)!, random: g.random.fork(device) }, view.tree.tree, op, transport)));
    assert.equal(new Set(attested.map((a) => a.record.key)).size, 1, 'both signers built the same fact');
    const grown = admitTreeOp(g.journal, attested[0]!.record, authorityAdmission(g.journal, g.groupKey, g.crypto));
    const after = authorityView(grown);
    assert.equal(after.members.length, 4);
    assert.ok(after.members.some((m) => m.id === newcomer.id));
    assert.notDeepEqual(after.commitment, view.commitment);
  });

  it('a tree op whose group signature is forged is refused', async () => {
    const g = await dealtGroup('attest-forged');
    const view = authorityView(g.journal);
    const signers = g.devices.slice(1);
    const group = { authority: view.authority, publicKeyPackage: g.publicKeyPackage, signers, session: randomIdentifier('session', g.random), epoch: 0 };
    const transport = new MemoryTransport();
    const op = { kind: 'removeLeaf', leaf: g.devices[0]! } as const;
    const [attested] = await Promise.all(signers.map((device) => attestTreeOp(group, { device, keyShare: g.shares.get(device)!, random: g.random.fork(device) }, view.tree.tree, op, transport)));
    const record = attested!.record;
    const signature = record.fact.attestation.kind === 'threshold' ? record.fact.attestation.signature.slice() : new Uint8Array(64);
    signature[5]! ^= 1;
    const forged = sealFact(record.fact, { kind: 'threshold', authority: view.authority, signature });
    assert.throws(() => admitTreeOp(g.journal, forged, authorityAdmission(g.journal, g.groupKey, g.crypto)), (e) => isAuraError(e, 'fact.bad-signature'));
  });

  it('an op that cannot apply to the tree is refused before any message', async () => {
    const g = await dealtGroup('attest-invalid');
    const view = authorityView(g.journal);
    const group = { authority: view.authority, publicKeyPackage: g.publicKeyPackage, signers: g.devices, session: randomIdentifier('session', g.random), epoch: 0 };
    const device = g.devices[0]!;
    await assert.rejects(
      attestTreeOp(group, { device, keyShare: g.shares.get(device)!, random: g.random }, view.tree.tree, { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 9 } }, new MemoryTransport()),
      (e) => isAuraError(e, 'tree.invalid-op'),
    );
  });

  it('a signer that built another fact is named, and the others sign theirs', async () => {
    const g = await dealtGroup('attest-disagree');
    const view = authorityView(g.journal);
    const group = { authority: view.authority, publicKeyPackage: g.publicKeyPackage, signers: g.devices, session: randomIdentifier('session', g.random), epoch: 0 };
    const transport = new MemoryTransport();
    const ops = [
      { kind: 'removeLeaf', leaf: g.devices[2]! },
      { kind: 'removeLeaf', leaf: g.devices[2]! },
      { kind: 'removeLeaf', leaf: g.devices[1]! },
    ] as const;
    const settled = await Promise.allSettled(g.devices.map((device, k) => attestTreeOp(group, { device, keyShare: g.shares.get(device)!, random: g.random.fork(device) }, view.tree.tree, ops[k]!, transport)));
    for (const s of settled.slice(0, 2)) {
      assert.ok(s.status === 'fulfilled');
      assert.ok(s.value.excluded.some((a) => a.device === g.devices[2] && a.reason === 'disagreement'));
      const after = authorityView(admitTreeOp(g.journal, s.value.record, authorityAdmission(g.journal, g.groupKey, g.crypto)));
      assert.ok(!after.members.some((m) => m.id === g.devices[2]));
    }
  });

  it('authority.created must name the group key of its own authority', async () => {
    const g = await dealtGroup('created-rule');
    const other = authorityIdOf(new Uint8Array(32).fill(3));
    const drafts = genesisDrafts(other, g.groupKey, [{ device: g.devices[0]!, signingPublicKey: new Uint8Array(32) }], 1, randomIdentifier('session', g.random));
    const created = drafts.at(-1)!;
    assert.equal(created.typeId, AUTHORITY_CREATED.typeId);
    const record = sealFact(created, { kind: 'threshold', authority: other, signature: new Uint8Array(64) });
    assert.throws(() => admitAuthorityFacts(emptyJournal(other), [record], g.groupKey, g.crypto), (e) => isAuraError(e, 'fact.invalid-payload'));
  });
});

describe('membership changes bump the epoch', () => {
  it('removing a device ends with rotateEpoch: the tree is in epoch 1, and an op signed for epoch 0 is stale', async () => {
    const g = await dealtGroup('membership');
    const view = authorityView(g.journal);
    const signers = g.devices.slice(0, 2);
    const group = { authority: view.authority, publicKeyPackage: g.publicKeyPackage, signers, session: randomIdentifier('session', g.random), epoch: view.epoch };
    const transport = new MemoryTransport();
    const signed = await Promise.all(
      signers.map((device) => attestMembershipChange(group, { device, keyShare: g.shares.get(device)!, random: g.random.fork(device) }, view.tree.tree, [{ kind: 'removeLeaf', leaf: g.devices[2]! }], transport)),
    );
    assert.deepEqual(signed[0]!.map((a) => a.record.key), signed[1]!.map((a) => a.record.key));
    const changed = admitAuthorityFacts(g.journal, signed[0]!.map((a) => a.record), g.groupKey, g.crypto);
    const after = authorityView(changed);
    assert.equal(after.epoch, 1);
    assert.deepEqual(after.members.map((m) => m.id).sort(), [...signers].sort());

    // A change the old group signs on the tree of epoch 0 is refused once epoch 1 is there.
    const lateGroup = { ...group, session: randomIdentifier('session', g.random) };
    const late = await Promise.all(signers.map((device) => attestTreeOp(lateGroup, { device, keyShare: g.shares.get(device)!, random: g.random.fork(`late-${device}`) }, view.tree.tree, { kind: 'changePolicy', branch: 'root', policy: { kind: 'threshold', m: 1 } }, transport)));
    assert.throws(() => admitTreeOp(changed, late[0]!.record, authorityAdmission(changed, g.groupKey, g.crypto)), (e) => isAuraError(e, 'tree.stale-epoch') && /epoch 0/.test(e.message) && /epoch 1/.test(e.message));

    // A signing group that still believes in epoch 0 cannot start a change on the tree of epoch 1.
    await assert.rejects(
      attestMembershipChange(group, { device: signers[0]!, keyShare: g.shares.get(signers[0]!)!, random: g.random }, after.tree.tree, [], transport),
      (e) => isAuraError(e, 'protocols.stale-epoch'),
    );
  });
});
