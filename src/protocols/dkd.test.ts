import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesEqual, concat, lengthPrefixedUtf8, toHex, u64be, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier, randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { trustedDealerKeygen } from '../crypto/dealer.ts';
import { deviceParticipantId, participantSet } from '../crypto/participant.ts';
import { ed25519Sign, verifyStrict } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { attestationTranscript, staticSignerKeys, thresholdAttestation } from '../journal/attestation.ts';
import { sealFact, unsignedPart } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal } from '../journal/journal.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { DKD_CONTEXT_KEY, dkdFactDraft, dkdProtocol, dkdRequestDigest, runDkd, type DkdRequest, type DkdSetup } from './dkd.ts';
import { runSigningDevice } from './sign.ts';

function fixture(n: number, seed: string) {
  const random = new SeededRandom(seed);
  const members = Array.from({ length: n }, () => randomIdentifier('device', random));
  const dealt = trustedDealerKeygen({ participants: members.map(deviceParticipantId), threshold: Math.ceil(n / 2) }, random.fork('dealer'));
  const authority = deriveIdentifier('authority', { groupKey: dealt.publicKeyPackage.groupPublicKey });
  const setup: DkdSetup = { members, groupPublicKey: dealt.publicKeyPackage.groupPublicKey, session: randomIdentifier('session', random) };
  const request: DkdRequest = { authority, context: 'chat with bob', app: 'aura.chat', epoch: 3 };
  return { random, members, dealt, authority, setup, request };
}

type Wrap = (honest: RoleImpl) => RoleImpl;

function runAll(f: ReturnType<typeof fixture>, byzantine: ReadonlyMap<number, Wrap> = new Map(), requests: ReadonlyMap<number, DkdRequest> = new Map()) {
  const transport = new MemoryTransport();
  return Promise.allSettled(
    f.members.map((device, k) => {
      const wrap = byzantine.get(k);
      const member = { device, request: requests.get(k) ?? f.request, random: f.random.fork(`member-${k}`) };
      return runDkd(f.setup, member, transport, wrap === undefined ? {} : { roleImpl: wrap });
    }),
  );
}

/** Member `cheater` reveals another contribution than it committed to, to the members `to` accepts. */
function badReveal(to: (role: string) => boolean = () => true): Wrap {
  return (honest) => ({
    ...honest,
    send: {
      ...honest.send,
      Reveal: async (role) => {
        const { contribution } = (await honest.send!['Reveal']!(role)) as { contribution: Uint8Array };
        if (!to(role)) return { contribution };
        const altered = contribution.slice();
        altered[0]! ^= 1;
        return { contribution: altered };
      },
    },
  });
}

function assertRejected(settled: readonly PromiseSettledResult<unknown>[], honest: readonly number[], device: DeviceId, reason: string) {
  for (const k of honest) {
    const s = settled[k]!;
    assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkd.rejected'), `member ${k}: ${s.status === 'rejected' ? String(s.reason) : 'accepted a key'}`);
    assert.ok(String(s.reason.context.accused).includes(`${device}:${reason}`), String(s.reason.context.accused));
  }
}

