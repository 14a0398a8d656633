/**
 * How the seeded fault sweep (`fault-sweep.ts`) runs each protocol: every device under the
 * deterministic simulator (`SimTransport`, links of 1-20 ms, receive timeouts of 1 s in virtual
 * time), each device started in its own event, so a run, HPKE included (the scheduler waits for
 * host work), is a function of its seed. Each runner builds the group it needs (a dealer's shares,
 * HPKE keys), runs the members with their faults, and records what the safety check needs
 * beyond the devices' ends: signatures that do not verify, facts a journal refuses, a resharing
 * that changed the group key or whose shares do not sign.
 *
 * @module
 */
import { bytesEqual, toHex, utf8 } from '../core/bytes.ts';
import { encodeCanonical } from '../core/canonical.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { HPKE_INFO, generateHpkeKeyPair, hpkeSealValue } from '../crypto/hpke.ts';
import type { KeyShare, PublicKeyPackage } from '../crypto/key-share.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { staticSignerKeys } from '../journal/attestation.ts';
import type { FactRecord } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal } from '../journal/journal.ts';
import type { Transport } from '../runtime/transport.ts';
import { PERFECT_LINK } from '../sim/latency.ts';
import { SimTransport } from '../sim/sim-transport.ts';
import { Simulation } from '../sim/simulation.ts';
import { traceText } from '../sim/trace.ts';
import type { Accusation } from './attempts.ts';
import { AUTHORITY_FACT_TYPES, admitAuthorityFacts, authorityIdOf, establishAuthority } from './authority.ts';
import { runDkd } from './dkd.ts';
import { GENESIS_EPOCH } from './epoch.ts';
import type { SweepCase } from './fault-sweep-case.ts';
import { byzantineWrap, stopWrap, type FaultTools } from './fault-sweep-faults.ts';
import type { RunOptions } from './protocol-source.ts';
import { recoveryRequestId, runRecovery, type RecoveryParticipant, type RecoveryPlan } from './recovery.ts';
import { addDeviceSetup, removeDeviceSetup, runReshareDevice, type ReshareOutcome, type ReshareSetup } from './reshare.ts';
import { dealToDevices, reshareDevice, sharesSign, testDevices, testGuardians, testLocks, type TestDevice } from './reshare-fixture.ts';
import { runSigningDevice } from './sign.ts';
import { runQuorumSigning } from './sign-quorum.ts';

/** How one device ended: a value it accepted (as text: a key, a signature, fact CIDs), or an error. */
export type DeviceEnd =
  | { readonly ok: true; readonly value: string; readonly excluded: readonly Accusation[] }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly accused: readonly string[] };

/** What a run of the devices gives the checks. */
export interface DevicesRun {
  /** Each device's end, in member order. */
  readonly ends: readonly DeviceEnd[];
  /** Safety violations seen while running (invalid signatures, refused facts, a changed group key). */
  readonly safety: readonly string[];
  /** Member k's device. */
  readonly devices: readonly DeviceId[];
  /** The members whose byzantine wrap actually misbehaved. */
  readonly acted: ReadonlySet<number>;
  /** The simulator's trace, when asked for. */
  readonly trace?: string;
}

/** A device's accepted value. */
interface DeviceValue {
  readonly value: string;
  readonly excluded: readonly Accusation[];
}

/** Runs member `k` over `transport` with `options` (its faults already in them). */
type DeviceRunner = (k: number, transport: Transport, options: RunOptions) => Promise<DeviceValue>;

/** What a protocol's runner gives the harness. */
interface Prepared {
  /** Member k's device. */
  readonly devices: readonly DeviceId[];
  readonly run: DeviceRunner;
  /** The sealed box a `bad-share` member sends to role `to`, as member `k`. */
  readonly badSeal: (k: number, to: string) => Promise<{ readonly enc: Uint8Array; readonly ciphertext: Uint8Array }>;
  /** The participant id a false complaint accuses. */
  readonly victim: string;
  /** Checks once every device ended (the resharing's shares sign). */
  readonly after?: () => void;
}

/** The end of a device that never finished. */
export const HUNG: DeviceEnd = { ok: false, code: 'hung', message: 'the device never finished', accused: [] };

/** The devices an error names: `context.accused` (`device:reason,…`) or `context.excluded` (`device,…`). */
function namedIn(error: unknown): string[] {
  if (!isAuraError(error)) return [];
  const list = String(error.context['accused'] ?? error.context['excluded'] ?? '');
  return list === '' ? [] : list.split(',').map((entry) => entry.split(':')[0] ?? entry);
}

