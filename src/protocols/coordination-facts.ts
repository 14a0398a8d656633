/**
 * The journal facts of coordination (issue 10 items 3 and 4) and their views. Coordination state
 * lives in the journal, not in memory, so a device that crashes and restarts remembers the votes it
 * gave and the epoch it is in, and replicas that sync agree on both.
 *
 * | fact | payload | time stamp (`metadata.time`) |
 * |---|---|---|
 * | `coord.lock-promise@1` | `{ lock, lease, requester }`: this device voted for `lease` | `range(votedAt, votedAt + leaseMs + maxSkewMs)` |
 * | `coord.lock-grant@1` | `{ lock, lease, holder, voters }`: `holder` won the lock | `range(grantedAt, requestedAt + leaseMs)` |
 * | `coord.lock-release@1` | `{ lock, lease }`: the lease is over (released, or withdrawn when refused) | `physical(now)` |
 * | `coord.session-epoch@1` | `{ scope, epoch, coordinator, lottery }`: the coordination session `scope` is in `epoch`, led by `coordinator`, drawn by the lottery whose combined value is `lottery` | `physical(now)` |
 *
 * The *session epoch* is a counter of coordination sessions (bumped on coordinator failover); it is
 * not the authority's tree epoch (`tree.op` facts), which counts membership changes.
 *
 * @module
 */
import { toHex } from '../core/bytes.ts';
import type { FactRecord } from '../journal/fact.ts';
import { defineFactType, type FactType } from '../journal/fact-registry.ts';
import type { Reducer } from '../journal/reducer.ts';
import { bytes, list, record, text, uint, type Infer } from '../journal/schema.ts';
import { MAX_MEMBERS } from './payload-types.ts';

const device = text(64);

/** Payload of `coord.lock-promise`: this device's vote for one lease. */
export const lockPromisePayload = record({ lock: text(128), lease: bytes(16), requester: device });
/** Payload of `coord.lock-grant`. */
export const lockGrantPayload = record({ lock: text(128), lease: bytes(16), holder: device, voters: list(device, MAX_MEMBERS) });
/** Payload of `coord.lock-release`. */
export const lockReleasePayload = record({ lock: text(128), lease: bytes(16) });
/** Payload of `coord.session-epoch`. */
export const sessionEpochPayload = record({ scope: text(128), epoch: uint(), coordinator: device, lottery: bytes(32) });

/** A value of {@link lockPromisePayload}. */
export type LockPromise = Infer<typeof lockPromisePayload>;
/** A value of {@link lockGrantPayload}. */
export type LockGrantFact = Infer<typeof lockGrantPayload>;
/** A value of {@link lockReleasePayload}. */
export type LockRelease = Infer<typeof lockReleasePayload>;
/** A value of {@link sessionEpochPayload}. */
export type SessionEpochFact = Infer<typeof sessionEpochPayload>;

const coordinationFact = <P>(typeId: string, description: string, payload: FactType<P>['payload']): FactType<P> =>
  defineFactType({ typeId, schemaVersion: 1, description, payload, attestations: ['device', 'threshold', 'none'], namespaces: ['authority'] });

/** `coord.lock-promise@1`. */
export const LOCK_PROMISE = coordinationFact('coord.lock-promise', 'a device voted for a lock lease (it votes for no other until this one ends)', lockPromisePayload);
/** `coord.lock-grant@1`. */
export const LOCK_GRANT = coordinationFact('coord.lock-grant', 'a device holds an account-wide lock until its lease expires or it releases it', lockGrantPayload);
/** `coord.lock-release@1`. */
export const LOCK_RELEASE = coordinationFact('coord.lock-release', 'a lock lease ended early (released by its holder, or withdrawn when refused)', lockReleasePayload);
/** `coord.session-epoch@1`. */
export const SESSION_EPOCH = coordinationFact('coord.session-epoch', 'a coordination session entered a new epoch with a coordinator drawn by lottery', sessionEpochPayload);

/** Every fact type of this module, to register in a journal's registry. */
export const COORDINATION_FACT_TYPES: readonly FactType<unknown>[] = [LOCK_PROMISE, LOCK_GRANT, LOCK_RELEASE, SESSION_EPOCH];

