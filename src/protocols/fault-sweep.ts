/**
 * Seeded fault sweeps of the threshold protocols (issue 9 item 7). One run, from one seed, draws a
 * protocol (authority creation: DKG and genesis signing; FROST signing by every member; signing
 * with a quorum), a size n in {3, 5, 7} with t = ⌊n/2⌋ + 1, and faults: up to f < n/3 byzantine
 * members (bad shares, bad proofs or commitments, equivocation, withheld messages, another message;
 * never the requester of a quorum signing, who is the one that wants the signature) and at most
 * one crash (a member that stops at its first handling of a message label) or, under
 * the simulator, a member that goes silent at a label. It runs every device and checks:
 *
 * - **safety**, always: no two honest devices end with different group keys (or different facts,
 *   or different signatures); every signature an honest device accepts verifies strictly under
 *   the group key; every fact it accepts is admitted by a journal of the authority (its threshold
 *   attestation verifies, its tree operations apply); no honest device is named;
 * - **liveness**, as the fault model promises: with no faults every device finishes; with only
 *   byzantine faults every honest device finishes and names every byzantine member that took part
 *   (a quorum signing may finish without asking one); with a crash or a silent member every honest
 *   device finishes or stops with a typed `protocols.*` error (an abort, or too few left), and no
 *   device hangs.
 *
 * Signing runs under the deterministic simulator (`SimTransport`: links of 1-20 ms, virtual time
 * for receive timeouts), so a seed replays exactly. The DKG seals shares with HPKE, whose
 * WebCrypto calls complete outside the simulator's control, so authority creation runs over the
 * in-memory transport (faults still drawn from the seed; interleavings may differ between runs).
 *
 * @module
 */
import { toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { randomInt } from '../core/random.ts';
import { trustedDealerKeygen } from '../crypto/dealer.ts';
import { HPKE_INFO, generateHpkeKeyPair, hpkeSealValue } from '../crypto/hpke.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { staticSignerKeys } from '../journal/attestation.ts';
import type { FactRecord } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal } from '../journal/journal.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { PERFECT_LINK } from '../sim/latency.ts';
import { SimTransport } from '../sim/sim-transport.ts';
import { Simulation } from '../sim/simulation.ts';
import type { Accusation } from './attempts.ts';
import { AUTHORITY_FACT_TYPES, admitAuthorityFacts, authorityIdOf, establishAuthority } from './authority.ts';
import type { DkgRound1Payload } from './payload-types.ts';
import type { RunOptions } from './protocol-source.ts';
import { runSigningDevice } from './sign.ts';
import { runQuorumSigning } from './sign-quorum.ts';

/** The protocols a sweep runs. */
export const SWEPT_PROTOCOLS = ['authority', 'sign', 'quorum'] as const;

/** One of {@link SWEPT_PROTOCOLS}. */
export type SweptProtocol = (typeof SWEPT_PROTOCOLS)[number];

/** How a byzantine member misbehaves. */
export type Behaviour = 'bad-share' | 'bad-proof' | 'bad-commitment' | 'equivocation' | 'withhold' | 'other-message';

/** A fault of one member. */
export type Fault =
  | { readonly kind: 'byzantine'; readonly member: number; readonly behaviour: Behaviour }
  | { readonly kind: 'crash'; readonly member: number; readonly label: string }
  | { readonly kind: 'silent'; readonly member: number; readonly label: string };

/** What one run drew. */
export interface SweepCase {
  /** The seed everything derives from. */
  readonly seed: number;
  /** The protocol run. */
  readonly protocol: SweptProtocol;
  /** Members. */
  readonly n: number;
  /** Threshold. */
  readonly t: number;
  /** The faults, at most one per member. */
  readonly faults: readonly Fault[];
}

/** How one device ended: a value it accepted (as text: a key, a signature, fact CIDs), or an error code. */
export type DeviceEnd = { readonly ok: true; readonly value: string; readonly excluded: readonly Accusation[] } | { readonly ok: false; readonly code: string; readonly message: string };

