/**
 * Seeded fault sweeps of the threshold protocols (issue 9 item 7). One run, from one seed, draws a
 * case (`fault-sweep-case.ts`: authority creation, FROST signing by every member, signing with a
 * quorum, DKD, resharing that adds or removes a device; n in {3, 5, 7}; up to f < n/3 byzantine
 * members and at most one crash or silent member), runs every device under the deterministic
 * simulator (`fault-sweep-runs.ts`, faults as wraps of the honest logic in `fault-sweep-faults.ts`)
 * and checks:
 *
 * - **safety**, always: no two honest devices end with different outcomes (group keys with their
 *   facts, signatures, derived context keys, new key packages); every signature an honest device
 *   accepts verifies strictly under the group key; every fact it accepts is admitted by a journal
 *   of the authority (its threshold attestation verifies, its tree operations apply); a resharing
 *   that completes keeps the group key and its honest shares sign; no honest device is named, in
 *   an outcome or in an error;
 * - **liveness**, as the fault model promises: with no misbehaviour and no stop every device
 *   finishes; with byzantine members only, every honest device finishes naming each member that
 *   misbehaved (a quorum signing may finish without asking one; an acknowledgement told
 *   differently to too few participants may be outvoted unnamed), or (DKD, whose any accusation
 *   aborts it, and resharing, when a new member is at fault) rejects naming a member that
 *   misbehaved; with a crash or a silent member every honest device finishes or stops with a typed
 *   `protocols.*` abort, and no device hangs.
 *
 * A run is a function of its seed, HPKE included: the simulator waits for host work.
 *
 * @module
 */
import { drawCase, type SweepCase } from './fault-sweep-case.ts';
import type { Behaviour } from './fault-sweep-faults.ts';
import type { DeviceId } from '../core/identifiers.ts';
import { HUNG, runDevices, type DeviceEnd } from './fault-sweep-runs.ts';

/** The result of one run. */
export interface SweepRun {
  /** What was drawn. */
  readonly case: SweepCase;
  /** Each device's end, in member order. */
  readonly ends: readonly DeviceEnd[];
  /** Each member's device, in member order. */
  readonly devices: readonly DeviceId[];
  /** Safety violations (must be none). */
  readonly safety: readonly string[];
  /** Broken liveness promises (must be none). */
  readonly liveness: readonly string[];
  /** The simulator's trace, when asked for. */
  readonly trace?: string;
}

/** Runs the case of `seed` and checks it; `trace` keeps the simulator's trace (to compare replays). */
export function sweepRun(seed: number, options: { readonly trace?: boolean } = {}): Promise<SweepRun> {
  return runCase(drawCase(seed), options);
}

/** Runs case `c` (one drawn by a seed, or one written by hand to hold a fault) and checks it. */
export async function runCase(c: SweepCase, options: { readonly trace?: boolean } = {}): Promise<SweepRun> {
  const run = await runDevices(c, options);
  const { devices } = run;
  return {
    case: c,
    ends: run.ends,
    devices,
    safety: [...run.safety, ...safetyOf(c, run.ends, devices)],
    liveness: livenessOf(c, run.ends, run.acted, devices),
    ...(run.trace === undefined ? {} : { trace: run.trace }),
  };
}

function honestMembers(c: SweepCase): number[] {
  return Array.from({ length: c.n }, (_, k) => k).filter((k) => !c.faults.some((f) => f.member === k));
}

/** The devices an end names: an outcome's exclusions, or an error's accused. */
function named(end: DeviceEnd): readonly string[] {
  return end.ok ? end.excluded.map((a) => a.device) : end.accused;
}

function safetyOf(c: SweepCase, ends: readonly DeviceEnd[], devices: readonly DeviceId[]): string[] {
  const problems: string[] = [];
  const honest = honestMembers(c);
  const accepted = new Set(honest.map((k) => ends[k] ?? HUNG).flatMap((end) => (end.ok ? [end.value] : [])));
  // A quorum signing may finish twice only by accident of timing; any two accepted outcomes must agree.
  if (accepted.size > 1) problems.push(`honest members accepted ${accepted.size} different outcomes`);
  const honestDevices = new Set<string>(honest.map((k) => devices[k] ?? ''));
  for (const k of honest) {
    const wronged = named(ends[k] ?? HUNG).filter((device) => honestDevices.has(device));
    if (wronged.length > 0) problems.push(`member ${k} named honest members: ${wronged.join(', ')}`);
  }
  return problems;
}