/** A lease and its interval, as the facts say. */
export interface Lease {
  /** The lease id (16 bytes, hex). */
  readonly lease: string;
  /** Who it is for (the requester, or the holder of a grant). */
  readonly device: string;
  /** From when, ms. */
  readonly from: number;
  /** Until when, ms (exclusive). */
  readonly until: number;
}

/** What the lock facts of one journal say about one lock. */
export interface LockState {
  /** Grants, by lease. */
  readonly grants: ReadonlyMap<string, Lease & { readonly voters: readonly string[] }>;
  /** This journal's promises (votes), by lease. */
  readonly promises: ReadonlyMap<string, Lease>;
  /** Leases ended early. */
  readonly released: ReadonlySet<string>;
}

/** The live grant and live promises at time `now`. */
export interface LockView {
  /** The holder of a live grant (not expired, not released), if any. */
  readonly holder?: Lease;
  /** Live promises: leases this journal's device voted for that have not ended. */
  readonly promised: readonly Lease[];
}

function interval(record: FactRecord): { from: number; until: number } {
  const time = record.fact.metadata.time;
  return time?.kind === 'range' ? { from: time.earliest, until: time.latest } : { from: 0, until: 0 };
}

/** Folds the lock facts of lock `lock` (commutative: maps keyed by lease, a set of releases). */
export function lockReducer(lock: string): Reducer<{ grants: Map<string, Lease & { voters: readonly string[] }>; promises: Map<string, Lease>; released: Set<string> }, LockState> {
  return {
    name: `coord.lock:${lock}`,
    init: () => ({ grants: new Map(), promises: new Map(), released: new Set() }),
    step(state, record) {
      const { typeId, payload } = record.fact;
      const p = payload as { lock?: string; lease?: Uint8Array };
      if (p.lock !== lock || p.lease === undefined) return state;
      const lease = toHex(p.lease);
      if (typeId === LOCK_GRANT.typeId) {
        const grant = payload as LockGrantFact;
        state.grants.set(lease, { lease, device: grant.holder, ...interval(record), voters: grant.voters });
      } else if (typeId === LOCK_PROMISE.typeId) {
        state.promises.set(lease, { lease, device: (payload as LockPromise).requester, ...interval(record) });
      } else if (typeId === LOCK_RELEASE.typeId) {
        state.released.add(lease);
      }
      return state;
    },
    view: (state) => ({ grants: new Map(state.grants), promises: new Map(state.promises), released: new Set(state.released) }),
  };
}

/** The live holder and promises of `state` at time `now` (ms). */
export function liveLock(state: LockState, now: number): LockView {
  const live = (lease: Lease) => now < lease.until && !state.released.has(lease.lease);
  const holder = [...state.grants.values()].filter(live).sort((a, b) => a.from - b.from)[0];
  return { ...(holder === undefined ? {} : { holder }), promised: [...state.promises.values()].filter(live) };
}

/** The latest epoch of each coordination session scope. */
export interface EpochState {
  /** By scope: the highest epoch recorded and its coordinator. */
  readonly scopes: ReadonlyMap<string, { readonly epoch: number; readonly coordinator: string }>;
}

/**
 * The session epochs: the highest epoch per scope wins (ties, which two failovers of the same epoch
 * could make, go to the smaller coordinator id so the view is a function of the fact set).
 */
export const sessionEpochReducer: Reducer<Map<string, { epoch: number; coordinator: string }>, EpochState> = {
  name: 'coord.session-epoch',
  init: () => new Map(),
  step(state, record) {
    if (record.fact.typeId !== SESSION_EPOCH.typeId) return state;
    const { scope, epoch, coordinator } = record.fact.payload as SessionEpochFact;
    const current = state.get(scope);
    if (current === undefined || epoch > current.epoch || (epoch === current.epoch && coordinator < current.coordinator)) state.set(scope, { epoch, coordinator });
    return state;
  },
  view: (state) => ({ scopes: new Map(state) }),
};
