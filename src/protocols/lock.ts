/**
 * The operation lock (`lock.choreo`, issue 10 item 3): `Request -> Grant -> Release` for
 * account-wide mutable operations (resharing, recovery), with every step recorded as a journal
 * fact (`coordination-facts.ts`).
 *
 * **The rule.** A lease is granted only with the votes of a majority of the account's members
 * (the requester's own vote counts), and a member votes for at most one live lease: it records a
 * `coord.lock-promise` fact before its yes vote leaves and votes no while any promise of its own
 * is live. A promise lives until the lease is released or withdrawn, or until
 * `votedAt + leaseMs + maxSkewMs` on the member's clock; the holder's grant ends at
 * `requestedAt + leaseMs` on its own clock, which is no later in real time (the vote comes after
 * the request, clocks differ by at most `maxSkewMs`); it starts when the votes are in
 * (`coord.lock-grant` is stamped `range(grantedAt, requestedAt + leaseMs)`).
 *
 * **Why two concurrent requests never both win.** Two majorities of the same members share at
 * least one member. That member's promise to the first lease is live for the whole of that lease,
 * so it voted no to the second unless the second asked after the first lease ended. So live grants
 * never overlap. A holder that dies simply stops: its lease expires, every promise for it expires,
 * and the lock is free again.
 *
 * The API others call: {@link acquireLock}, {@link releaseLock}, {@link lockView}; members answer
 * with {@link serveLockRequest} and {@link serveLockRelease}.
 *
 * @module
 */
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { bytesEqual, toHex } from '../core/bytes.ts';
import { permanentError, transientError, type AuraError } from '../core/errors.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import { physicalTime, timeRange } from '../core/time.ts';
import { reduce } from '../journal/reducer.ts';
import { runRole, type RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { abortedError, memberIndex } from './attempts.ts';
import { LOCK_GRANT, LOCK_PROMISE, LOCK_RELEASE, liveLock, lockReducer, type Lease, type LockView } from './coordination-facts.ts';
import type { CoordinationJournal } from './coordination-journal.ts';
import { familyRole, projectedProtocol, runOptions, type RunOptions } from './protocol-source.ts';

/** Which lock, among which members, in which session. */
export interface LockSetup {
  /** The lock's name (one per kind of operation, or one for the whole account). */
  readonly lock: string;
  /** Every member of the account that votes, the requester included. */
  readonly members: readonly DeviceId[];
  /** This run's session (acquire and release each use their own). */
  readonly session: SessionId;
}

/** A device taking part: who it is, its replica of the journal, its clock, its randomness. */
export interface LockDevice {
  /** Which device. */
  readonly device: DeviceId;
  /** Where its lock facts go (and where its promises are read from). */
  readonly journal: CoordinationJournal;
  /** Its clock (leases are in this clock's milliseconds). */
  readonly time: PhysicalTimeEffects;
  /** Randomness for lease ids. */
  readonly random: RandomEffects;
}

/** Lease lengths. */
export interface LockPolicy {
  /** How long a lease lasts, ms. */
  readonly leaseMs: number;
  /** The largest lease a member votes for, ms. */
  readonly maxLeaseMs: number;
  /** Bound on the clock difference between members, ms: promises outlive the lease by this much. */
  readonly maxSkewMs: number;
}

/** The default policy: 30 s leases, at most 10 min, clocks within 1 s. */
export const DEFAULT_LOCK_POLICY: LockPolicy = { leaseMs: 30_000, maxLeaseMs: 600_000, maxSkewMs: 1_000 };

/** Options of the lock calls: the runtime's, and the policy. */
export interface LockOptions extends RunOptions {
  /** Lease lengths (default {@link DEFAULT_LOCK_POLICY}). */
  readonly policy?: LockPolicy;
  /** Hears the lease this device promised its vote to (serving a request, or its own as the requester), as it records the promise, so that its caller can end it (`lock-guard.ts`). */
  readonly promised?: (lease: Uint8Array) => void;
}

/** A lock won. */
export interface LockGrant {
  /** The lock. */
  readonly lock: string;
  /** The lease id (16 bytes). */
  readonly lease: Uint8Array;
  /** The holder. */
  readonly holder: DeviceId;
  /** The members whose yes votes won it (the holder first). */
  readonly voters: readonly DeviceId[];
  /** When it was granted (the votes were in), on the holder's clock (ms). */
  readonly from: number;
  /** Expiry (exclusive), ms. */
  readonly until: number;
}

/** Votes needed for a lease among `n` members: a majority. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** What `journal` says about `lock` at `now` (ms): the live holder, if any, and the device's live promises. */
export function lockView(journal: CoordinationJournal, lock: string, now: number): LockView {
  return liveLock(reduce(lockReducer(lock), journal.facts()), now);
}

/** The `LockAcquire(N, Q)` projection for `n` other members and `q` votes waited for. */
export function lockAcquireProtocol(n: number, q: number) {
  return projectedProtocol('lock.choreo', 'LockAcquire', { N: n, Q: q });
}

/** The `LockNotice(N)` projection for `n` participants besides the requester. */
export function lockNoticeProtocol(n: number) {
  return projectedProtocol('lock.choreo', 'LockNotice', { N: n });
}

/** The `LockRelease(N)` projection for `n` other members. */
export function lockReleaseProtocol(n: number) {
  return projectedProtocol('lock.choreo', 'LockRelease', { N: n });
}

function othersOf(members: readonly DeviceId[], self: DeviceId): DeviceId[] {
  if (!members.includes(self)) throw permanentError('protocols.lock.not-a-member', `device ${self} is not a member of this lock`);
  return members.filter((m) => m !== self);
}

async function runLockRole(protocol: 'lock-acquire' | 'lock-release', projected: ReturnType<typeof lockReleaseProtocol>, role: string, impl: RoleImpl, others: readonly DeviceId[], self: DeviceId, transport: Transport, session: SessionId, options: RunOptions): Promise<void> {
  try {
    await runRole(projected, role, impl, transport, runOptions(options, session));
  } catch (error) {
    throw abortedError(protocol, 0, (by) => others[memberIndex(by)], self, error);
  }
}

function busyError(lock: string, busy: Lease): AuraError {
  return transientError('protocols.lock.busy', `lock ${lock} has a live lease for ${busy.device} until ${busy.until}`, { context: { holder: busy.device, until: busy.until } });
}

/** How a request for the lock ended at its requester: the grant, or the refusal with the lease it asked for. */
export type LockRequestOutcome = { readonly kind: 'granted'; readonly grant: LockGrant } | { readonly kind: 'refused'; readonly lease: Uint8Array; readonly error: AuraError };

/**
 * Asks the other members for the lock and returns the grant. Records the requester's own promise
 * first (so it votes no to anyone else meanwhile), and the grant (or the withdrawal) before telling
 * the members. Errors: `protocols.lock.busy` (transient: this device already sees a live lease;
 * it asks no one), `protocols.lock.refused` (transient: too few yes votes; retry later),
 * `protocols.lock-acquire.aborted` (a member stopped the session).
 */
export async function acquireLock(setup: LockSetup, requester: LockDevice, transport: Transport, options: LockOptions = {}): Promise<LockGrant> {
  const now = requester.time.now().ms;
  const before = lockView(requester.journal, setup.lock, now);
  const busy = before.holder ?? before.promised[0];
  if (busy !== undefined) throw busyError(setup.lock, busy);
  const outcome = await requestLock(setup, requester, transport, options);
  if (outcome.kind === 'refused') throw outcome.error;
  return outcome.grant;
}

/**
 * Asks the other members for the lock and always runs the session, so every member that serves
 * the request learns how it ended. A requester that already sees a live lease (its own promise
 * or a holder) still asks, but withdraws whatever the votes (`protocols.lock.busy` in `error`):
 * its own vote is promised elsewhere; it asks for a lease no member grants, so no member's vote
 * is held by it meanwhile. Errors: `protocols.lock-acquire.aborted` (a member stopped
 * the session); a refusal is an outcome (`protocols.lock.refused` or `protocols.lock.busy` in `error`).
 */
export async function requestLock(setup: LockSetup, requester: LockDevice, transport: Transport, options: LockOptions = {}): Promise<LockRequestOutcome> {
  const policy = options.policy ?? DEFAULT_LOCK_POLICY;
  const others = othersOf(setup.members, requester.device);
  const from = requester.time.now().ms;
  const before = lockView(requester.journal, setup.lock, from);
  const busy = before.holder ?? before.promised[0];
  const lease = requester.random.randomBytes(16);
  const until = from + policy.leaseMs;
  const { lock } = setup;
  if (busy === undefined) {
    requester.journal.record(LOCK_PROMISE.typeId, { lock, lease, requester: requester.device }, timeRange(from, until + policy.maxSkewMs));
    options.promised?.(lease);
  }
  const needed = majority(setup.members.length) - 1;
  const yes: DeviceId[] = [];
  const voters = () => [requester.device, ...yes];
  let granted = busy === undefined && needed === 0;
  let grantedAt = from;
  if (others.length > 0) {
    const impl: RoleImpl = {
      send: {
        // A busy requester asks for a lease longer than any member grants, so no member promises its vote to a lease that is withdrawn anyway (it would refuse a concurrent request meanwhile).
        Request: () => ({ request: { lock, lease, leaseMs: busy === undefined ? policy.leaseMs : policy.maxLeaseMs + 1 } }),
        Grant: () => ({ grant: { lease, voters: voters() } }),
        Withdraw: () => ({ withdraw: { lease } }),
      },
      recv: {
        Vote: (payload, from) => {
          const { vote } = payload as { vote: { lease: Uint8Array; granted: boolean } };
          if (vote.granted && bytesEqual(vote.lease, lease)) yes.push(others[memberIndex(from)]!); // M[k] is others[k]
        },
      },
      select: () => {
        // A busy requester asked only so that the members hear its withdrawal; it promised nothing.
        if (busy !== undefined) return 'refused';
        granted = yes.length >= needed;
        grantedAt = requester.time.now().ms;
        requester.journal.record(
          granted ? LOCK_GRANT.typeId : LOCK_RELEASE.typeId,
          granted ? { lock, lease, holder: requester.device, voters: voters() } : { lock, lease },
          granted ? timeRange(grantedAt, until) : physicalTime(grantedAt),
        );
        return granted ? 'granted' : 'refused';
      },
    };
    try {
      await runLockRole('lock-acquire', lockAcquireProtocol(others.length, needed), 'Requester', impl, others, requester.device, transport, setup.session, options);
    } catch (error) {
      if (!granted && busy === undefined) requester.journal.record(LOCK_RELEASE.typeId, { lock, lease }, physicalTime(requester.time.now().ms));
      throw error;
    }
  } else if (granted) {
    requester.journal.record(LOCK_GRANT.typeId, { lock, lease, holder: requester.device, voters: voters() }, timeRange(from, until));
  }
  if (busy !== undefined) return { kind: 'refused', lease, error: busyError(lock, busy) };
  if (!granted) {
    const error = transientError('protocols.lock.refused', `lock ${lock}: ${voters().length} of ${setup.members.length} members voted yes, ${majority(setup.members.length)} needed`, { context: { yes: voters().length } });
    return { kind: 'refused', lease, error };
  }
  return { kind: 'granted', grant: { lock, lease, holder: requester.device, voters: voters(), from: grantedAt, until } };
}

/** How a member's part in one acquire ended. */
export type LockAnswer = 'granted' | 'refused' | 'voted-no';

/**
 * Answers one lock request from `requester` as `member`: votes yes (after recording its promise)
 * when it has no live promise and sees no live holder and the lease asked is within the policy,
 * else no; then learns whether the lease was granted, and records a withdrawal as a release.
 */
export async function serveLockRequest(setup: LockSetup, member: LockDevice, requester: DeviceId, transport: Transport, options: LockOptions = {}): Promise<LockAnswer> {
  const policy = options.policy ?? DEFAULT_LOCK_POLICY;
  const others = othersOf(setup.members, requester);
  const index = others.indexOf(member.device);
  if (index < 0) throw permanentError('protocols.lock.not-a-member', `device ${member.device} is not a voter of this lock request`);
  let request: { lock: string; lease: Uint8Array; leaseMs: number } | undefined;
  let answer: LockAnswer = 'voted-no';
  const impl: RoleImpl = {
    recv: {
      Request: (payload) => {
        request = (payload as { request: typeof request }).request;
      },
      Withdraw: () => {
        if (answer !== 'granted' || request === undefined) return;
        member.journal.record(LOCK_RELEASE.typeId, { lock: request.lock, lease: request.lease }, physicalTime(member.time.now().ms));
        answer = 'refused';
      },
    },
    send: {
      Vote: () => {
        const asked = request!; // the Request comes first
        const now = member.time.now().ms;
        const view = lockView(member.journal, asked.lock, now);
        const yes = asked.lock === setup.lock && asked.leaseMs <= policy.maxLeaseMs && view.holder === undefined && view.promised.length === 0;
        if (yes) {
          member.journal.record(LOCK_PROMISE.typeId, { lock: asked.lock, lease: asked.lease, requester }, timeRange(now, now + asked.leaseMs + policy.maxSkewMs));
          options.promised?.(asked.lease);
          answer = 'granted';
        }
        return { vote: { lease: asked.lease, granted: yes } };
      },
    },
  };
  await runLockRole('lock-acquire', lockAcquireProtocol(others.length, majority(setup.members.length) - 1), familyRole('M', index), impl, others, member.device, transport, setup.session, options);
  return answer;
}

/** Releases `grant` (held by `holder`): records the release, then tells every other member. */
export async function releaseLock(setup: LockSetup, grant: LockGrant, holder: LockDevice, transport: Transport, options: RunOptions = {}): Promise<void> {
  const others = othersOf(setup.members, holder.device);
  holder.journal.record(LOCK_RELEASE.typeId, { lock: grant.lock, lease: grant.lease }, physicalTime(holder.time.now().ms));
  if (others.length === 0) return;
  const impl: RoleImpl = { send: { Release: () => ({ release: { lease: grant.lease } }) } };
  await runLockRole('lock-release', lockReleaseProtocol(others.length), 'Holder', impl, others, holder.device, transport, setup.session, options);
}

/** Hears `holder`'s release as `member` and records it when this member had promised that lease. */
export async function serveLockRelease(setup: LockSetup, member: LockDevice, holder: DeviceId, transport: Transport, options: RunOptions = {}): Promise<void> {
  const others = othersOf(setup.members, holder);
  const index = others.indexOf(member.device);
  if (index < 0) throw permanentError('protocols.lock.not-a-member', `device ${member.device} is not a member of this lock`);
  const impl: RoleImpl = {
    recv: {
      Release: (payload) => {
        endLease(member, setup.lock, (payload as { release: { lease: Uint8Array } }).release.lease);
      },
    },
  };
  await runLockRole('lock-release', lockReleaseProtocol(others.length), familyRole('M', index), impl, others, member.device, transport, setup.session, options);
}

/**
 * Ends `lease` of `lock` in `member`'s journal (a `coord.lock-release` fact) when the journal
 * holds the live grant of that lease or a live promise for it; otherwise records nothing.
 */
export function endLease(member: LockDevice, lock: string, lease: Uint8Array): void {
  const now = member.time.now().ms;
  const view = lockView(member.journal, lock, now);
  const id = toHex(lease);
  if (view.holder?.lease === id || view.promised.some((p) => p.lease === id)) member.journal.record(LOCK_RELEASE.typeId, { lock, lease }, physicalTime(now));
}
