/**
 * Test support for the key-management protocols (resharing, guardian recovery): a group of
 * devices with dealt shares and HPKE keys, each device's part in the operation lock, runs of every participant over one in-memory
 * transport, the check that shares still sign under the group key (FROST, RFC 9591, called
 * directly), and a dealer that cheats in the first attempt ({@link badDealingFirst}). Used by the tests and benchmarks of this folder, never by the protocols.
 *
 * @module
 */
import { deriveIdentifier, randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import type { CryptoEffects, PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { utf8 } from '../core/bytes.ts';
import { trustedDealerKeygen } from '../crypto/dealer.ts';
import { aggregate, commit, signShare } from '../crypto/frost.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { staticSignerKeys } from '../journal/attestation.ts';
import { sealFact } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { emptyJournal } from '../journal/journal.ts';
import { permanentError } from '../core/errors.ts';
import type { KeyStoreEntries } from '../crypto/key-store-format.ts';
import { authorityIdOf } from './authority.ts';
import type { UnlockedKeyStore } from './authority-key-store.ts';
import { COORDINATION_FACT_TYPES } from './coordination-facts.ts';
import { DeviceJournal } from './coordination-journal.ts';
import type { LockParticipant } from './lock-guard.ts';
import type { LockPolicy } from './lock.ts';
import { GENESIS_EPOCH } from './epoch.ts';
import type { Guardian } from './guardian-setup.ts';
import type { ReshareSubSharePayload } from './payload-types.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import type { DeviceGroup, ReshareDevice, ReshareRecipient } from './reshare.ts';

/** A device with its HPKE key pair and, once it belongs to a group, its share. */
export interface TestDevice extends ReshareRecipient {
  /** The HPKE secret key. */
  readonly hpkeSecretKey: Uint8Array;
  /** Its randomness. */
  readonly random: RandomEffects;
}

/** `count` fresh devices. */
export async function testDevices(count: number, random: SeededRandom): Promise<TestDevice[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, k) => {
      const keys = await generateHpkeKeyPair(random);
      return { device: randomIdentifier('device', random), hpkePublicKey: keys.publicKey, hpkeSecretKey: keys.secretKey, random: random.fork(`device-${k}`) };
    }),
  );
}

/** A t-of-n group of fresh devices with dealt shares. */
export async function testGroup(n: number, t: number, seed: string): Promise<{ readonly random: SeededRandom; readonly devices: TestDevice[]; readonly group: DeviceGroup; readonly shares: ReadonlyMap<DeviceId, KeyShare> }> {
  const random = new SeededRandom(seed);
  const devices = await testDevices(n, random);
  const { publicKeyPackage, shares } = dealToDevices(devices.map((d) => d.device), t, random.fork('dealer'));
  return { random, devices, group: { publicKeyPackage, members: devices, epoch: GENESIS_EPOCH }, shares };
}

/** A trusted dealer's t-of-n shares (RFC 9591 Appendix C) for `devices`, each device's share under its id. */
export function dealToDevices(devices: readonly DeviceId[], threshold: number, random: RandomEffects): { readonly publicKeyPackage: PublicKeyPackage; readonly shares: ReadonlyMap<DeviceId, KeyShare> } {
  const dealt = trustedDealerKeygen({ participants: devices.map(deviceParticipantId), threshold }, random);
  const shareOf = new Map(dealt.shares.map((share) => [share.participant, share] as const));
  const shares = new Map(devices.map((device) => {
    const share = shareOf.get(deviceParticipantId(device));
    if (share === undefined) throw permanentError('test.no-share', `the dealer made no share for ${device}`);
    return [device, share] as const;
  }));
  return { publicKeyPackage: dealt.publicKeyPackage, shares };
}

/** The resharing inputs of `device`, with its share when it has one. */
export function reshareDevice(device: TestDevice, shares: ReadonlyMap<DeviceId, KeyShare>): ReshareDevice {
  const keyShare = shares.get(device.device);
  return { device: device.device, hpkeSecretKey: device.hpkeSecretKey, random: device.random, ...(keyShare === undefined ? {} : { keyShare }) };
}

