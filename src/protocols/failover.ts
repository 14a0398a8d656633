/**
 * Coordinated sessions with coordinator failover (`failover.choreo`, issue 10 item 4). A session
 * that needs a temporary coordinator draws one by lottery (`lottery.ts`) and records the *session
 * epoch* and its coordinator as a `coord.session-epoch` fact. The coordinator beats every
 * `heartbeatMs` (`Heartbeat`); a participant that hears nothing for `timeoutMs` detects the failure.
 * The survivors then run `Failover`: each says which coordinator of which epoch it holds failed,
 * and with a majority of all members agreeing they draw a new coordinator (`call Lottery`), record
 * epoch + 1, and resume. Every step of `Failover` is one broadcast round (`parallel for`), so
 * recovery takes four network delays, two round trips, after detection.
 *
 * Epochs only grow (the view takes the highest recorded), and every message of a coordinated
 * session carries its epoch: one from an epoch older than the journal's is rejected with
 * `protocols.coordination.stale-epoch`.
 *
 * The session epoch counts coordination sessions of one scope; it is not the authority's tree
 * epoch.
 *
 * @module
 */
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError } from '../core/errors.ts';
import { deriveIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { physicalTime } from '../core/time.ts';
import { runRole, type RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { memberIndex, runAttemptRole } from './attempts.ts';
import { GENESIS_EPOCH } from './epoch.ts';
import { SESSION_EPOCH, sessionEpochReducer } from './coordination-facts.ts';
import { viewOf, type CoordinationJournal } from './coordination-journal.ts';
import { lotteryParts, runLotteryAttempt, type LotteryResult } from './lottery.ts';
import { majority } from './lock.ts';
import { familyRole, projectedProtocol, runOptions, type RunOptions } from './protocol-source.ts';

/** Which coordinated session: its scope (a name every member uses) and its members, in order. */
export interface CoordinationSetup {
  /** The session's scope: epochs are counted per scope. */
  readonly scope: string;
  /** Every member, in a fixed order. */
  readonly members: readonly DeviceId[];
  /** The authority (tree) epoch its lotteries and failovers are bound to (default the genesis epoch; see `epoch.ts`). */
  readonly authorityEpoch?: number;
}

/** A member taking part. */
export interface CoordinationDevice {
  /** Which device. */
  readonly device: DeviceId;
  /** Its replica, where epochs are recorded. */
  readonly journal: CoordinationJournal;
  /** Its clock (heartbeats and timeouts). */
  readonly time: PhysicalTimeEffects;
  /** Randomness for the lotteries. */
  readonly random: RandomEffects;
}

/** Heartbeat timing. */
export interface HeartbeatPolicy {
  /** Interval between beats, ms. */
  readonly heartbeatMs: number;
  /** Silence after which a participant holds the coordinator failed, ms. */
  readonly timeoutMs: number;
  /** Beats the coordinator sends before it stops the session (default: it never stops). */
  readonly beats?: number;
}

/** Options of the coordinated session's steps. */
export interface CoordinationOptions extends RunOptions {
  /**
   * Told which device plays each role of a session before this member joins it (every member
   * computes the same): what a session host's invitation or the simulator's placement needs.
   */
  readonly placeRoles?: (session: SessionId, roles: ReadonlyMap<string, DeviceId>) => void;
}

/** The roles of a family session: `P[k]` is `members[k]`, plus any named roles. */
export function familyPlacement(members: readonly DeviceId[], named: readonly (readonly [string, DeviceId])[] = []): ReadonlyMap<string, DeviceId> {
  return new Map([...named, ...members.map((m, k) => [familyRole('P', k), m] as const)]);
}

/** A session epoch and its coordinator. */
export interface EpochRecord {
  /** The epoch (0 for the first coordinator). */
  readonly epoch: number;
  /** Its coordinator. */
  readonly coordinator: DeviceId;
}

/** What a member observes, for tests, metrics and the CLI. */
export type CoordinationEvent =
  | { readonly kind: 'resumed'; readonly epoch: number; readonly coordinator: DeviceId; readonly at: number }
  | { readonly kind: 'beat'; readonly epoch: number; readonly seq: number; readonly at: number }
  | { readonly kind: 'detected'; readonly epoch: number; readonly coordinator: DeviceId; readonly at: number; readonly code: string };

/** The latest session epoch of `scope` in `journal`, if any. */
export function currentEpoch(journal: CoordinationJournal, scope: string): EpochRecord | undefined {
  const latest = viewOf(journal, sessionEpochReducer).scopes.get(scope);
  return latest === undefined ? undefined : { epoch: latest.epoch, coordinator: latest.coordinator as DeviceId };
}

/** Rejects a message of an epoch older than the journal's: `protocols.coordination.stale-epoch`. */
export function checkEpoch(journal: CoordinationJournal, scope: string, epoch: number): void {
  const current = currentEpoch(journal, scope);
  if (current !== undefined && epoch < current.epoch) {
    throw permanentError('protocols.coordination.stale-epoch', `a message of session epoch ${epoch} of ${scope} arrived in epoch ${current.epoch}`, { context: { epoch, current: current.epoch } });
  }
}

/** The session of step `kind` of epoch `epoch` of `scope`: every member derives the same one. */
export function epochSession(scope: string, epoch: number, kind: 'lottery' | 'heartbeat' | 'failover', members: readonly DeviceId[]): SessionId {
  return deriveIdentifier('session', { protocol: 'aura.protocols.coordination', scope, epoch, kind, members });
}

/** The `Heartbeat(N)` projection for `n` participants. */
export function heartbeatProtocol(n: number) {
  return projectedProtocol('failover.choreo', 'Heartbeat', { N: n });
}

/** The `Failover(N)` projection for `n` survivors. */
export function failoverProtocol(n: number) {
  return projectedProtocol('failover.choreo', 'Failover', { N: n });
}

function recordEpoch(device: CoordinationDevice, scope: string, epoch: number, result: LotteryResult): EpochRecord {
  checkEpoch(device.journal, scope, epoch);
  device.journal.record(SESSION_EPOCH.typeId, { scope, epoch, coordinator: result.winner, lottery: result.combined }, physicalTime(device.time.now().ms));
  return { epoch, coordinator: result.winner };
}

/** Epoch 0: the members draw the first coordinator by lottery and record it. */
export async function electFirst(setup: CoordinationSetup, device: CoordinationDevice, transport: Transport, options: CoordinationOptions = {}): Promise<EpochRecord> {
  const session = epochSession(setup.scope, 0, 'lottery', setup.members);
  options.placeRoles?.(session, familyPlacement(setup.members));
  const outcome = await runLotteryAttempt({ members: setup.members, session, epoch: setup.authorityEpoch ?? GENESIS_EPOCH }, device, transport, options);
  if (outcome.kind !== 'ok') throw permanentError('protocols.failover.disagreement', `the first lottery of ${setup.scope} ended in disagreement`, { context: { accused: outcome.accused.map((a) => a.device).join(',') } });
  return recordEpoch(device, setup.scope, 0, outcome.value);
}

/**
 * Runs this member's part of `epoch`'s heartbeats: the coordinator beats until `policy.beats`
 * (then stops the session); a participant checks each beat's epoch and returns `stopped`, or, when
 * the coordinator falls silent (its own receive timeout, or a peer's), `failed` with the time.
 */
export async function runHeartbeat(setup: CoordinationSetup, epoch: EpochRecord, device: CoordinationDevice, transport: Transport, policy: HeartbeatPolicy, options: CoordinationOptions = {}, observe: (event: CoordinationEvent) => void = () => undefined): Promise<{ readonly kind: 'stopped' } | { readonly kind: 'failed'; readonly at: number }> {
  const participants = setup.members.filter((m) => m !== epoch.coordinator);
  const session = epochSession(setup.scope, epoch.epoch, 'heartbeat', setup.members);
  const projected = heartbeatProtocol(participants.length);
  options.placeRoles?.(session, familyPlacement(participants, [['Coordinator', epoch.coordinator]]));
  const run = (role: string, impl: RoleImpl, receiveTimeoutMs?: number) =>
    runRole(projected, role, impl, transport, runOptions({ ...options, time: device.time, ...(receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs }) }, session));
  if (device.device === epoch.coordinator) {
    let seq = -1;
    const impl: RoleImpl = {
      select: async () => {
        if (policy.beats !== undefined && seq + 1 >= policy.beats) return 'stop';
        if (seq >= 0) await device.time.sleep(policy.heartbeatMs);
        seq++;
        return 'beat';
      },
      send: { Beat: () => ({ beat: { epoch: epoch.epoch, seq } }) },
    };
    try {
      await run('Coordinator', impl);
    } catch (error) {
      // Its participants stopped hearing it (it was slow or cut off): they are replacing it.
      throw permanentError('protocols.coordination.deposed', `coordinator ${device.device} of epoch ${epoch.epoch} of ${setup.scope} lost its participants`, { cause: error, context: { epoch: epoch.epoch } });
    }
    return { kind: 'stopped' };
  }
  const impl: RoleImpl = {
    recv: {
      Beat: (payload) => {
        const { beat } = payload as { beat: { epoch: number; seq: number } };
        checkEpoch(device.journal, setup.scope, beat.epoch);
        observe({ kind: 'beat', epoch: beat.epoch, seq: beat.seq, at: device.time.now().ms });
      },
    },
  };
  try {
    await run(familyRole('P', participants.indexOf(device.device)), impl, policy.timeoutMs);
    return { kind: 'stopped' };
  } catch (error) {
    if (isAuraError(error, 'protocols.coordination.stale-epoch')) throw error;
    const at = device.time.now().ms;
    observe({ kind: 'detected', epoch: epoch.epoch, coordinator: epoch.coordinator, at, code: isAuraError(error) ? error.code : 'unknown' });
    return { kind: 'failed', at };
  }
}

/**
 * Runs `Failover` among the survivors of `failed` (every `active` member but its coordinator; the
 * members minus those of earlier failovers): agrees the
 * coordinator failed (a majority of all members must say so), draws the next coordinator, records
 * epoch `failed.epoch + 1`. Errors: `protocols.failover.no-majority` (too few agree: the
 * coordinator is not held failed), `protocols.coordination.stale-epoch` (a survivor speaks of an
 * older epoch), `protocols.failover.disagreement`, `protocols.failover.aborted` (a survivor crashed
 * or fell silent too).
 */
export async function runFailover(setup: CoordinationSetup, failed: EpochRecord, device: CoordinationDevice, transport: Transport, options: CoordinationOptions = {}, active: readonly DeviceId[] = setup.members): Promise<EpochRecord> {
  const survivors = active.filter((m) => m !== failed.coordinator);
  const session = epochSession(setup.scope, failed.epoch, 'failover', active);
  options.placeRoles?.(session, familyPlacement(survivors));
  const place = { protocol: 'failover', projected: failoverProtocol(survivors.length), family: 'P', members: survivors, self: device.device, session, attempt: 0, epoch: setup.authorityEpoch ?? GENESIS_EPOCH };
  const outcome = await runAttemptRole<EpochRecord>(place, (decide) => {
    const agreeing = new Set<DeviceId>([device.device]);
    const lottery = lotteryParts({ members: survivors, session }, device.device, device.random, (result) => {
      if (result.kind !== 'ok') throw permanentError('protocols.failover.disagreement', `the failover lottery of ${setup.scope} epoch ${failed.epoch + 1} ended in disagreement`);
      decide({ kind: 'ok', value: recordEpoch(device, setup.scope, failed.epoch + 1, result.value) });
    });
    return {
      send: { ...lottery.send, Suspect: () => ({ suspect: { epoch: failed.epoch, coordinator: failed.coordinator } }) },
      recv: {
        ...lottery.recv,
        Suspect: (payload, from) => {
          const { suspect } = payload as { suspect: { epoch: number; coordinator: string } };
          checkEpoch(device.journal, setup.scope, suspect.epoch);
          if (suspect.epoch === failed.epoch && suspect.coordinator === failed.coordinator) agreeing.add(survivors[memberIndex(from)]!); // P[k] is survivors[k]
        },
      },
      local: {
        ...lottery.local,
        Agree: () => {
          if (agreeing.size < majority(setup.members.length)) {
            throw permanentError('protocols.failover.no-majority', `${agreeing.size} of ${setup.members.length} members hold ${failed.coordinator} failed, ${majority(setup.members.length)} needed`);
          }
        },
        // `Decide` (the lottery's) records the epoch; nothing is left to do at `Resume`.
        Resume: () => undefined,
      },
    };
  }, transport, options).catch((error: unknown) => {
    // A failover's own verdicts (no majority, a stale epoch) are more telling than the abort around them.
    const cause = isAuraError(error) ? error.cause : undefined;
    throw isAuraError(cause) && (cause.code === 'protocols.coordination.stale-epoch' || cause.code.startsWith('protocols.failover.')) ? cause : error;
  });
  if (outcome.kind !== 'ok') throw permanentError('protocols.failover.disagreement', 'failover ended without a coordinator');
  return outcome.value;
}

/**
 * Takes part in the coordinated session `setup` until the coordinator stops it: elects the first
 * coordinator (or takes the journal's epoch), beats or listens, and on a failed coordinator runs
 * the failover and resumes in the next epoch with the new coordinator (a failed coordinator takes
 * no further part). Returns the epoch the session stopped in.
 */
export async function runCoordinatedSession(setup: CoordinationSetup, device: CoordinationDevice, transport: Transport, policy: HeartbeatPolicy, options: CoordinationOptions = {}, observe: (event: CoordinationEvent) => void = () => undefined): Promise<EpochRecord> {
  let epoch = currentEpoch(device.journal, setup.scope) ?? (await electFirst(setup, device, transport, options));
  let active = setup.members;
  observe({ kind: 'resumed', ...epoch, at: device.time.now().ms });
  for (;;) {
    const beats = await runHeartbeat({ ...setup, members: active }, epoch, device, transport, policy, options, observe);
    if (beats.kind === 'stopped') return epoch;
    const failed = epoch;
    epoch = await runFailover(setup, failed, device, transport, options, active);
    active = active.filter((m) => m !== failed.coordinator);
    observe({ kind: 'resumed', ...epoch, at: device.time.now().ms });
  }
}
