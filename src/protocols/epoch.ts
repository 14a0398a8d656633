/**
 * Session epochs (issue 9 item 6): every threshold-protocol session is bound to the authority's
 * epoch, the epoch of its commitment tree (`tree.op` facts, `src/journal/tree-reduce.ts`).
 *
 * - The session id is derived from the agreed session and the epoch ({@link epochSession}: the
 *   session identifier of `taggedDigest("aura.protocols.epoch.v1.session", lp(utf8(base)) ‖
 *   u64be(epoch))`), so devices at different epochs never share a session. Every protocol run
 *   derives one, so it is framed bytes rather than DAG-CBOR (several times as costly to encode).
 * - Every message of the protocols of this folder carries `epoch: u64` (it is in each
 *   `.choreo` message), stamped on send and checked on receipt by {@link bindEpoch}: a message of
 *   an older epoch is `protocols.stale-epoch`, one of a newer epoch `protocols.newer-epoch` (this
 *   device is behind: it must catch up on its authority's journal); both name the two epochs.
 *   The error stops the session (`protocols.<name>.aborted`, its `context.code` the epoch error).
 * - Finishing a membership change bumps the epoch: the change's tree operations end with
 *   `rotateEpoch`, signed by the group ({@link membershipChangeDrafts}, {@link attestMembershipChange}).
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import { lengthPrefixedUtf8, u64be } from '../core/bytes.ts';
import { taggedHasher } from '../core/hash.ts';
import { identifierFromBytes, type SessionId } from '../core/identifiers.ts';
import type { RoleName } from '../choreo/local-type.ts';
import type { TreeOp } from '../journal/commitment-tree.ts';
import type { RoleImpl } from '../runtime/run-role.ts';

/** The epoch of a new authority (the genesis tree's). */
export const GENESIS_EPOCH = 0;

/** The tree operation that ends a membership change: the next epoch begins. */
export const ROTATE_EPOCH: TreeOp = { kind: 'rotateEpoch' };

const EPOCH_SESSION = taggedHasher('aura.protocols.epoch.v1.session');

/** The session bound to `epoch` for an agreed session `base`. */
export function epochSession(base: SessionId, epoch: number): SessionId {
  return identifierFromBytes('session', EPOCH_SESSION.digest(lengthPrefixedUtf8(base), u64be(epoch)));
}


/**
 * Checks the epoch a message carries against the session's. Errors: `protocols.stale-epoch`
 * (the message is from an older epoch), `protocols.newer-epoch` (this device is behind), and
 * `protocols.bad-payload` when the message carries no epoch.
 */
export function checkMessageEpoch(payload: unknown, epoch: number, from: RoleName): void {
  const carried = typeof payload === 'object' && payload !== null ? (payload as { epoch?: unknown }).epoch : undefined;
  if (typeof carried !== 'number') throw permanentError('protocols.bad-payload', `the message from ${from} carries no epoch`, { context: { from } });
  if (carried === epoch) return;
  const context = { from, epoch, messageEpoch: carried };
  if (carried < epoch) throw permanentError('protocols.stale-epoch', `a message of epoch ${carried} from ${from} reached a session of epoch ${epoch}: it is stale`, { context });
  throw permanentError('protocols.newer-epoch', `a message of epoch ${carried} from ${from} reached a session of epoch ${epoch}: this device is behind its authority`, { context });
}

/**
 * `impl` bound to `epoch`: every payload it sends also carries `epoch`, and every payload it
 * receives must carry `epoch` ({@link checkMessageEpoch}) before `impl` sees it. Made once per
 * role and session, so it is built by plain loops into fresh objects (spreading role logics of
 * every shape through one site costs several times more), and a payload is stamped with
 * `Object.assign` for the same reason.
 */
export function bindEpoch(impl: RoleImpl, epoch: number): RoleImpl {
  const send: Record<string, (to: RoleName) => unknown> = {};
  for (const label in impl.send) send[label] = stampingEpoch(impl.send[label]!, epoch); // label is an own key of impl.send
  const recv: Record<string, (payload: unknown, from: RoleName) => unknown> = {};
  for (const label in impl.recv) recv[label] = checkingEpoch(impl.recv[label], epoch);
  const bound: { -readonly [K in keyof RoleImpl]: RoleImpl[K] } = { send, recv };
  if (impl.local !== undefined) bound.local = impl.local;
  if (impl.select !== undefined) bound.select = (labels) => impl.select!(labels); // checked just above
  return bound;
}

function stampingEpoch(handler: (to: RoleName) => unknown, epoch: number): (to: RoleName) => unknown {
  return (to) => stampEpoch(handler(to), epoch);
}

function checkingEpoch(handler: ((payload: unknown, from: RoleName) => unknown) | undefined, epoch: number): (payload: unknown, from: RoleName) => unknown {
  return (payload, from) => {
    checkMessageEpoch(payload, epoch, from);
    return handler?.(payload, from);
  };
}

/** A copy of `payload` (an object, or a promise of one) with `epoch` added. */
function stampEpoch(payload: unknown, epoch: number): unknown {
  if (payload instanceof Promise) return payload.then((p: unknown) => stampEpoch(p, epoch));
  const stamped: Record<string, unknown> = Object.assign({}, payload);
  stamped['epoch'] = epoch;
  return stamped;
}