function failed(error: unknown): DeviceEnd {
  return isAuraError(error) ? { ok: false, code: error.code, message: error.message, accused: namedIn(error) } : { ok: false, code: 'untyped', message: String(error), accused: [] };
}

/** Runs the case's protocol at every member under the simulator. */
export async function runDevices(c: SweepCase, options: { readonly trace?: boolean } = {}): Promise<DevicesRun> {
  const random = new SeededRandom(c.seed).fork('run');
  const safety: string[] = [];
  const prepared = await PREPARE[c.protocol](c, random, safety);
  const acted = new Set<number>();
  const sim = new Simulation({ seed: c.seed, trace: options.trace === true, network: { defaults: { ...PERFECT_LINK, latency: { kind: 'uniform', min: 1, max: 20 } }, links: [] } });
  const transport = new SimTransport(sim);
  // Every role a protocol of the sweep has is a node: `R` (a quorum's requester), `Requester` (the
  // operation lock's), `P[k]`, `S[k]`, `D[k]`, `R[k]`, `M[k]`, `Device[k]`, `Guardian[k]`.
  const roles = ['R', 'Requester', ...Array.from({ length: c.n + 1 }, (_, k) => ['P', 'S', 'D', 'R', 'M', 'Device', 'Guardian'].map((family) => `${family}[${k}]`)).flat()];
  for (const role of roles) {
    sim.addNode(role, (node) => {
      transport.listen(node);
    });
  }
  const ends: DeviceEnd[] = Array.from({ length: c.n }, () => HUNG);
  for (let k = 0; k < c.n; k++) {
    // One node per device, each started in its own event: no two devices' code runs at once.
    sim.addNode(`device ${k}`, (node) => {
      sim.scheduler.requestDrain();
      const tools: FaultTools = { badSeal: (to) => prepared.badSeal(k, to), victim: prepared.victim, acted: () => acted.add(k) };
      const wraps = c.faults.filter((f) => f.member === k).map((f) => (f.kind === 'byzantine' ? byzantineWrap(f.behaviour, tools) : stopWrap(f.label, f.kind)));
      const base: RunOptions = { time: transport.clock(node), receiveTimeoutMs: 1000 };
      const run = prepared.run(k, transport, wraps.length === 0 ? base : { ...base, roleImpl: (honest) => wraps.reduce((impl, wrap) => wrap(impl), honest) });
      // Settled at once: a failure during the run is an outcome, not an unhandled rejection.
      run.then(
        (value) => (ends[k] = { ok: true, ...value }),
        (error: unknown) => (ends[k] = failed(error)),
      );
    });
  }
  await sim.run({ until: 600_000, maxEvents: 1_000_000 });
  // Role code is promise callbacks the simulator drained: what has not settled now never will.
  await new Promise((resolve) => setImmediate(resolve));
  prepared.after?.();
  const trace = sim.trace === undefined ? {} : { trace: traceText({ type: 'header', version: 1, seed: c.seed, config: c }, sim.trace.events) };
  return { ends, safety, devices: prepared.devices, acted, ...trace };
}

/** Whether member `k` signs another message (or serves another request) than the others. */
function otherMessage(c: SweepCase, k: number): boolean {
  return c.faults.some((f) => f.member === k && f.kind === 'byzantine' && f.behaviour === 'other-message');
}

/** An honest device's facts must be admitted by a fresh journal of the authority, in order. */
function checkFacts(facts: readonly FactRecord[], groupKey: Uint8Array, crypto: Ed25519CryptoEffects, safety: string[], k: number): void {
  try {
    admitAuthorityFacts(emptyJournal(authorityIdOf(groupKey)), facts, groupKey, crypto);
  } catch (error) {
    safety.push(`member ${k} accepted facts a journal refuses: ${String(error)}`);
  }
}

/** `items[k]`, which the case's shape guarantees (a member index below n, a role's index). */
function at<T>(items: readonly T[], k: number): T {
  const item = items[k];
  if (item === undefined) throw new Error(`index ${k} out of ${items.length}`);
  return item;
}

/** The index `k` of role `F[k]`. */
function roleIndex(role: string): number {
  return Number(role.slice(role.indexOf('[') + 1, -1));
}

