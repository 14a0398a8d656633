/**
 * Anti-entropy journal sync as a choreography (`anti-entropy.choreo`, issue 10 item 5): two
 * replicas of one namespace find which facts each lacks with range-based set reconciliation
 * (`RangeReconciler` of `src/journal/reconcile.ts`; Meyer, SRDS 2023), then trade exactly those
 * facts, and each checks every fact it receives before storing it.
 *
 * `A` (the opener) sends the namespace and its first round (its digest); `B` refuses a namespace
 * other than its own, or answers; they trade rounds until `A` sees every range closed; then `A`
 * sends the facts it found `B` lacks and names those it lacks, `B` does the same (including what
 * `A` named), and `A` answers `B`'s wants. A fact that fails admission is not stored and is
 * reported with the device that sent it ({@link SyncReport.rejected}); the session goes on.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { compareBytes } from '../core/bytes.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { permanentError, toAuraError } from '../core/errors.ts';
import type { DeviceId, SessionId } from '../core/identifiers.ts';
import type { Namespace } from '../journal/namespace.ts';
import { decodeReconcileMessage, encodeReconcileMessage, RangeReconciler, type ReconcileMessage } from '../journal/reconcile.ts';
import { runRole, type RoleImpl } from '../runtime/run-role.ts';
import type { Transport } from '../runtime/transport.ts';
import { MAX_SYNC_FACTS, PROTOCOL_TYPES, type SyncDeltaPayload, type SyncOpenPayload } from './payload-types.ts';
import { projectedProtocol } from './protocol-source.ts';
import type { RejectedFact, SyncReplica } from './sync-replica.ts';

/** The roles of `AntiEntropy`: `A` opens, `B` answers. */
export type SyncRole = 'A' | 'B';

/** Most range rounds a session runs before giving up (a set of 2^32 facts needs about 11). */
export const MAX_ROUNDS = 48;

/** The reply that closes every range: what a side sends when it has nothing left to ask. */
const ALL_CLOSED: ReconcileMessage = [[null, 0]];

/** How one side's session went. */
export interface SyncReport {
  /** The session. */
  readonly session: SessionId;
  /** The other device. */
  readonly peer: DeviceId;
  /** The namespace reconciled. */
  readonly namespace: Namespace;
  /** This side's role. */
  readonly role: SyncRole;
  /**
   * `converged`: both sides now hold the union (as far as this session could tell); `partial`:
   * something is left for a later session (a fact refused, more differences than one message
   * carries); `refused`: this side (as `B`) refused the namespace.
   */
  readonly outcome: 'converged' | 'partial' | 'refused';
  /** Range rounds (messages carrying ranges) this side received. */
  readonly rounds: number;
  /** Facts sent to the peer. */
  readonly sent: number;
  /** Facts received and stored that were not held before. */
  readonly added: number;
  /** Facts received and refused, each naming the peer. */
  readonly rejected: readonly RejectedFact[];
  /** Payload bytes sent (reconciliation messages, fact bytes, wanted CIDs). */
  readonly bytesSent: number;
  /** Payload bytes received. */
  readonly bytesReceived: number;
}

/** One side of a session: which replica, which role, with whom. */
export interface SyncSide {
  /** This device's replica. */
  readonly replica: SyncReplica;
  /** This side's role. */
  readonly role: SyncRole;
  /** The other device. */
  readonly peer: DeviceId;
  /** The session (both sides use the same). */
  readonly session: SessionId;
  /**
   * At `B`: why to refuse whatever the opener asks (the sync service refuses a device that is not
   * a member); the opener gets `protocols.sync.refused` with it and no fact or digest moves.
   */
  readonly refusal?: string;
}

/** Options of {@link runSyncSession}. */
export interface SyncRunOptions {
  /** Time for the receive timeout. */
  readonly time?: PhysicalTimeEffects;
  /** Bound on each receive, in ms: a silent or vanished peer stops the session. */
  readonly receiveTimeoutMs?: number;
  /** Replaces this side's honest logic (fault tests play byzantine peers by wrapping it). */
  readonly roleImpl?: (honest: RoleImpl) => RoleImpl;
}

/** The `AntiEntropy` projection. */
export function antiEntropyProtocol() {
  return projectedProtocol('anti-entropy.choreo', 'AntiEntropy', {});
}

interface SideState {
  reconciler?: RangeReconciler;
  /** The reply this side owes, `undefined` once every range is closed. */
  pending?: ReconcileMessage;
  refusal?: string;
  theirWant: readonly Uint8Array[];
  rounds: number;
  sent: number;
  added: number;
  partial: boolean;
  readonly rejected: RejectedFact[];
  bytesSent: number;
  bytesReceived: number;
}

