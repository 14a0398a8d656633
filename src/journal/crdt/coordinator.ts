/**
 * CRDT coordinators: the replication side of a CRDT, in the three shapes of the Rust original's
 * `CrdtCoordinator` (hxrts/aura, `aura-protocol/src/effects/semilattice/crdt_coordinator.rs`):
 *
 * - {@link CrdtCoordinator.withCvState} — state-based: a sync message carries the whole state and
 *   the receiver joins it in;
 * - {@link CrdtCoordinator.withDeltaThreshold} — delta-based: local updates produce deltas
 *   (small states) that are buffered and sent instead; once the buffer holds `threshold` deltas it
 *   is compacted into one (their join), which is the same update;
 * - {@link CrdtCoordinator.withMvState} — meet-based: constraints (capabilities, limits) whose
 *   combination only narrows; the receiver meets them in.
 *
 * Anti-entropy (a later issue) moves the messages; a coordinator only produces and absorbs them.
 *
 * @module
 */
import type { AuthorityId } from '../../core/identifiers.ts';
import { permanentError } from '../../core/errors.ts';
import type { JoinSemilattice, MeetSemilattice } from './lattice.ts';

/** What one replica sends another. */
export type SyncMessage<S> =
  | {
      /** A full state (state-based). */
      readonly kind: 'state';
      /** The sender's authority. */
      readonly from: AuthorityId;
      /** The state. */
      readonly state: S;
    }
  | {
      /** Joined deltas (delta-based). */
      readonly kind: 'delta';
      readonly from: AuthorityId;
      /** The deltas not yet sent, joined into one. */
      readonly delta: S;
    }
  | {
      /** A constraint (meet-based). */
      readonly kind: 'constraint';
      readonly from: AuthorityId;
      /** The sender's constraint. */
      readonly state: S;
    };

/**
 * Replication by whole states: state-based (`kind: 'state'`, combining by join) or meet-based
 * (`kind: 'constraint'`, combining by meet). Send the state; combine what arrives.
 */
export class StateCoordinator<S> {
  private current: S;

  constructor(
    /** The authority this replica acts for. */
    readonly authority: AuthorityId,
    private readonly kind: 'state' | 'constraint',
    private readonly combine: (a: S, b: S) => S,
    private readonly equals: (a: S, b: S) => boolean,
    initial: S,
  ) {
    this.current = initial;
  }

  /** The local state. */
  get state(): S {
    return this.current;
  }

  /** Combines a local update into the state: joins it (state-based) or meets it (meet-based). */
  merge(update: S): void {
    this.current = this.combine(this.current, update);
  }

  /** The message to send: the whole state. */
  syncMessage(): SyncMessage<S> {
    return { kind: this.kind, from: this.authority, state: this.current };
  }

  /** Combines a received state in; returns true when it changed anything. */
  receive(message: SyncMessage<S>): boolean {
    if (message.kind !== this.kind) throw unexpected(this.kind, message.kind);
    const combined = this.combine(this.current, message.state);
    const changed = !this.equals(combined, this.current);
    this.current = combined;
    return changed;
  }
}

/** Delta-based replication: buffer deltas, compact them past a threshold, send their join. */
export class DeltaCoordinator<S> {
  private current: S;
  private buffer: S[] = [];

  constructor(
    /** The authority this replica acts for. */
    readonly authority: AuthorityId,
    private readonly lattice: JoinSemilattice<S>,
    /** Buffered deltas that trigger compaction into one. */
    readonly threshold: number,
  ) {
    if (!Number.isSafeInteger(threshold) || threshold < 1) throw permanentError('crdt.bad-threshold', `a delta threshold is a positive integer, got ${threshold}`);
    this.current = lattice.bottom();
  }

  /** The local state. */
  get state(): S {
    return this.current;
  }

  /** Deltas waiting to be sent (after compaction, at most `threshold - 1` plus one compacted). */
  get pendingDeltas(): number {
    return this.buffer.length;
  }

  /** Applies a local update given as its delta, and buffers the delta for sending. */
  applyDelta(delta: S): void {
    this.current = this.lattice.join(this.current, delta);
    this.buffer.push(delta);
    if (this.buffer.length >= this.threshold) this.buffer = [this.buffer.reduce((a, b) => this.lattice.join(a, b))];
  }

  /** The message carrying every buffered delta (joined), or `undefined` when none; empties the buffer. */
  takeSyncMessage(): SyncMessage<S> | undefined {
    if (this.buffer.length === 0) return undefined;
    const delta = this.buffer.reduce((a, b) => this.lattice.join(a, b));
    this.buffer = [];
    return { kind: 'delta', from: this.authority, delta };
  }

  /** Joins a received delta in; returns true when it changed anything. */
  receive(message: SyncMessage<S>): boolean {
    if (message.kind !== 'delta') throw unexpected('delta', message.kind);
    const joined = this.lattice.join(this.current, message.delta);
    const changed = !this.lattice.equals(joined, this.current);
    this.current = joined;
    return changed;
  }
}

function unexpected(expected: string, got: string): Error {
  return permanentError('crdt.wrong-message', `this coordinator takes ${expected} messages, got a ${got} message`);
}

/** The builders, named as in the Rust original. */
export const CrdtCoordinator = {
  /** State-based replication starting from `state`. */
  withCvState<S>(authority: AuthorityId, lattice: JoinSemilattice<S>, state: S = lattice.bottom()): StateCoordinator<S> {
    return new StateCoordinator(authority, 'state', (a, b) => lattice.join(a, b), (a, b) => lattice.equals(a, b), state);
  },
  /** Delta-based replication, compacting buffered deltas once there are `threshold` of them. */
  withDeltaThreshold<S>(authority: AuthorityId, lattice: JoinSemilattice<S>, threshold: number): DeltaCoordinator<S> {
    return new DeltaCoordinator(authority, lattice, threshold);
  },
  /** Meet-based replication starting from `state` (default: no constraint). */
  withMvState<S>(authority: AuthorityId, lattice: MeetSemilattice<S>, state: S = lattice.top()): StateCoordinator<S> {
    return new StateCoordinator(authority, 'constraint', (a, b) => lattice.meet(a, b), (a, b) => lattice.equals(a, b), state);
  },
};