/** A sealed box of `value` to `publicKey` under `info`, from garbage randomness. */
async function sealGarbage(publicKey: Uint8Array, value: unknown, info: string, random: SeededRandom): Promise<{ readonly enc: Uint8Array; readonly ciphertext: Uint8Array }> {
  const box = await hpkeSealValue(publicKey, value, info, random);
  return { enc: box.enc, ciphertext: box.ciphertext };
}

type Prepare = (c: SweepCase, random: SeededRandom, safety: string[]) => Promise<Prepared>;

const prepareAuthority: Prepare = async (c, random, safety) => {
  const devices = Array.from({ length: c.n }, () => randomIdentifier('device', random));
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const keys = await Promise.all(devices.map(() => generateHpkeKeyPair(random)));
  const keyOf = (k: number) => at(keys, k); // k < n: one key pair per device
  const members = devices.map((device, k) => ({ device, hpkePublicKey: keyOf(k).publicKey, signingPublicKey: crypto.generateSigningKey().publicKey }));
  const setup = { members, threshold: c.t, session: randomIdentifier('session', random) };
  const garbage = random.fork('garbage');
  return {
    devices,
    victim: deviceParticipantId(at(devices, 0)), // n >= 3
    // `to` is a member role `P[j]` of the DKG: a share that is not the polynomial's value.
    badSeal: (k, to) => sealGarbage(keyOf(roleIndex(to)).publicKey, { from: deviceParticipantId(at(devices, k)), to: deviceParticipantId(at(devices, roleIndex(to))), share: new Uint8Array(32).fill(7) }, HPKE_INFO.dkgShare, garbage),
    run: async (k, transport, options) => {
      const result = await establishAuthority(setup, { device: at(devices, k), hpkeSecretKey: keyOf(k).secretKey, random: random.fork(`device-${k}`), crypto }, transport, options);
      checkFacts(result.facts, result.publicKeyPackage.groupPublicKey, crypto, safety, k);
      return { value: `${toHex(result.publicKeyPackage.groupPublicKey)} ${result.facts.map((f) => f.key).join(',')}`, excluded: result.excluded };
    },
  };
};

const prepareSigning: Prepare = (c, random, safety) => {
  const devices = Array.from({ length: c.n }, () => randomIdentifier('device', random));
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const { publicKeyPackage, shares } = dealToDevices(devices, c.t, random.fork('dealer'));
  const authority = authorityIdOf(publicKeyPackage.groupPublicKey);
  const message = utf8(`sweep ${c.seed}`);
  const session = randomIdentifier('session', random);
  const requester = at(devices, 0); // n >= 3
  return Promise.resolve({
    devices,
    victim: deviceParticipantId(requester),
    badSeal: () => Promise.reject(new Error('signing seals nothing')),
    run: async (k, transport, options) => {
      const device = at(devices, k); // k < n
      const keyShare = shares.get(device);
      if (keyShare === undefined) throw new Error('the dealer made one share per device');
      const signer = { device, keyShare, message: otherMessage(c, k) ? utf8('another message') : message, random: random.fork(`signer-${k}`) };
      if (c.protocol === 'sign') {
        const r = await runSigningDevice({ signers: devices, publicKeyPackage, session, epoch: GENESIS_EPOCH }, signer, transport, options);
        if (!verifyStrict(publicKeyPackage.groupPublicKey, message, r.signature)) safety.push(`member ${k} accepted an invalid signature`);
        return { value: toHex(r.signature), excluded: r.excluded };
      }
      const r = await runQuorumSigning({ authority, publicKeyPackage, members: devices, requester, session, epoch: GENESIS_EPOCH }, signer, transport, options);
      try {
        admit(emptyJournal(authority), [r.record], { registry: new FactRegistry(AUTHORITY_FACT_TYPES), crypto, keys: staticSignerKeys(new Map([[authority, publicKeyPackage.groupPublicKey]])) });
      } catch (error) {
        safety.push(`member ${k} accepted a fact a journal refuses: ${String(error)}`);
      }
      return { value: r.record.key, excluded: r.excluded };
    },
  });
};

const prepareDkd: Prepare = (c, random) => {
  const devices = Array.from({ length: c.n }, () => randomIdentifier('device', random));
  const { publicKeyPackage } = dealToDevices(devices, c.t, random.fork('dealer'));
  const setup = { members: devices, groupPublicKey: publicKeyPackage.groupPublicKey, session: randomIdentifier('session', random) };
  const request = { authority: authorityIdOf(publicKeyPackage.groupPublicKey), context: 'sweep', app: 'aura.sweep', epoch: GENESIS_EPOCH };
  return Promise.resolve({
    devices,
    victim: deviceParticipantId(at(devices, 0)), // n >= 3
    badSeal: () => Promise.reject(new Error('DKD seals nothing')),
    run: async (k, transport, options) => {
      const member = { device: at(devices, k), request: otherMessage(c, k) ? { ...request, context: 'another' } : request, random: random.fork(`member-${k}`) };
      const outcome = await runDkd(setup, member, transport, options);
      return { value: toHex(outcome.contextKey), excluded: [] };
    },
  });
};