/** The honest role logic of one side; `state` collects what the report says. */
function syncRoleImpl(side: SyncSide, state: SideState): RoleImpl {
  const { replica, peer } = side;
  const reconciler = async (): Promise<RangeReconciler> => (state.reconciler ??= new RangeReconciler(await replica.cids()));
  const outgoing = (message: ReconcileMessage): Uint8Array => {
    const encoded = encodeReconcileMessage(message);
    state.bytesSent += encoded.length;
    return encoded;
  };
  const answer = async (ranges: Uint8Array): Promise<void> => {
    state.bytesReceived += ranges.length;
    if (++state.rounds > MAX_ROUNDS) throw permanentError('protocols.sync.too-many-rounds', `sync session ${side.session} with ${peer} exceeded ${MAX_ROUNDS} reconciliation rounds`);
    state.pending = (await reconciler()).reconcile(decodeReconcileMessage(ranges));
  };
  const capped = (cids: readonly Uint8Array[]): readonly Uint8Array[] => {
    if (cids.length <= MAX_SYNC_FACTS) return cids;
    state.partial = true;
    return cids.slice(0, MAX_SYNC_FACTS);
  };
  const sendFacts = async (cids: readonly Uint8Array[]): Promise<Uint8Array[]> => {
    const facts = await replica.facts(capped(cids));
    state.sent += facts.length;
    for (const fact of facts) state.bytesSent += fact.length;
    return facts;
  };
  const receiveFacts = async (facts: readonly Uint8Array[]): Promise<void> => {
    if (facts.length > MAX_SYNC_FACTS) throw permanentError('protocols.sync.too-many-facts', `${peer} sent ${facts.length} facts in one message; at most ${MAX_SYNC_FACTS}`);
    for (const fact of facts) state.bytesReceived += fact.length;
    const { added, rejected } = await replica.receive(facts, peer);
    state.added += added;
    state.rejected.push(...rejected);
  };
  const delta = async (): Promise<SyncDeltaPayload> => {
    const found = (await reconciler()).extra;
    const facts = await sendFacts(uniqueSorted([...found, ...state.theirWant]));
    const want = capped((await reconciler()).missing);
    for (const cid of want) state.bytesSent += cid.length;
    return { facts, want };
  };
  const receiveDelta = async (payload: unknown): Promise<void> => {
    const { facts, want } = (payload as { delta: SyncDeltaPayload }).delta;
    for (const cid of want) state.bytesReceived += cid.length;
    state.theirWant = want;
    await receiveFacts(facts);
  };
  return {
    send: {
      Open: async (): Promise<{ open: SyncOpenPayload }> => ({ open: { namespace: replica.namespace, ranges: outgoing((await reconciler()).initiate()) } }),
      Refuse: () => ({ reason: state.refusal ?? '' }),
      Accept: () => ({ ranges: outgoing(state.pending ?? ALL_CLOSED) }),
      // A sends Ranges only while it owes a reply (its select); B always answers, closing all when done.
      Ranges: () => ({ ranges: outgoing(state.pending ?? ALL_CLOSED) }),
      Delta: async () => ({ delta: await delta() }),
      Facts: async () => ({ facts: await sendFacts(state.theirWant) }),
    },
    recv: {
      Open: async (payload) => {
        const { namespace, ranges } = (payload as { open: SyncOpenPayload }).open;
        if (side.refusal !== undefined) {
          state.refusal = side.refusal;
          return;
        }
        if (namespace !== replica.namespace) {
          state.refusal = `this replica holds ${replica.namespace}, not ${namespace}`;
          return;
        }
        await answer(ranges);
      },
      Refuse: (payload) => {
        state.refusal = (payload as { reason: string }).reason;
      },
      Accept: async (payload) => answer((payload as { ranges: Uint8Array }).ranges),
      Ranges: async (payload) => answer((payload as { ranges: Uint8Array }).ranges),
      Delta: receiveDelta,
      Facts: async (payload) => receiveFacts((payload as { facts: readonly Uint8Array[] }).facts),
    },
    // A at the loop: continue while it owes a reply; B at the choice: refuse a foreign namespace.
    select: (labels) => (labels.includes('refuse') ? (state.refusal === undefined ? 'accept' : 'refuse') : state.pending === undefined ? 'done' : 'continue'),
  };
}

/** The CIDs of `cids` without repeats, in byte order. */
function uniqueSorted(cids: readonly Uint8Array[]): Uint8Array[] {
  return [...cids].sort(compareBytes).filter((cid, i, all) => i === 0 || compareBytes(all[i - 1]!, cid) !== 0); // i - 1 >= 0
}

/**
 * Runs one side of an anti-entropy session over `transport` (the other side runs the other role
 * with the same session). Errors: `protocols.sync.refused` (at `A`, when `B` holds another
 * namespace or does not count `A` as a member); `protocols.sync.aborted` (the session stopped: a timeout, a malformed message, a
 * peer gone), with the cause.
 */
export async function runSyncSession(side: SyncSide, transport: Transport, options: SyncRunOptions = {}): Promise<SyncReport> {
  const state: SideState = { theirWant: [], rounds: 0, sent: 0, added: 0, partial: false, rejected: [], bytesSent: 0, bytesReceived: 0 };
  const honest = syncRoleImpl(side, state);
  const impl = options.roleImpl === undefined ? honest : options.roleImpl(honest);
  const role: RoleName = side.role;
  try {
    await runRole(antiEntropyProtocol(), role, impl, transport, {
      session: side.session,
      types: PROTOCOL_TYPES,
      ...(options.time === undefined ? {} : { time: options.time }),
      ...(options.receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs: options.receiveTimeoutMs }),
    });
  } catch (error) {
    const cause = toAuraError(error);
    throw permanentError('protocols.sync.aborted', `sync session ${side.session} with ${side.peer} aborted: ${cause.message}`, { cause, context: { code: cause.code, peer: side.peer } });
  }
  if (state.refusal !== undefined && side.role === 'A') {
    throw permanentError('protocols.sync.refused', `${side.peer} refused to sync ${side.replica.namespace}: ${state.refusal}`, { context: { peer: side.peer, namespace: side.replica.namespace } });
  }
  const outcome = state.refusal !== undefined ? 'refused' : state.partial || state.rejected.length > 0 ? 'partial' : 'converged';
  return {
    session: side.session,
    peer: side.peer,
    namespace: side.replica.namespace,
    role: side.role,
    outcome,
    rounds: state.rounds,
    sent: state.sent,
    added: state.added,
    rejected: state.rejected,
    bytesSent: state.bytesSent,
    bytesReceived: state.bytesReceived,
  };
}
