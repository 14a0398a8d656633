/**
 * What one run of the seeded fault sweep (`fault-sweep.ts`) does, drawn from its seed alone: the
 * protocol, the size n ∈ {3, 5, 7} with t = ⌊n/2⌋ + 1, and the faults (up to f < n/3 byzantine
 * members, at most one crash or silent member). Issue 9 item 7.
 *
 * @module
 */
import { randomInt } from '../core/random.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { Behaviour, Fault } from './fault-sweep-faults.ts';

/**
 * The protocols a sweep runs: authority creation (DKG, then the genesis facts signed), FROST
 * signing by every member, signing with a quorum, DKD, resharing that adds or removes a device,
 * and guardian recovery (cooldown, and in some runs the owner's dispute).
 */
export const SWEPT_PROTOCOLS = ['authority', 'sign', 'quorum', 'dkd', 'add-device', 'remove-device', 'recovery'] as const;

/** One of {@link SWEPT_PROTOCOLS}. */
export type SweptProtocol = (typeof SWEPT_PROTOCOLS)[number];

/** What one run drew. */
export interface SweepCase {
  /** The seed everything derives from. */
  readonly seed: number;
  /** The protocol run. */
  readonly protocol: SweptProtocol;
  /**
   * Members that run the protocol (for `add-device` the last one is the new device; for
   * `remove-device` the removed device is one more, outside the run).
   */
  readonly n: number;
  /** Threshold (of the new group, for resharing). */
  readonly t: number;
  /** The faults, at most one per member. */
  readonly faults: readonly Fault[];
  /** A recovery only: the owner disputes the request during the cooldown. */
  readonly disputed?: boolean;
}

const BEHAVIOURS: Readonly<Record<SweptProtocol, readonly Behaviour[]>> = {
  authority: ['bad-proof', 'bad-share', 'equivocation', 'withhold'],
  sign: ['bad-share', 'bad-commitment', 'withhold', 'other-message'],
  quorum: ['bad-share', 'bad-commitment', 'withhold', 'other-message'],
  dkd: ['bad-reveal', 'equivocation', 'withhold', 'other-message'],
  'add-device': ['bad-share', 'bad-commitment', 'equivocation', 'withhold', 'false-complaint', 'ack-equivocation', 'ack-split', 'echo-lie'],
  'remove-device': ['bad-share', 'bad-commitment', 'equivocation', 'withhold', 'false-complaint', 'ack-equivocation', 'ack-split', 'echo-lie'],
  recovery: ['bad-share', 'bad-commitment', 'equivocation', 'withhold', 'false-complaint', 'ack-equivocation', 'ack-split', 'echo-lie', 'bad-approval', 'hide-dispute'],
};

/** The message labels of each protocol: a crash or silence strikes at one of them. */
const LABELS: Readonly<Record<SweptProtocol, readonly string[]>> = {
  authority: ['Commit', 'Share', 'Verdict', 'Answer', 'Commitment', 'SigShare', 'Signature'],
  sign: ['Commitment', 'SigShare', 'Signature'],
  quorum: ['Request', 'Chosen', 'Outcome', 'Commitment', 'SigShare', 'Signature'],
  dkd: ['Initiate', 'Commit', 'Reveal', 'Aggregate'],
  'add-device': ['Propose', 'DistributeSubShare', 'Acknowledge', 'EchoAcks', 'ConfirmAcks', 'Justify', 'EchoJustifications', 'ConfirmJustifications'],
  'remove-device': ['Propose', 'DistributeSubShare', 'Acknowledge', 'EchoAcks', 'ConfirmAcks', 'Justify', 'EchoJustifications', 'ConfirmJustifications'],
  recovery: ['Initiate', 'Approve', 'Release', 'Propose', 'DistributeSubShare', 'Acknowledge', 'EchoAcks', 'ConfirmAcks', 'Justify', 'EchoJustifications', 'ConfirmJustifications'],
};

/**
 * How often each protocol is drawn, out of 32. Authority creation (a DKG with HPKE, then n + 2
 * signing sessions) costs about ten signings and resharing several, DKD less than one: the
 * weights spread a sweep's time roughly evenly.
 */
const WEIGHTS: Readonly<Record<SweptProtocol, number>> = { authority: 1, sign: 6, quorum: 5, dkd: 9, 'add-device': 4, 'remove-device': 3, recovery: 4 };

/** One of `items` (not empty), drawn from `random`. */
export function oneOf<T>(random: SeededRandom, items: readonly T[]): T {
  const item = items[randomInt(random, items.length)];
  if (item === undefined) throw new Error('oneOf needs a non-empty list');
  return item;
}

function drawProtocol(random: SeededRandom): SweptProtocol {
  let draw = randomInt(random, 32);
  for (const protocol of SWEPT_PROTOCOLS) {
    draw -= WEIGHTS[protocol];
    if (draw < 0) return protocol;
  }
  return 'sign';
}

/** The case of `seed`: protocol, size and faults, drawn from the seed alone. */
export function drawCase(seed: number): SweepCase {
  const random = new SeededRandom(seed).fork('case');
  const protocol = drawProtocol(random);
  // The slow ones lean small so a sweep stays quick.
  const sizes = protocol === 'sign' || protocol === 'quorum' || protocol === 'dkd' ? [3, 5, 7] : [3, 3, 5, 5, 7];
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
  if (stop === 2) faults.push({ kind: 'silent', member: pick(), label: oneOf(random, labels) });
  // A third of the recoveries are disputed by the owner.
  return { seed, protocol, n, t, faults, ...(protocol === 'recovery' ? { disputed: randomInt(random, 3) === 0 } : {}) };
}