/**
 * Resharing that adds a device (n - 1 members, the new one last, t unchanged but at most n - 1)
 * or removes one (n + 1 members, the last removed): every member that takes part is one of the
 * case's n. A device that completes must keep the group key, and the honest new shares must sign.
 */
const prepareReshare: Prepare = async (c, random, safety) => {
  const adding = c.protocol === 'add-device';
  const group = await testDevices(adding ? c.n : c.n + 1, random.fork('devices'));
  const members = adding ? group.slice(0, c.n - 1) : group;
  const oldThreshold = Math.min(c.t, members.length);
  const { publicKeyPackage, shares } = dealToDevices(members.map((d) => d.device), oldThreshold, random.fork('dealer'));
  const current = { publicKeyPackage, members, epoch: GENESIS_EPOCH };
  const session = randomIdentifier('session', random);
  const last = at(group, group.length - 1); // at least 3 devices
  const setup: ReshareSetup = adding ? addDeviceSetup(current, last, session, c.t) : removeDeviceSetup(current, last.device, session, c.t);
  const reshared = reshareChecks(c, publicKeyPackage, random, safety);
  const garbage = random.fork('garbage');
  const device = (k: number): TestDevice => at(group, k); // k < n
  const honest = (k: number) => !c.faults.some((f) => f.member === k);
  return {
    devices: group.slice(0, c.n).map((d) => d.device),
    victim: deviceParticipantId(setup.oldMembers.find((d) => honest(group.findIndex((g) => g.device === d))) ?? at(setup.oldMembers, 0)),
    badSeal: (k, to) => {
      const recipient = at(setup.recipients, roleIndex(to)); // `to` is a new member's role `R[j]`
      return sealGarbage(recipient.hpkePublicKey, { from: deviceParticipantId(device(k).device), to: deviceParticipantId(recipient.device), share: new Uint8Array(32).fill(7) }, HPKE_INFO.reshareSubShare, garbage);
    },
    run: async (k, transport, options) => {
      const outcome = await runReshareDevice(setup, reshareDevice(device(k), shares), transport, options);
      reshared.record(k, outcome);
      return { value: toHex(encodeCanonical(outcome.publicKeyPackage)), excluded: outcome.excluded };
    },
    after: reshared.after,
  };
};

/**
 * The checks of a resharing (alone, or in a recovery): a member that completes keeps the group
 * key, and, once every member ended, the honest members' new shares sign under it.
 */
function reshareChecks(c: SweepCase, old: PublicKeyPackage, random: SeededRandom, safety: string[]): { readonly record: (k: number, outcome: ReshareOutcome) => void; readonly after: () => void } {
  const honest = (k: number) => !c.faults.some((f) => f.member === k);
  const newShares = new Map<number, KeyShare>();
  const packages = new Map<number, PublicKeyPackage>();
  return {
    record: (k, outcome) => {
      if (!bytesEqual(outcome.publicKeyPackage.groupPublicKey, old.groupPublicKey)) safety.push(`member ${k} accepted a resharing that changed the group key`);
      if (outcome.keyShare !== undefined) newShares.set(k, outcome.keyShare);
      packages.set(k, outcome.publicKeyPackage);
    },
    after: () => {
      const honestShares = [...newShares].filter(([k]) => honest(k)).map(([, share]) => share);
      const pkg = [...packages].find(([k]) => honest(k))?.[1];
      if (pkg !== undefined && honestShares.length >= pkg.threshold && !sharesSign(pkg, honestShares, random.fork('check'))) safety.push('the honest members\' new shares do not sign under the group key');
    },
  };
}

/**
 * Guardian recovery after the loss of one device: the new device (member 0), the owner's surviving
 * devices (⌊(n − 1)/3⌋ of them) and the guardians (the rest) take part; the old group is all of
 * them but the new device, plus the lost one, at threshold t; the approvals needed are what the
 * survivors lack of t. In some seeds (`c.disputed`) the owner disputes during the cooldown: then
 * no honest participant may complete.
 */
