import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { HPKE_INFO, hpkeSealValue } from '../crypto/hpke.ts';
import type { KeyShare } from '../crypto/key-share.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { ReshareAckPayload, ReshareJustificationPayload, ReshareSubSharePayload } from './payload-types.ts';
import { memoryKeyStore, reshareDevice, sharesSign, testDevices, testGroup, testLocks, type TestDevice } from './reshare-fixture.ts';
import { addDevice, membershipOps, removeDevice, reshareProtocol, runReshareDevice, type ReshareOutcome, type ReshareSetup } from './reshare.ts';
import { admitAuthorityFacts, attestMembershipChange, authorityIdOf, authorityView, establishAuthority } from './authority.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { loadKeyShare, storeKeyShare } from './authority-key-store.ts';

type Wrap = (honest: RoleImpl) => RoleImpl;

/** Runs every participant of `setup`; `byzantine` wraps a device's roles in the first attempt. */
function runAll(setup: ReshareSetup, devices: readonly TestDevice[], shares: ReadonlyMap<DeviceId, KeyShare>, byzantine: ReadonlyMap<DeviceId, Wrap> = new Map()) {
  const transport = new MemoryTransport();
  return Promise.allSettled(
    devices.map((d) => {
      const wrap = byzantine.get(d.device);
      return runReshareDevice(setup, reshareDevice(d, shares), transport, wrap === undefined ? {} : { roleImpl: (honest, attempt) => (attempt === 0 ? wrap(honest) : honest) });
    }),
  );
}

function fulfilled(settled: readonly PromiseSettledResult<ReshareOutcome>[], skip: ReadonlySet<number> = new Set()): ReshareOutcome[] {
  return settled.flatMap((s, k) => {
    if (skip.has(k)) return [];
    if (s.status === 'rejected') throw new Error(`participant ${k}: ${String(s.reason)} ${JSON.stringify((s.reason as { context?: unknown }).context)}`);
    return [s.value];
  });
}

/** Every outcome keeps `groupKey`, agrees on the package, and the new shares sign. */
function assertReshared(outcomes: readonly ReshareOutcome[], groupKey: Uint8Array, threshold: number, newMembers: readonly DeviceId[], random: Parameters<typeof sharesSign>[2]) {
  assert.equal(new Set(outcomes.map((o) => toHex(o.publicKeyPackage.groupPublicKey))).size, 1);
  assert.ok(bytesEqual(outcomes[0]!.publicKeyPackage.groupPublicKey, groupKey), 'the group key is unchanged');
  const pkg = outcomes[0]!.publicKeyPackage;
  assert.equal(pkg.threshold, threshold);
  assert.deepEqual(new Set(Object.keys(pkg.verifyingShares)), new Set(newMembers.map(deviceParticipantId)));
  const newShares = outcomes.flatMap((o) => (o.keyShare === undefined ? [] : [o.keyShare]));
  assert.equal(newShares.length, newMembers.length);
  assert.ok(sharesSign(pkg, newShares, random));
  assert.ok(sharesSign(pkg, [...newShares].reverse(), random));
}