/**
 * Faults a protocol masks without naming anyone: a guardian's approval that does not verify is not
 * counted, and one guardian hiding the owner's dispute is outvoted by any guardian that reports it.
 * The member itself may then act on what it alone believes, which can stop the run as silence would.
 */
const MASKED: ReadonlySet<Behaviour> = new Set(['bad-approval', 'hide-dispute']);

/**
 * Faults the relay rounds of a broadcast may outvote instead of naming (`echo-round.ts`): an
 * acknowledgement told differently to too few devices to show (at most f, which f byzantine
 * relayers could have made up; with f = 2, any minority) is delivered as the rest heard it, and
 * everyone finishes alike (else its sender is named by all); a relayer's made-up relays are
 * backed by no one else, and cannot be told from a sender's equivocation, so no one is named.
 */
const OUTVOTED: ReadonlySet<Behaviour> = new Set(['ack-equivocation', 'ack-split', 'echo-lie']);

/** A clean stop: an abort (the operation lock's `lock-acquire` and `lock-notice` included), or too few members left. */
const CLEAN_STOP = /^protocols\.[a-z-]+\.(aborted|too-few)$/;

/** Whether member `k`'s fault is one the protocol may outvote ({@link OUTVOTED}). */
function outvoted(c: SweepCase, k: number): boolean {
  return c.faults.some((f) => f.member === k && f.kind === 'byzantine' && OUTVOTED.has(f.behaviour));
}

function livenessOf(c: SweepCase, ends: readonly DeviceEnd[], acted: ReadonlySet<number>, devices: readonly DeviceId[]): string[] {
  const problems: string[] = [];
  // A masked fault still leaves its member with another view: a guardian that counts its own bad
  // approval proposes another resharing, runs it apart, and is silent in the honest one (seed 4262).
  const stops = c.faults.some((f) => f.kind !== 'byzantine' || (MASKED.has(f.behaviour) && acted.has(f.member)));
  // A member that signs another message (or serves another request) misbehaves by taking part at all.
  const misbehaved = c.faults.filter((f) => f.kind === 'byzantine' && !MASKED.has(f.behaviour) && (acted.has(f.member) || f.behaviour === 'other-message')).map((f) => f.member);
  const culprits = new Set<string>(misbehaved.map((k) => devices[k] ?? ''));
  const honest = honestMembers(c).map((k) => [k, ends[k] ?? HUNG] as const);
  for (const [k, end] of honest) {
    if (end.ok) {
      // A quorum signing may finish without asking a byzantine member.
      const missed = c.protocol === 'quorum' ? [] : misbehaved.filter((m) => !outvoted(c, m) && !end.excluded.some((a) => a.device === devices[m]));
      if (missed.length > 0) problems.push(`member ${k} finished without naming misbehaving members ${missed.join(', ')}`);
    } else if (misbehaved.length > 0 && end.code.endsWith('.rejected')) continue;
    else if (c.disputed === true && end.code === 'protocols.recovery.disputed') continue;
    else if (!stops) problems.push(`member ${k} failed with no crash or silence: ${end.code} ${end.message}`);
    else if (!CLEAN_STOP.test(end.code)) problems.push(`member ${k} ended with ${end.code}, not a clean abort: ${end.message}`);
  }
  // A rejection (DKD aborts on any complaint; resharing when a new member is at fault) must come
  // from a real fault: the honest members together name a member that misbehaved.
  const rejected = honest.filter(([, end]) => !end.ok && end.code.endsWith('.rejected'));
  if (rejected.length > 0 && !rejected.some(([, end]) => named(end).some((device) => culprits.has(device)))) problems.push('the honest members rejected without naming a misbehaving member');
  if (!stops && rejected.length > 0 && rejected.length < honest.length) problems.push(`with no crash, ${rejected.length} of ${honest.length} honest members rejected and the others finished`);
  return problems;
}