const prepareRecovery: Prepare = async (c, random, safety) => {
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const survivorCount = Math.floor((c.n - 1) / 3);
  const owned = await testDevices(survivorCount + 1, random.fork('devices'));
  const survivors = owned.slice(0, survivorCount);
  const lost = at(owned, survivorCount); // survivorCount + 1 devices
  const guardians = await testGuardians(c.n - 1 - survivorCount, random.fork('guardians'), crypto);
  const holders = [...survivors.map((d) => d.device), lost.device, ...guardians.map((g) => g.guardian.device)];
  const { publicKeyPackage, shares } = dealToDevices(holders, c.t, random.fork('dealer'));
  const newKeys = { signing: crypto.generateSigningKey(), hpke: await generateHpkeKeyPair(random.fork('new')) };
  const newDevice = randomIdentifier('device', random);
  const plan: RecoveryPlan = {
    publicKeyPackage,
    guardians: guardians.map((g) => g.guardian),
    devices: survivors,
    lost: [lost.device],
    request: { authority: authorityIdOf(publicKeyPackage.groupPublicKey), newDevice, deviceKey: newKeys.signing.publicKey, hpkeKey: newKeys.hpke.publicKey, nonce: random.randomBytes(16) },
    approvals: Math.max(1, c.t - survivorCount),
    cooldownMs: 10_000,
    session: randomIdentifier('session', random),
    epoch: GENESIS_EPOCH,
  };
  const requestId = recoveryRequestId(plan.request);
  const disputes = { disputed: (id: Uint8Array) => c.disputed === true && bytesEqual(id, requestId) };
  const devices = [newDevice, ...survivors.map((d) => d.device), ...guardians.map((g) => g.guardian.device)];
  const recipients = [...survivors, { device: newDevice, hpkePublicKey: newKeys.hpke.publicKey }, ...plan.guardians.map((g) => ({ device: g.device, hpkePublicKey: g.hpkeKey }))];
  const garbage = random.fork('garbage');
  const participant = (k: number, time: PhysicalTimeEffects): RecoveryParticipant => {
    const base = { device: at(devices, k), random: random.fork(`participant-${k}`), crypto, time }; // k < n
    if (k === 0) return { ...base, hpkeSecretKey: newKeys.hpke.secretKey, deviceSecretKey: newKeys.signing.secretKey };
    const share = shares.get(at(devices, k))!; // every participant but the new device holds a share
    if (k <= survivorCount) return { ...base, hpkeSecretKey: at(survivors, k - 1).hpkeSecretKey, keyShare: share };
    const guardian = at(guardians, k - 1 - survivorCount);
    return { ...base, hpkeSecretKey: guardian.hpkeSecretKey, keyShare: share, guardianSecretKey: guardian.secretKey, disputes };
  };
  const reshared = reshareChecks(c, publicKeyPackage, random, safety);
  return {
    devices,
    victim: deviceParticipantId(survivors[0]?.device ?? at(guardians, 0).guardian.device), // a dealer
    badSeal: (k, to) => {
      const recipient = at(recipients, roleIndex(to)); // `to` is a new member's role `R[j]`
      return sealGarbage(recipient.hpkePublicKey, { from: deviceParticipantId(at(devices, k)), to: deviceParticipantId(recipient.device), share: new Uint8Array(32).fill(7) }, HPKE_INFO.reshareSubShare, garbage);
    },
    run: async (k, transport, options) => {
      if (options.time === undefined) throw new Error('the sweep gives every device a clock');
      const lock = testLocks(publicKeyPackage.groupPublicKey, random.fork(`lock-${k}`), options.time)(at(devices, k));
      const outcome = await runRecovery(plan, participant(k, options.time), transport, { ...options, lock });
      if (c.disputed === true) safety.push(`member ${k} completed a disputed recovery`);
      reshared.record(k, outcome);
      return { value: `${toHex(encodeCanonical(outcome.publicKeyPackage))} ${outcome.change.remove?.join(',') ?? ''} ${outcome.change.threshold}`, excluded: outcome.excluded };
    },
    after: reshared.after,
  };
};

const PREPARE: Readonly<Record<SweepCase['protocol'], Prepare>> = {
  authority: prepareAuthority,
  sign: prepareSigning,
  quorum: prepareSigning,
  dkd: prepareDkd,
  'add-device': prepareReshare,
  'remove-device': prepareReshare,
  recovery: prepareRecovery,
};