/** Whether the first `pkg.threshold` of `shares` sign a message that verifies under the group key. */
export function sharesSign(pkg: PublicKeyPackage, shares: readonly KeyShare[], random: RandomEffects): boolean {
  const signers = shares.slice(0, pkg.threshold).map((share) => ({ share, ...commit(share, random) }));
  const signing = { message: utf8('still the same key'), commitments: signers.map((s) => s.commitment) };
  const signature = aggregate(pkg, signing, signers.map((s) => signShare(s.share, s.nonces, signing)));
  return verifyStrict(pkg.groupPublicKey, signing.message, signature);
}

/** A guardian: its own one-device authority (its key stands for its group key) with an HPKE key. */
export interface TestGuardian {
  /** What the protocols are told of it. */
  readonly guardian: Guardian;
  /** Its authority's secret key. */
  readonly secretKey: Uint8Array;
  /** Its device's HPKE secret key. */
  readonly hpkeSecretKey: Uint8Array;
  /** Its randomness. */
  readonly random: SeededRandom;
}

/** `count` fresh guardians. */
export async function testGuardians(count: number, random: SeededRandom, crypto: CryptoEffects): Promise<TestGuardian[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, k) => {
      const key = crypto.generateSigningKey();
      const hpke = await generateHpkeKeyPair(random);
      const guardian = { authority: deriveIdentifier('authority', { groupKey: key.publicKey }), device: randomIdentifier('device', random), signingKey: key.publicKey, hpkeKey: hpke.publicKey };
      return { guardian, secretKey: key.secretKey, hpkeSecretKey: hpke.secretKey, random: random.fork(`guardian-${k}`) };
    }),
  );
}

/**
 * A key store held in memory (the sealing is `FileKeyStore`'s concern, not the protocols'). It
 * copies entries both ways, as a file would: callers zero what they saved and what they loaded.
 */
export function memoryKeyStore(): UnlockedKeyStore {
  let entries: KeyStoreEntries | undefined;
  const copy = (from: KeyStoreEntries): KeyStoreEntries => Object.fromEntries(Object.entries(from).map(([name, value]) => [name, value.slice()]));
  return {
    passphrase: 'test',
    store: {
      load: () => (entries === undefined ? Promise.reject(permanentError('keystore.not-found', 'no key store yet')) : Promise.resolve(copy(entries))),
      // One synchronous step (no await), so updates cannot interleave.
      update: (_passphrase, change) =>
        Promise.resolve().then(() => {
          const next = change(entries === undefined ? undefined : copy(entries));
          if (next !== undefined) entries = copy(next);
          return entries === undefined ? undefined : copy(entries);
        }),
    },
  };
}

/**
 * Each device's part in the operation lock of the authority with `groupKey`: a local replica of
 * its coordination journal (local-only facts), made on first use and kept, so a device's promises
 * and grants outlive one operation; every device reads `time`.
 */
export function testLocks(groupKey: Uint8Array, random: SeededRandom, time: PhysicalTimeEffects = new ManualClock(), policy?: LockPolicy): (device: DeviceId) => LockParticipant {
  const context = { registry: new FactRegistry(COORDINATION_FACT_TYPES), crypto: new Ed25519CryptoEffects(random.fork('lock-crypto')), keys: staticSignerKeys(new Map(), new Map()), local: true };
  const locks = new Map<DeviceId, LockParticipant>();
  return (device) => {
    let lock = locks.get(device);
    if (lock === undefined) {
      const own = random.fork(`lock-${device}`);
      const journal = new DeviceJournal(emptyJournal(authorityIdOf(groupKey)), context, (draft) => sealFact(draft, { kind: 'none' }), own);
      lock = { journal, time, random: own, ...(policy === undefined ? {} : { policy }) };
      locks.set(device, lock);
    }
    return lock;
  };
}

/** A dealer whose sub-shares carry a dealing that does not commit to its share, in the first attempt only. */
export function badDealingFirst(honest: RoleImpl, attempt: number): RoleImpl {
  const deal = honest.send?.['DistributeSubShare'];
  if (attempt > 0 || deal === undefined) return honest;
  return {
    ...honest,
    send: {
      ...honest.send,
      DistributeSubShare: async (to) => {
        const { subShare } = (await deal(to)) as { subShare: ReshareSubSharePayload | null };
        return { subShare: subShare === null ? null : { ...subShare, commitments: [...subShare.commitments].reverse() } };
      },
    },
  };
}