describe('DKD choreography', () => {
  it('checks and projects for n = 3, 5, 7', () => {
    for (const n of [3, 5, 7]) assert.equal(dkdProtocol(n).roles.length, n);
  });

  for (const n of [3, 5, 7]) {
    it(`honest ${n} members derive the same context key`, async () => {
      const f = fixture(n, `dkd-honest-${n}`);
      const settled = await runAll(f);
      const outcomes = settled.map((s) => {
        assert.equal(s.status, 'fulfilled', s.status === 'rejected' ? String(s.reason) : '');
        return (s).value;
      });
      assert.equal(new Set(outcomes.map((o) => toHex(o.keyPair.publicKey))).size, 1);
      assert.equal(new Set(outcomes.map((o) => toHex(o.keyPair.secretKey))).size, 1);
      const message = new TextEncoder().encode('context key works');
      assert.ok(verifyStrict(outcomes[0]!.keyPair.publicKey, message, ed25519Sign(outcomes[n - 1]!.keyPair.secretKey, message)));
    });
  }

  it('the key and its confirmation are the documented bytes: the root of a session labelled with the request digest', async () => {
    const f = fixture(3, 'dkd-format');
    const contributions = new Map<string, Uint8Array>();
    const confirmations: Uint8Array[] = [];
    const recording = (k: number): Wrap => (honest) => ({ ...honest, send: { ...honest.send,
      Reveal: async (to) => {
        const payload = (await honest.send!['Reveal']!(to)) as { contribution: Uint8Array };
        contributions.set(deviceParticipantId(f.members[k]!), payload.contribution);
        return payload;
      },
      Aggregate: async (to) => {
        const payload = (await honest.send!['Aggregate']!(to)) as { aggregate: { confirmation: Uint8Array } };
        confirmations.push(payload.aggregate.confirmation);
        return payload;
      },
    } });
    const settled = await runAll(f, new Map(f.members.map((_, k) => [k, recording(k)])));
    const { request } = f;
    const digest = blake3(concat(lengthPrefixedUtf8(request.authority), lengthPrefixedUtf8(request.app), lengthPrefixedUtf8(request.context), u64be(request.epoch)), { context: utf8('aura.protocols.dkd.v2.request') });
    assert.deepEqual(dkdRequestDigest(request), digest);
    const keys = blake3(concat(f.setup.groupPublicKey, digest), { context: utf8('aura.dkd.v3.session'), dkLen: 64 });
    const inIdOrder = participantSet(f.members.map(deviceParticipantId)).map((id) => contributions.get(id)!);
    const root = blake3(concat(keys.subarray(32), ...inIdOrder), { context: utf8('aura.dkd.v3.root'), dkLen: 64 });
    for (const s of settled) assert.ok(s.status === 'fulfilled' && bytesEqual(s.value.contextKey, root.subarray(0, 32)));
    assert.equal(confirmations.length, 6);
    for (const confirmation of confirmations) assert.deepEqual(confirmation, root.subarray(32));
  });

  it('another session derives an unrelated key for the same request (fresh contributions)', async () => {
    const f = fixture(3, 'dkd-fresh');
    const first = await runAll(f);
    const second = await runAll({ ...f, setup: { ...f.setup, session: randomIdentifier('session', f.random) }, random: f.random.fork('again') });
    const keyOf = (s: PromiseSettledResult<Awaited<ReturnType<typeof runDkd>>>) => (s.status === 'fulfilled' ? toHex(s.value.keyPair.publicKey) : 'none');
    assert.notEqual(keyOf(first[0]!), keyOf(second[0]!));
  });

  it('the outcome fact is threshold-attested by FROST signing and admitted to the authority journal', async () => {
    const f = fixture(3, 'dkd-fact');
    const outcome = (await runAll(f))[0]!;
    assert.equal(outcome.status, 'fulfilled');
    const draft = dkdFactDraft(outcome.value, f.random);
    const transcript = attestationTranscript('threshold', f.authority, unsignedPart(draft));
    const transport = new MemoryTransport();
    const session = randomIdentifier('session', f.random);
    const signers = f.members.slice(0, 2);
    const signed = await Promise.all(
      signers.map((device) => {
        const keyShare = f.dealt.shares.find((s) => s.participant === deviceParticipantId(device));
        assert.ok(keyShare !== undefined);
        return runSigningDevice({ signers, publicKeyPackage: f.dealt.publicKeyPackage, session }, { device, keyShare, message: transcript, random: f.random.fork(device) }, transport);
      }),
    );
    const record = sealFact(draft, thresholdAttestation(f.authority, signed[0]!.signature));
    const context = { registry: new FactRegistry([DKD_CONTEXT_KEY]), crypto: new Ed25519CryptoEffects(f.random), keys: staticSignerKeys(new Map([[f.authority, f.dealt.publicKeyPackage.groupPublicKey]])) };
    const journal = admit(emptyJournal(f.authority), [record], context);
    assert.equal(journal.facts.size, 1);
    assert.deepEqual([...journal.facts.values()][0]!.fact.payload, { context: 'chat with bob', app: 'aura.chat', epoch: 3, publicKey: outcome.value.keyPair.publicKey });
  });
});