/** The result of one run. */
export interface SweepRun {
  /** What was drawn. */
  readonly case: SweepCase;
  /** Each device's end, in member order. */
  readonly ends: readonly DeviceEnd[];
  /** Safety violations (must be none). */
  readonly safety: readonly string[];
  /** Broken liveness promises (must be none). */
  readonly liveness: readonly string[];
}

const BEHAVIOURS: Readonly<Record<SweptProtocol, readonly Behaviour[]>> = {
  authority: ['bad-proof', 'bad-share', 'equivocation', 'withhold'],
  sign: ['bad-share', 'bad-commitment', 'withhold', 'other-message'],
  quorum: ['bad-share', 'bad-commitment', 'withhold', 'other-message'],
};

const LABELS: Readonly<Record<SweptProtocol, readonly string[]>> = {
  authority: ['Commit', 'Share', 'Verdict', 'Answer', 'Commitment', 'SigShare', 'Signature'],
  sign: ['Commitment', 'SigShare', 'Signature'],
  quorum: ['Request', 'Chosen', 'Outcome', 'Commitment', 'SigShare', 'Signature'],
};

/** One of `items` (not empty), drawn from `random`. */
function oneOf<T>(random: SeededRandom, items: readonly T[]): T {
  const item = items[randomInt(random, items.length)];
  if (item === undefined) throw new Error('oneOf needs a non-empty list');
  return item;
}

/** The case of `seed`: protocol, size and faults, drawn from the seed alone. */
export function drawCase(seed: number): SweepCase {
  const random = new SeededRandom(seed).fork('case');
  // Authority creation (a DKG with HPKE, then n + 2 signing sessions) costs about ten signings:
  // one run in 16 keeps a sweep's time spread evenly over the three protocols.
  const draw = randomInt(random, 16);
  const protocol: SweptProtocol = draw === 0 ? 'authority' : draw <= 7 ? 'sign' : 'quorum';
  // Authority creation is the slow one: its sizes lean small so a sweep stays quick.
  const sizes = protocol === 'authority' ? [3, 3, 5, 5, 7] : [3, 5, 7];
  const n = oneOf(random, sizes);
  const t = Math.floor(n / 2) + 1;
  // The requester of a quorum signing (member 0) is the one who wants the signature: it is honest here.
  const members = Array.from({ length: n }, (_, k) => k).filter((k) => protocol !== 'quorum' || k !== 0);
  const faulty: number[] = [];
  const pick = () => {
    const k = oneOf(random, members.filter((m) => !faulty.includes(m)));
    faulty.push(k);
    return k;
  };
  const faults: Fault[] = [];
  const byzantine = randomInt(random, Math.ceil(n / 3)); // 0 ≤ f < n/3
  for (let i = 0; i < byzantine; i++) faults.push({ kind: 'byzantine', member: pick(), behaviour: oneOf(random, BEHAVIOURS[protocol]) });
  const stop = randomInt(random, 3);
  const labels = LABELS[protocol];
  if (stop === 1) faults.push({ kind: 'crash', member: pick(), label: oneOf(random, labels) });
  // Silence needs receive timeouts, which only the simulator's virtual time gives deterministically.
  if (stop === 2 && protocol !== 'authority') faults.push({ kind: 'silent', member: pick(), label: oneOf(random, labels) });
  return { seed, protocol, n, t, faults };
}

type Wrap = (honest: RoleImpl) => RoleImpl;

function overrideSend(label: string, change: (payload: Record<string, unknown>, to: string) => Record<string, unknown> | Promise<Record<string, unknown>>): Wrap {
  return (honest) => {
    const original = honest.send?.[label];
    if (original === undefined) return honest;
    return { ...honest, send: { ...honest.send, [label]: async (to: string) => change((await original(to)) as Record<string, unknown>, to) } };
  };
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = ((bytes[at] ?? 0) + 1) % 256;
  return copy;
}