describe('resharing recorded in the authority journal', () => {
  it('an authority adds a device: same group key, the tree gets the new leaf and policy signed by the new group, and the epoch moves on', async () => {
    const random = new SeededRandom('authority-add');
    const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
    const devices = await testDevices(4, random);
    const signing = devices.map(() => crypto.generateSigningKey());
    const members = devices.map((d, k) => ({ device: d.device, hpkePublicKey: d.hpkePublicKey, signingPublicKey: signing[k]!.publicKey }));
    const transport = new MemoryTransport();
    const founders = devices.slice(0, 3);
    const setup = { members: members.slice(0, 3), threshold: 2, session: randomIdentifier('session', random) };
    const created = await Promise.all(founders.map((d) => establishAuthority(setup, { device: d.device, hpkeSecretKey: d.hpkeSecretKey, random: d.random, crypto }, transport)));
    const view = authorityView(created[0]!.journal);
    const group = { publicKeyPackage: created[0]!.publicKeyPackage, members: founders, epoch: view.epoch };
    const shares = new Map(founders.map((d, k) => [d.device, created[k]!.keyShare] as const));
    const session = randomIdentifier('session', random);
    const lock = testLocks(view.groupKey, random);
    const added = await Promise.all(devices.map((d) => addDevice(group, devices[3]!, session, reshareDevice(d, shares), transport, { threshold: 3, lock: lock(d.device) })));
    const signers = devices.slice(0, 3).map((d) => d.device);
    const signingGroup = { authority: view.authority, publicKeyPackage: added[0]!.publicKeyPackage, signers, session: randomIdentifier('session', random), epoch: view.epoch };
    const ops = membershipOps({ add: [{ id: devices[3]!.device, role: 'device', publicKey: signing[3]!.publicKey }], threshold: 3 });
    const signed = await Promise.all(signers.map((device, k) => attestMembershipChange(signingGroup, { device, keyShare: added[k]!.keyShare!, random: random.fork(device) }, view.tree.tree, ops, transport)));
    const journal = admitAuthorityFacts(created[0]!.journal, signed[0]!.map((a) => a.record), view.groupKey, crypto);
    const after = authorityView(journal);
    assert.ok(bytesEqual(after.groupKey, view.groupKey));
    assert.equal(after.epoch, view.epoch + 1);
    assert.deepEqual(after.members.map((m) => m.id).sort(), devices.map((d) => d.device).sort());
    assert.deepEqual(after.policy, { kind: 'threshold', m: 3 });
  });
});

describe('resharing choreography', () => {
  it('checks and projects for the sizes used', () => {
    for (const [t, m] of [[2, 5], [3, 7], [4, 3]] as const) assert.equal(reshareProtocol(t, m).roles.length, t + m);
  });

  for (const [n, t, n2, t2] of [[3, 2, 5, 3], [5, 3, 7, 4], [7, 4, 3, 2]] as const) {
    it(`honest ${t}-of-${n} -> ${t2}-of-${n2}: same group key, new shares sign, old shares destroyed`, async () => {
      const g = await testGroup(n, t, `reshare-${n}-${n2}`);
      const extra = await testDevices(Math.max(0, n2 - n), g.random);
      const recipients = [...g.devices, ...extra].slice(0, n2);
      const oldMembers = n2 >= n ? g.devices.map((d) => d.device) : g.devices.slice(0, t).map((d) => d.device);
      const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers, recipients, threshold: t2, session: randomIdentifier('session', g.random), epoch: 0 };
      const participants = [...new Map([...g.devices.filter((d) => oldMembers.includes(d.device)), ...recipients].map((d) => [d.device, d])).values()];
      const outcomes = fulfilled(await runAll(setup, participants, g.shares));
      assertReshared(outcomes, g.group.publicKeyPackage.groupPublicKey, t2, recipients.map((r) => r.device), g.random);
      for (const d of participants) assert.equal(g.shares.get(d.device)?.alive ?? false, false, 'every participating old share is destroyed');
    });
  }

  it('adds a device (2-of-3 -> 2-of-4) and then removes one (-> 2-of-3), keeping the key; the key store holds only the newest share', async () => {
    const g = await testGroup(3, 2, 'add-remove');
    const [phone] = await testDevices(1, g.random);
    const transport = new MemoryTransport();
    const authority = authorityIdOf(g.group.publicKeyPackage.groupPublicKey);
    const stores = new Map([...g.devices, phone!].map((d) => [d.device, memoryKeyStore()]));
    for (const [device, share] of g.shares) await storeKeyShare(stores.get(device)!, authority, share);
    const session = randomIdentifier('session', g.random);
    const lock = testLocks(g.group.publicKeyPackage.groupPublicKey, g.random);
    const added = await Promise.all([...g.devices, phone!].map((d) => addDevice(g.group, phone!, session, reshareDevice(d, g.shares), transport, { keyStore: stores.get(d.device)!, lock: lock(d.device) })));
    assertReshared(added, g.group.publicKeyPackage.groupPublicKey, 2, [...g.devices, phone!].map((d) => d.device), g.random);
    const group = { publicKeyPackage: added[0]!.publicKeyPackage, members: [...g.devices, phone!], epoch: 1 };
    const shares = new Map(added.map((o) => [[...g.devices, phone!].find((d) => deviceParticipantId(d.device) === o.keyShare!.participant)!.device, o.keyShare!] as const)); // every participant is a new member here
    const lost = g.devices[0]!;
    const stay = group.members.filter((d) => d.device !== lost.device);
    const removeSession = randomIdentifier('session', g.random);
    const removed = await Promise.all(stay.map((d) => removeDevice(group, lost.device, removeSession, reshareDevice(d, shares), transport, { keyStore: stores.get(d.device)!, lock: lock(d.device) })));
    assertReshared(removed, g.group.publicKeyPackage.groupPublicKey, 2, stay.map((d) => d.device), g.random);
    for (const d of stay) {
      const stored = await loadKeyShare(stores.get(d.device)!, authority);
      assert.ok(Object.keys(stored.publicKeyPackage.verifyingShares).length === 3, 'the store holds the share of the 2-of-3 group');
      assert.ok(!Object.keys(stored.publicKeyPackage.verifyingShares).includes(deviceParticipantId(lost.device)));
    }
    // The removed device's share is of the old polynomial: with a current share it does not sign.
    assert.throws(() => sharesSign(removed[0]!.publicKeyPackage, [shares.get(lost.device)!, removed[0]!.keyShare!], g.random));
  });

  it('a device leaving the group has its stored share removed', async () => {
    const g = await testGroup(3, 2, 'leave');
    const keyStore = memoryKeyStore();
    const leaving = g.devices[2]!;
    const authority = authorityIdOf(g.group.publicKeyPackage.groupPublicKey);
    await storeKeyShare(keyStore, authority, g.shares.get(leaving.device)!);
    const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: [leaving.device, g.devices[0]!.device], recipients: g.devices.slice(0, 2), threshold: 2, session: randomIdentifier('session', g.random), epoch: 0 };
    const transport = new MemoryTransport();
    const settled = await Promise.all(g.devices.map((d) => runReshareDevice(setup, reshareDevice(d, g.shares), transport, d === leaving ? { keyStore } : {})));
    assert.equal(settled[2]!.keyShare, undefined);
    await assert.rejects(loadKeyShare(keyStore, authority), (e) => isAuraError(e, 'protocols.authority.no-share'));
  });
});