describe('DKD under faults', () => {
  for (const n of [3, 5, 7]) {
    it(`${n} members: a reveal not matching its commitment is named and the session aborts everywhere`, async () => {
      const f = fixture(n, `dkd-bad-reveal-${n}`);
      const cheater = n - 1;
      const settled = await runAll(f, new Map([[cheater, badReveal()]]));
      assertRejected(settled, f.members.map((_, k) => k).filter((k) => k !== cheater), f.members[cheater]!, 'bad-reveal');
    });
  }

  it('a bad reveal sent to one member only still stops every member (its complaint is broadcast); only the member that saw it names the cheater', async () => {
    const f = fixture(5, 'dkd-equivocating-reveal');
    const settled = await runAll(f, new Map([[2, badReveal((role) => role === 'P[0]')]]));
    assertRejected(settled, [0], f.members[2]!, 'bad-reveal');
    for (const k of [1, 3, 4]) {
      const s = settled[k]!;
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkd.rejected'), `member ${k} accepted a key`);
      assert.equal(s.reason.context.accused, '', 'one complaint, which may be false, names no one');
    }
  });

  it('a member complaining about every other member aborts the session but names no honest member (found by the fault sweep)', async () => {
    const f = fixture(5, 'dkd-false-complaints');
    const liar: Wrap = (honest) => ({ ...honest, send: { ...honest.send, Aggregate: async (to) => {
      const { aggregate } = (await honest.send!['Aggregate']!(to)) as { aggregate: { confirmation: Uint8Array; complaints: readonly unknown[] } };
      const complaints = f.members.filter((_, k) => k !== 1).map((device) => ({ accused: deviceParticipantId(device), reason: 'bad-reveal', evidence: new Uint8Array(0) }));
      return { aggregate: { ...aggregate, complaints } };
    } } });
    const settled = await runAll(f, new Map([[1, liar]]));
    for (const k of [0, 2, 3, 4]) {
      const s = settled[k]!;
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkd.rejected'), `member ${k} accepted a key`);
      assert.equal(s.reason.context.accused, '', `member ${k} named ${String(s.reason.context.accused)}`);
    }
  });

  it('a member asked for another request is named and no key is accepted', async () => {
    const f = fixture(3, 'dkd-other-request');
    const settled = await runAll(f, new Map(), new Map([[2, { ...f.request, context: 'chat with eve' }]]));
    assertRejected(settled, [0, 1], f.members[2]!, 'disagreement');
  });

  it('a member naming another key is named', async () => {
    const f = fixture(3, 'dkd-other-key');
    const liar: Wrap = (honest) => ({ ...honest, send: { ...honest.send, Aggregate: async (to) => {
      const { aggregate } = (await honest.send!['Aggregate']!(to)) as { aggregate: { confirmation: Uint8Array } };
      return { aggregate: { ...aggregate, confirmation: new Uint8Array(32).fill(9) } };
    } } });
    const settled = await runAll(f, new Map([[1, liar]]));
    assertRejected(settled, [0, 2], f.members[1]!, 'disagreement');
  });

  for (const step of ['Commit', 'Reveal', 'Aggregate'] as const) {
    it(`a member crashing at ${step} aborts the session at every member`, async () => {
      const f = fixture(3, `dkd-crash-${step}`);
      const crash: Wrap = (honest) => ({ ...honest, send: { ...honest.send, [step]: () => { throw new Error('power lost'); } } });
      const settled = await runAll(f, new Map([[1, crash]]));
      for (const s of settled) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkd.aborted'), s.status === 'rejected' ? String(s.reason) : 'fulfilled');
    });
  }
});