/** The wrap of a byzantine behaviour (`other-message` changes the message, not the role). */
function byzantineWrap(behaviour: Behaviour, sealShare: (to: string) => Promise<unknown>): Wrap {
  switch (behaviour) {
    case 'bad-share':
      return (honest) =>
        overrideSend('Share', async (p, to) => ({ ...p, sealed: p['sealed'] === null ? null : await sealShare(to) }))(
          overrideSend('SigShare', (p) => ({ ...p, share: p['share'] instanceof Uint8Array ? flipped(p['share'], 0) : null }))(honest),
        );
    case 'bad-proof':
      return overrideSend('Commit', (p) => {
        const round1 = p['round1'] as DkgRound1Payload;
        return { ...p, round1: { ...round1, proof: flipped(round1.proof, 40) } };
      });
    case 'bad-commitment':
      return overrideSend('Commitment', (p) => ({ ...p, commitment: { ...(p['commitment'] as object), hiding: new Uint8Array(32) } }));
    case 'equivocation': {
      let first: string | undefined;
      return overrideSend('Commit', (p, to) => {
        first ??= to;
        const round1 = p['round1'] as DkgRound1Payload;
        return to === first ? p : { ...p, round1: { ...round1, commitments: [...round1.commitments].reverse() } };
      });
    }
    case 'withhold':
      return (honest) => overrideSend('Share', (p) => ({ ...p, sealed: null }))(overrideSend('SigShare', (p) => ({ ...p, share: null }))(honest));
    case 'other-message':
      return (honest) => honest;
  }
}

/** Stops the member at its first handling (send or receipt) of `label`: a crash throws, silence never returns. */
function stopWrap(label: string, how: 'crash' | 'silent'): Wrap {
  let stopped = false;
  const stop = (): never | Promise<never> => {
    stopped = true;
    if (how === 'silent') return new Promise<never>(() => undefined);
    throw new Error(`crashed at ${label}`);
  };
  return (honest) => {
    if (stopped) return honest;
    const send = honest.send?.[label];
    const recv = honest.recv?.[label];
    return {
      ...honest,
      ...(send === undefined ? {} : { send: { ...honest.send, [label]: (to: string) => (stopped ? send(to) : stop()) } }),
      ...(recv === undefined ? {} : { recv: { ...honest.recv, [label]: (payload: unknown, from: string) => (stopped ? recv(payload, from) : stop()) } }),
    };
  };
}

function deviceOptions(c: SweepCase, member: number, base: RunOptions, sealShare: (to: string) => Promise<unknown>): RunOptions {
  const wraps = c.faults.filter((f) => f.member === member).map((f) => (f.kind === 'byzantine' ? byzantineWrap(f.behaviour, sealShare) : stopWrap(f.label, f.kind)));
  if (wraps.length === 0) return base;
  return { ...base, roleImpl: (honest) => wraps.reduce((impl, wrap) => wrap(impl), honest) };
}

function endOf(settled: PromiseSettledResult<{ readonly value: string; readonly excluded: readonly Accusation[] }>): DeviceEnd {
  if (settled.status === 'fulfilled') return { ok: true, ...settled.value };
  const error: unknown = settled.reason;
  return isAuraError(error) ? { ok: false, code: error.code, message: error.message } : { ok: false, code: 'untyped', message: String(error) };
}

const HUNG: DeviceEnd = { ok: false, code: 'hung', message: 'the device never finished' };

/** Runs the case of `seed` and checks it. */
export async function sweepRun(seed: number): Promise<SweepRun> {
  const c = drawCase(seed);
  const random = new SeededRandom(seed).fork('run');
  const devices = Array.from({ length: c.n }, () => randomIdentifier('device', random));
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const safety: string[] = [];
  const ends = c.protocol === 'authority' ? await runAuthority(c, devices, random, crypto, safety) : await runSigning(c, devices, random, crypto, safety);
  return { case: c, ends, safety: [...safety, ...safetyOf(c, devices, ends)], liveness: livenessOf(c, devices, ends) };
}

