/**
 * Membership changes under the operation lock (issue 10 item 3: "resharing, recovery use it"):
 * {@link underLock} wraps an operation that every participant runs (adding or removing a device,
 * setting up guardians, a recovery's resharing) so that it starts only once the lock is won, and
 * every participant runs the lock's rounds itself: no caller serves lock requests by hand.
 *
 * 1. The *requester* is the first participant (in the operation's role order) that votes. It runs
 *    `LockAcquire` (`lock.choreo`, {@link requestLock}) with the other voters; each voter that
 *    takes part serves it ({@link serveLockRequest}).
 * 2. The requester tells every other participant whether it won (`LockNotice`): a refused lock
 *    ends the operation everywhere before any share moves (`protocols.lock.refused`, transient:
 *    another membership change holds the lock; retry after a random delay).
 * 3. The operation runs. When it succeeds, the holder and every voter that took part end the lease
 *    in their own journals ({@link endLease}): each of them saw the operation end, so the release
 *    needs no message. When it is *called off* (`LockParticipant.calledOff`: the device that
 *    started it told every participant to stop, because one that must take part refused to), the
 *    holder and every voter that promised end the lease the same way, wherever they were: the
 *    operation can no longer complete anywhere, so an immediate retry must not find the lock
 *    taken. When it fails otherwise (a crash, a timeout, a fault), nothing is released: a
 *    participant cannot tell whether the others went on, so the lease runs out
 *    (`LockPolicy.leaseMs`), and a later operation can win the lock again.
 *
 * **Who votes** ({@link membershipElectorate}): the guardians' devices when the authority has
 * guardians, else its devices. Two operations on the same group at the same epoch have the same
 * voters, so their majorities share a voter and the lock's rule keeps them apart. Guardians vote
 * once they exist because every membership change needs them anyway (each holds a share and
 * receives a new one), and because a recovery must be possible when every device is lost: only
 * the guardians are left to vote. A device being removed, or one that is lost, still counts
 * among the voters; it just does not answer.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { permanentError, transientError } from '../core/errors.ts';
import { deriveIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { runRole, type RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { abortedError, memberIndex } from './attempts.ts';
import type { CoordinationJournal } from './coordination-journal.ts';
import { endLease, lockNoticeProtocol, requestLock, serveLockRequest, type LockDevice, type LockPolicy, type LockSetup } from './lock.ts';
import { familyRole, runOptions, type RunOptions } from './protocol-source.ts';

/** A participant's own part in the lock: where its lock facts go, its clock, its randomness. */
export interface LockParticipant {
  /** Its replica of the authority's coordination journal (promises, grants, releases). */
  readonly journal: CoordinationJournal;
  /** Its clock (leases are in its milliseconds). */
  readonly time: PhysicalTimeEffects;
  /** Randomness for the lease id. */
  readonly random: RandomEffects;
  /** Lease lengths (default `DEFAULT_LOCK_POLICY`); every participant must use the same. */
  readonly policy?: LockPolicy;
  /**
   * Whether the operation was called off by the device that started it (asked once it failed):
   * then the lease this participant holds or promised for it is ended at once (see the module
   * comment). Only for an operation that cannot complete without a participant that refused.
   */
  readonly calledOff?: () => boolean;
}

/** An operation guarded by the lock, as every participant agrees on it. */
export interface GuardedOperation {
  /** The lock's name ({@link membershipLockName}). */
  readonly lock: string;
  /** Who votes ({@link membershipElectorate}). */
  readonly electorate: readonly DeviceId[];
  /** Who runs the operation, in its role order. */
  readonly participants: readonly DeviceId[];
  /** The operation's session bound to its epoch; the lock's sessions derive from it. */
  readonly session: SessionId;
}

/** The name of the lock of an authority's membership (`membership/<authority>`). */
export function membershipLockName(authority: string): string {
  return `membership/${authority}`;
}

/** Who votes for the membership lock: the guardians' devices when there are any, else the devices. */
export function membershipElectorate(devices: readonly DeviceId[], guardians: readonly DeviceId[]): readonly DeviceId[] {
  return guardians.length > 0 ? guardians : devices;
}

/** The requester of `operation`: its first participant that votes. */
export function lockRequester(operation: GuardedOperation): DeviceId {
  const requester = operation.participants.find((p) => operation.electorate.includes(p));
  if (requester === undefined) throw permanentError('protocols.lock.no-voter', `no participant of this operation votes for lock ${operation.lock} (voters: ${operation.electorate.join(', ')})`);
  return requester;
}

/**
 * The role maps of the lock's sessions of `operation` (`LockAcquire` among the voters,
 * `LockNotice` to the other participants), for a transport that registers sessions by role map.
 */
export function lockSessions(operation: GuardedOperation): Map<SessionId, Map<RoleName, DeviceId>> {
  const requester = lockRequester(operation);
  const roles = (family: string, devices: readonly DeviceId[]) =>
    new Map<RoleName, DeviceId>([['Requester', requester], ...devices.filter((d) => d !== requester).map((d, k): [RoleName, DeviceId] => [familyRole(family, k), d])]);
  return new Map([
    [lockSession(operation, 'acquire'), roles('M', operation.electorate)],
    [lockSession(operation, 'notice'), roles('P', operation.participants)],
  ]);
}