/** A dealer wrapper that changes each sub-share it sends; `change` gets the payload and the target role. */
function alterSubShare(change: (payload: ReshareSubSharePayload, to: string) => Promise<ReshareSubSharePayload> | ReshareSubSharePayload): Wrap {
  return (honest) => {
    if (honest.send?.['DistributeSubShare'] === undefined) return honest;
    return {
      ...honest,
      send: {
        ...honest.send,
        DistributeSubShare: async (to) => {
          const { subShare } = (await honest.send!['DistributeSubShare']!(to)) as { subShare: ReshareSubSharePayload | null };
          return { subShare: subShare === null ? null : await change(subShare, to) };
        },
      },
    };
  };
}

describe('resharing under faults', () => {
  // Each fault at one or two sizes, so that every size and every fault is covered and the suite stays short.
  for (const [n, t, n2, t2, faults] of [[3, 2, 5, 3, 'commitment withheld'], [5, 3, 7, 4, 'share equivocation'], [7, 4, 7, 5, 'commitment']] as const) {
    const runs = (fault: string) => faults.split(' ').includes(fault);
    async function faultCase(what: string, wrapFor: (g: Awaited<ReturnType<typeof testGroup>>, recipients: readonly TestDevice[]) => Wrap, reason: string) {
      const g = await testGroup(n, t, `reshare-fault-${what}-${n}`);
      const recipients = [...g.devices, ...(await testDevices(n2 - n, g.random))];
      const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients, threshold: t2, session: randomIdentifier('session', g.random), epoch: 0 };
      const cheater = g.devices[0]!.device; // the first dealer
      const settled = await runAll(setup, recipients, g.shares, new Map([[cheater, wrapFor(g, recipients)]]));
      const outcomes = fulfilled(settled, new Set([0]));
      for (const o of outcomes) assert.ok(o.excluded.some((a) => a.device === cheater && a.reason === reason), `${cheater} named for ${reason}: ${JSON.stringify(o.excluded)}`);
      for (const o of outcomes) assert.ok(!o.dealers.includes(cheater));
      // The cheater is still a new member: only the honest outcomes are checked.
      assert.equal(new Set(outcomes.map((o) => toHex(o.publicKeyPackage.groupPublicKey))).size, 1);
      assert.ok(bytesEqual(outcomes[0]!.publicKeyPackage.groupPublicKey, g.group.publicKeyPackage.groupPublicKey));
      const honestShares = outcomes.flatMap((o) => (o.keyShare === undefined ? [] : [o.keyShare]));
      assert.ok(sharesSign(outcomes[0]!.publicKeyPackage, honestShares, g.random));
    }

    if (runs('commitment')) it(`${t}-of-${n} -> ${t2}-of-${n2}: a dealing not committing to the dealer's share is named bad-commitment, another old member deals`, () =>
      faultCase('commitment', () => alterSubShare((p) => ({ ...p, commitments: [...p.commitments].reverse() })), 'bad-commitment'));

    if (runs('share')) it(`${t}-of-${n} -> ${t2}-of-${n2}: a sub-share not matching its dealing is named bad-share`, () =>
      faultCase('share', (g, recipients) => alterSubShare(async (p, to) => {
        const k = Number(to.slice(2, -1));
        const message = { from: deviceParticipantId(g.devices[0]!.device), to: deviceParticipantId(recipients[k]!.device), share: new Uint8Array(32).fill(5) };
        const box = await hpkeSealValue(recipients[k]!.hpkePublicKey, message, HPKE_INFO.reshareSubShare, g.random);
        return { ...p, sealed: { enc: box.enc, ciphertext: box.ciphertext } };
      }), 'bad-share'));

    if (runs('equivocation')) it(`${t}-of-${n} -> ${t2}-of-${n2}: a dealer sending different commitments to different members is named equivocation`, () =>
      faultCase('equivocation', () => alterSubShare((p, to) => (to === 'R[1]' ? { ...p, commitments: [...p.commitments].reverse() } : p)), 'equivocation'));

    if (runs('withheld')) it(`${t}-of-${n} -> ${t2}-of-${n2}: a dealer withholding sub-shares is named missing-message`, () =>
      faultCase('withheld', () => (honest) => (honest.send?.['DistributeSubShare'] === undefined ? honest : { ...honest, send: { ...honest.send, DistributeSubShare: () => ({ subShare: null }) } }), 'missing-message'));
  }

  it('a new member falsely accusing a dealer is named and the resharing is rejected, old shares kept', async () => {
    const g = await testGroup(3, 2, 'false-accusation');
    const [extra] = await testDevices(1, g.random);
    const recipients = [...g.devices, extra!];
    const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients, threshold: 3, session: randomIdentifier('session', g.random), epoch: 0 };
    const liar: Wrap = (honest) => ({ ...honest, send: { ...honest.send, Acknowledge: async (to) => {
      const { ack } = (await honest.send!['Acknowledge']!(to)) as { ack: ReshareAckPayload };
      // A complaint everyone can check: the dealing is fine, so the complainer is at fault.
      return { ack: { ...ack, complaints: [{ accused: deviceParticipantId(g.devices[0]!.device), reason: 'bad-commitment' as const, evidence: new Uint8Array(0) }] } };
    } } });
    const settled = await runAll(setup, recipients, g.shares, new Map([[extra!.device, liar]]));
    for (const s of settled.slice(0, 3)) {
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.reshare.rejected'), s.status === 'rejected' ? String(s.reason) : 'accepted');
      assert.ok(String(s.reason.context.accused).includes(`${extra!.device}:false-accusation`));
    }
    for (const share of g.shares.values()) assert.ok(share.alive, 'a rejected resharing destroys no share');
  });

  /** A wrap that makes the new member's acknowledgement carry `complaints` instead of its own. */
  function complaining(complaints: (ack: ReshareAckPayload) => ReshareAckPayload['complaints']): Wrap {
    return (honest) => (honest.send?.['Acknowledge'] === undefined ? honest : { ...honest, send: { ...honest.send, Acknowledge: async (to) => {
      const { ack } = (await honest.send!['Acknowledge']!(to)) as { ack: ReshareAckPayload };
      return { ack: { ...ack, complaints: complaints(ack), groupKey: new Uint8Array(0) } };
    } } });
  }

  /** A wrap that records what a dealer sends in `Justify`. */
  function recordingJustify(sent: ReshareJustificationPayload[]): Wrap {
    return (honest) => (honest.send?.['Justify'] === undefined ? honest : { ...honest, send: { ...honest.send, Justify: async (to) => {
      const payload = (await honest.send!['Justify']!(to)) as { justification: ReshareJustificationPayload };
      sent.push(payload.justification);
      return payload;
    } } });
  }

  for (const reason of ['missing-message', 'bad-share'] as const) {
    it(`a new member claiming an honest dealer's sub-share was ${reason === 'bad-share' ? 'unopenable' : 'withheld'} clears the dealer: it reveals that sub-share, the complainer uses it`, async () => {
      const g = await testGroup(3, 2, `reshare-justify-${reason}`);
      const [extra] = await testDevices(1, g.random);
      const recipients = [...g.devices, extra!];
      const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients, threshold: 3, session: randomIdentifier('session', g.random), epoch: 0 };
      const dealer = g.devices[1]!.device; // D[1]
      const liar = complaining(() => [{ accused: deviceParticipantId(dealer), reason, evidence: new Uint8Array(0) }]);
      const revealed: ReshareJustificationPayload[] = [];
      const quiet: ReshareJustificationPayload[] = [];
      const settled = await runAll(setup, recipients, g.shares, new Map([[extra!.device, liar], [dealer, recordingJustify(revealed)], [g.devices[0]!.device, recordingJustify(quiet)]]));
      const outcomes = fulfilled(settled);
      for (const o of outcomes) {
        assert.deepEqual(o.excluded, [], 'no one is named');
        assert.deepEqual(o.dealers, setup.oldMembers.slice(0, 2), 'the accused dealer still deals');
      }
      // The complainer's share, built with the revealed sub-share, signs with the others.
      assertReshared(outcomes, g.group.publicKeyPackage.groupPublicKey, 3, recipients.map((r) => r.device), g.random);
      // Only the complained-of sub-share is revealed, and only by the accused dealer.
      assert.ok(revealed.length > 0 && revealed.every((j) => j.reveals.length === 1 && j.reveals[0]!.to === 3));
      assert.ok(quiet.length > 0 && quiet.every((j) => j.reveals.length === 0));
    });
  }

  // Without the echo of justifications, the participants that got the reveal would clear the dealer and the others name it.
  // Told to half: two stories, equivocation; told to one: outvoted, so its unopenable sub-share stands unanswered (bad-share).
  for (const [told, reason] of [['half of them', 'equivocation'], ['one of them', 'bad-share']] as const) {
    it(`a dealer that withholds a sub-share and reveals it to ${told} only is named ${reason} by every participant alike`, async () => {
      const g = await testGroup(5, 3, `reshare-justify-split-${reason}`);
      const [extra] = await testDevices(1, g.random);
      const recipients = [...g.devices, extra!];
      const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients, threshold: 3, session: randomIdentifier('session', g.random), epoch: 0 };
      const cheater = g.devices[1]!.device; // D[1]
      const withheld = alterSubShare((p, to) => (to === 'R[5]' ? { ...p, sealed: { ...p.sealed, ciphertext: new Uint8Array(0) } } : p));
      const roles: string[] = [];
      const selective: Wrap = (honest) => (honest.send?.['Justify'] === undefined ? honest : { ...honest, send: { ...honest.send, Justify: async (to) => {
        if (!roles.includes(to)) roles.push(to);
        const reveal = reason === 'equivocation' ? roles.indexOf(to) % 2 === 0 : roles.indexOf(to) === 0;
        return reveal ? honest.send!['Justify']!(to) : { justification: { reveals: [] } };
      } } });
      const settled = await runAll(setup, recipients, g.shares, new Map([[cheater, (honest) => selective(withheld(honest))]]));
      const outcomes = fulfilled(settled, new Set([1]));
      for (const o of outcomes) assert.deepEqual([...new Set(o.excluded.map((a) => `${a.device}:${a.reason}`))], [`${cheater}:${reason}`]);
      assert.equal(new Set(outcomes.map((o) => toHex(o.publicKeyPackage.groupPublicKey))).size, 1);
      assert.ok(outcomes.every((o) => !o.dealers.includes(cheater)), 'another old member dealt instead');
      assert.ok(roles.length > 0, 'the dealer was asked to justify');
    });
  }

  it('a dealer whose sub-share does not open and whose reveal does not match its dealing is named bad-share', async () => {
    const g = await testGroup(3, 2, 'reshare-justify-bad');
    const recipients = g.devices;
    const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients, threshold: 2, session: randomIdentifier('session', g.random), epoch: 0 };
    const cheater = g.devices[0]!.device;
    const garbled = alterSubShare((p, to) => (to === 'R[2]' ? { ...p, sealed: { ...p.sealed, ciphertext: p.sealed.ciphertext.map((b) => b ^ 1) } } : p));
    const falseReveal: Wrap = (honest) => (honest.send?.['Justify'] === undefined ? honest : { ...honest, send: { ...honest.send, Justify: async (to) => {
      const { justification } = (await honest.send!['Justify']!(to)) as { justification: ReshareJustificationPayload };
      return { justification: { reveals: justification.reveals.map((r) => ({ ...r, share: new Uint8Array(32).fill(9) })) } };
    } } });
    const settled = await runAll(setup, recipients, g.shares, new Map([[cheater, (honest) => falseReveal(garbled(honest))]]));
    const outcomes = fulfilled(settled);
    for (const o of outcomes) assert.ok(o.excluded.some((a) => a.device === cheater && a.reason === 'bad-share'), JSON.stringify(o.excluded));
    for (const o of outcomes) assert.ok(!o.dealers.includes(cheater));
    assertReshared(outcomes, g.group.publicKeyPackage.groupPublicKey, 2, recipients.map((r) => r.device), g.random);
  });

  it('a new member saying it was asked another resharing is named disagreement, not the proposing dealer', async () => {
    const g = await testGroup(3, 2, 'reshare-disagreement');
    const [extra] = await testDevices(1, g.random);
    const recipients = [...g.devices, extra!];
    const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients, threshold: 3, session: randomIdentifier('session', g.random), epoch: 0 };
    const settled = await runAll(setup, recipients, g.shares, new Map([[extra!.device, complaining(() => [{ accused: deviceParticipantId(g.devices[0]!.device), reason: 'disagreement', evidence: new Uint8Array(0) }])]]));
    for (const s of settled.slice(0, 3)) {
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.reshare.rejected'), s.status === 'rejected' ? String(s.reason) : 'accepted');
      // Each role of the device (dealer and new member) judged alike.
      assert.deepEqual(new Set(String(s.reason.context.accused).split(',')), new Set([`${extra!.device}:disagreement`]));
    }
    for (const share of g.shares.values()) assert.ok(share.alive, 'a rejected resharing destroys no share');
  });

  it('fewer than t honest old members: a clean abort', async () => {
    const g = await testGroup(3, 2, 'reshare-too-few');
    const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.slice(0, 2).map((d) => d.device), recipients: g.devices.slice(0, 2), threshold: 2, session: randomIdentifier('session', g.random), epoch: 0 };
    const bad = alterSubShare((p) => ({ ...p, commitments: [...p.commitments].reverse() }));
    const settled = await runAll(setup, g.devices.slice(0, 2), g.shares, new Map([[g.devices[0]!.device, bad]]));
    const s = settled[1]!;
    assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.reshare.too-few'), s.status === 'rejected' ? String(s.reason) : 'accepted');
  });

  for (const label of ['DistributeSubShare', 'Acknowledge'] as const) {
    it(`a participant crashing at ${label} aborts the resharing everywhere, old shares kept`, async () => {
      const g = await testGroup(3, 2, `reshare-crash-${label}`);
      const setup: ReshareSetup = { old: g.group.publicKeyPackage, oldMembers: g.devices.map((d) => d.device), recipients: g.devices, threshold: 2, session: randomIdentifier('session', g.random), epoch: 0 };
      const crash: Wrap = (honest) => (honest.send?.[label] === undefined ? honest : { ...honest, send: { ...honest.send, [label]: () => { throw new Error('power lost'); } } });
      const settled = await runAll(setup, g.devices, g.shares, new Map([[g.devices[1]!.device, crash]]));
      for (const s of settled) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.reshare.aborted'), s.status === 'rejected' ? String(s.reason) : 'accepted');
      for (const share of g.shares.values()) assert.ok(share.alive);
    });
  }
});