async function runAuthority(c: SweepCase, devices: readonly DeviceId[], random: SeededRandom, crypto: Ed25519CryptoEffects, safety: string[]): Promise<DeviceEnd[]> {
  const keys = await Promise.all(devices.map(() => generateHpkeKeyPair(random)));
  // keys has one key pair per device (made from the same list).
  const members = devices.map((device, k) => ({ device, hpkePublicKey: keys[k]!.publicKey, signingPublicKey: crypto.generateSigningKey().publicKey }));
  const setup = { members, threshold: c.t, session: randomIdentifier('session', random) };
  const transport = new MemoryTransport();
  const garbage = random.fork('garbage');
  const settled = await Promise.allSettled(
    devices.map(async (device, k) => {
      const sealShare = async (to: string) => {
        // `to` is a member role `P[k]` of this DKG, so k indexes keys and devices.
        const peer = Number(to.slice(to.indexOf('[') + 1, -1));
        const box = await hpkeSealValue(keys[peer]!.publicKey, { from: deviceParticipantId(device), to: deviceParticipantId(devices[peer]!), share: new Uint8Array(32).fill(7) }, HPKE_INFO.dkgShare, garbage);
        return { enc: box.enc, ciphertext: box.ciphertext };
      };
      const result = await establishAuthority(setup, { device, hpkeSecretKey: keys[k]!.secretKey, random: random.fork(`device-${k}`), crypto }, transport, deviceOptions(c, k, {}, sealShare));
      checkFacts(result.facts, result.publicKeyPackage.groupPublicKey, crypto, safety, k);
      return { value: `${toHex(result.publicKeyPackage.groupPublicKey)} ${result.facts.map((f) => f.key).join(',')}`, excluded: result.excluded };
    }),
  );
  return settled.map(endOf);
}

/** An honest device's facts must be admitted by a fresh journal of the authority, in order. */
function checkFacts(facts: readonly FactRecord[], groupKey: Uint8Array, crypto: Ed25519CryptoEffects, safety: string[], k: number): void {
  try {
    admitAuthorityFacts(emptyJournal(authorityIdOf(groupKey)), facts, groupKey, crypto);
  } catch (error) {
    safety.push(`member ${k} accepted facts a journal refuses: ${String(error)}`);
  }
}