function lockSession(operation: GuardedOperation, step: 'acquire' | 'notice'): SessionId {
  return deriveIdentifier('session', { base: operation.session, step: `lock-${step}` });
}

/** Runs `LockNotice` as the requester: `lease` won (with `voters`) or refused. */
async function tellParticipants(operation: GuardedOperation, self: DeviceId, others: readonly DeviceId[], outcome: { readonly lease: Uint8Array; readonly voters?: readonly DeviceId[] }, transport: Transport, options: RunOptions): Promise<void> {
  const impl: RoleImpl = {
    select: () => (outcome.voters === undefined ? 'refused' : 'granted'),
    send: {
      Grant: () => ({ grant: { lease: outcome.lease, voters: outcome.voters ?? [] } }),
      Withdraw: () => ({ withdraw: { lease: outcome.lease } }),
    },
  };
  await runNotice(operation, 'Requester', impl, others, self, transport, options);
}

/** Runs `LockNotice` as participant `P[index]`: the lease won, or `undefined` when the lock was refused. */
async function hearRequester(operation: GuardedOperation, self: DeviceId, others: readonly DeviceId[], transport: Transport, options: RunOptions): Promise<Uint8Array | undefined> {
  let lease: Uint8Array | undefined;
  const impl: RoleImpl = {
    recv: {
      Grant: (payload) => {
        lease = (payload as { grant: { lease: Uint8Array } }).grant.lease;
      },
    },
  };
  await runNotice(operation, familyRole('P', others.indexOf(self)), impl, others, self, transport, options);
  return lease;
}

async function runNotice(operation: GuardedOperation, role: string, impl: RoleImpl, others: readonly DeviceId[], self: DeviceId, transport: Transport, options: RunOptions): Promise<void> {
  try {
    await runRole(lockNoticeProtocol(others.length), role, impl, transport, runOptions(options, lockSession(operation, 'notice')));
  } catch (error) {
    throw abortedError('lock-notice', 0, (by) => (by === 'Requester' ? lockRequester(operation) : others[memberIndex(by)]), self, error);
  }
}

/**
 * Wins the lock for `operation` at `self` (every participant runs this): the lease, or
 * `protocols.lock.refused`. `bind` hears the lease `self` promised its vote to for it (the one
 * it then holds, as the requester), as soon as the promise is recorded.
 */
async function winLock(operation: GuardedOperation, self: DeviceId, member: LockDevice, transport: Transport, options: RunOptions & { readonly policy?: LockPolicy }, bind: (lease: Uint8Array) => void): Promise<Uint8Array> {
  const requester = lockRequester(operation);
  const setup: LockSetup = { lock: operation.lock, members: operation.electorate, session: lockSession(operation, 'acquire') };
  const others = operation.participants.filter((p) => p !== requester);
  if (self === requester) {
    const outcome = await requestLock(setup, member, transport, { ...options, promised: bind }).catch(async (error: unknown) => {
      // The other participants wait for the notice: they hear a refusal, then the requester's error stands.
      if (others.length > 0) await tellParticipants(operation, self, others, { lease: new Uint8Array(16) }, transport, options);
      throw error;
    });
    const lease = outcome.kind === 'granted' ? outcome.grant.lease : outcome.lease;
    if (others.length > 0) await tellParticipants(operation, self, others, outcome.kind === 'granted' ? { lease, voters: outcome.grant.voters } : { lease }, transport, options);
    if (outcome.kind === 'refused') throw transientError('protocols.lock.refused', `lock ${operation.lock} was refused to ${self}: ${outcome.error.message}`, { cause: outcome.error, context: { requester: self } });
    return lease;
  }
  if (operation.electorate.includes(self)) await serveLockRequest(setup, member, requester, transport, { ...options, promised: bind });
  const lease = await hearRequester(operation, self, others, transport, options);
  if (lease === undefined) throw transientError('protocols.lock.refused', `lock ${operation.lock} was refused to ${requester}: another membership change holds it`, { context: { requester } });
  return lease;
}

/**
 * Runs `body` at `self` under the lock of `operation` (see the module doc): every participant of
 * the operation calls this with the same `operation`. Errors: `protocols.lock.refused` (transient,
 * before `body` runs: no share moved), `protocols.lock.no-voter`, `protocols.lock-acquire.aborted`,
 * `protocols.lock-notice.aborted`, and `body`'s.
 */
export async function underLock<T>(operation: GuardedOperation, self: DeviceId, lock: LockParticipant, transport: Transport, options: RunOptions, body: () => Promise<T>): Promise<T> {
  const member: LockDevice = { device: self, journal: lock.journal, time: lock.time, random: lock.random };
  let bound: Uint8Array | undefined;
  try {
    const lease = await winLock(operation, self, member, transport, { ...options, ...(lock.policy === undefined ? {} : { policy: lock.policy }) }, (l) => {
      bound = l;
    });
    const result = await body();
    endLease(member, operation.lock, lease);
    return result;
  } catch (error) {
    if (bound !== undefined && lock.calledOff?.() === true) endLease(member, operation.lock, bound);
    throw error;
  }
}