async function runSigning(c: SweepCase, devices: readonly DeviceId[], random: SeededRandom, crypto: Ed25519CryptoEffects, safety: string[]): Promise<DeviceEnd[]> {
  const { publicKeyPackage, shares } = trustedDealerKeygen({ participants: devices.map(deviceParticipantId), threshold: c.t }, random);
  const authority = authorityIdOf(publicKeyPackage.groupPublicKey);
  const message = utf8(`sweep ${c.seed}`);
  const session = randomIdentifier('session', random);
  const sim = new Simulation({ seed: c.seed, network: { defaults: { ...PERFECT_LINK, latency: { kind: 'uniform', min: 1, max: 20 } }, links: [] } });
  const transport = new SimTransport(sim);
  const roles = ['R', ...devices.map((_, k) => `S[${k}]`)];
  const ends: DeviceEnd[] = devices.map(() => HUNG);
  for (const role of roles) {
    sim.addNode(role, (node) => {
      transport.listen(node);
    });
  }
  sim.addNode('devices', (node) => {
    sim.scheduler.requestDrain();
    const base: RunOptions = { time: transport.clock(node), receiveTimeoutMs: 1000 };
    for (const [k, device] of devices.entries()) {
      const keyShare = shares.find((s) => s.participant === deviceParticipantId(device));
      if (keyShare === undefined) throw new Error('the dealer made one share per device');
      // devices[0] exists: n >= 3. It is the quorum signing's requester.
      const other = c.faults.some((f) => f.member === k && f.kind === 'byzantine' && f.behaviour === 'other-message');
      const signer = { device, keyShare, message: other ? utf8('another message') : message, random: random.fork(`signer-${k}`) };
      const options = deviceOptions(c, k, base, () => Promise.resolve(null));
      const run =
        c.protocol === 'sign'
          ? runSigningDevice({ signers: devices, publicKeyPackage, session, epoch: 0 }, signer, transport, options).then((r) => {
              if (!verifyStrict(publicKeyPackage.groupPublicKey, message, r.signature)) safety.push(`member ${k} accepted an invalid signature`);
              return { value: toHex(r.signature), excluded: r.excluded };
            })
          : runQuorumSigning({ authority, publicKeyPackage, members: devices, requester: devices[0]!, session, epoch: 0 }, signer, transport, options).then((r) => {
              try {
                admit(emptyJournal(authority), [r.record], { registry: new FactRegistry(AUTHORITY_FACT_TYPES), crypto, keys: staticSignerKeys(new Map([[authority, publicKeyPackage.groupPublicKey]])) });
              } catch (error) {
                safety.push(`member ${k} accepted a fact a journal refuses: ${String(error)}`);
              }
              return { value: r.record.key, excluded: r.excluded };
            });
      // Settled at once: a failure during the run is an outcome, not an unhandled rejection.
      run.then(
        (value) => (ends[k] = endOf({ status: 'fulfilled', value })),
        (reason: unknown) => (ends[k] = endOf({ status: 'rejected', reason })),
      );
    }
  });
  await sim.run({ until: 600_000, maxEvents: 500_000 });
  // Role code is promise callbacks the simulator drained: what has not settled now never will.
  await new Promise((resolve) => setImmediate(resolve));
  return ends;
}

function honestMembers(c: SweepCase): number[] {
  return Array.from({ length: c.n }, (_, k) => k).filter((k) => !c.faults.some((f) => f.member === k));
}

function safetyOf(c: SweepCase, devices: readonly DeviceId[], ends: readonly DeviceEnd[]): string[] {
  const problems: string[] = [];
  const honest = honestMembers(c);
  const accepted = honest.map((k) => ends[k] ?? HUNG).flatMap((end) => (end.ok ? [end.value] : []));
  const values = new Set(accepted);
  // A quorum signing may finish twice only by accident of timing; any two accepted outcomes must agree.
  if (values.size > 1) problems.push(`honest members accepted ${values.size} different outcomes`);
  for (const k of honest) {
    const end = ends[k];
    if (end?.ok !== true) continue;
    const wronged = end.excluded.filter((a) => honest.includes(devices.indexOf(a.device)));
    if (wronged.length > 0) problems.push(`member ${k} named honest members: ${wronged.map((a) => `${a.device} (${a.reason})`).join(', ')}`);
  }
  return problems;
}

function livenessOf(c: SweepCase, devices: readonly DeviceId[], ends: readonly DeviceEnd[]): string[] {
  const problems: string[] = [];
  const honest = honestMembers(c);
  const stops = c.faults.some((f) => f.kind !== 'byzantine');
  const byzantine = c.faults.filter((f) => f.kind === 'byzantine');
  for (const k of honest) {
    const end = ends[k] ?? HUNG;
    if (end.ok) {
      // Every byzantine member that took part is named (a quorum signing may never ask one).
      if (c.protocol !== 'quorum') {
        for (const f of byzantine) if (!end.excluded.some((a) => a.device === devices[f.member])) problems.push(`member ${k} finished without naming byzantine member ${f.member} (${f.behaviour})`);
      }
      continue;
    }
    if (!stops) problems.push(`member ${k} failed with no crash or silence: ${end.code} ${end.message}`);
    else if (!/^protocols\.[a-z]+\.(aborted|too-few)$/.test(end.code)) problems.push(`member ${k} ended with ${end.code}, not a clean abort: ${end.message}`);
  }
  return problems;
}
