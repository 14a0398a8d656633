/**
 * Snapshots and compaction. A `journal.snapshot` fact summarizes a prefix of a journal: the hash
 * of a reducer's state over those facts and the CIDs of the facts it supersedes. Once the
 * authority has threshold-signed it, the superseded facts can be pruned; a new replica receives
 * the snapshot fact, the state itself (canonical bytes, carried beside the fact), and the facts
 * after it, checks the state against the signed hash, and resumes the view from there. A replica
 * that still has the old facts can check the snapshot against them.
 *
 * ```text
 * payload   = { reducer: text, stateHash: bytes(32), superseded: [cid bytes, …] (sorted, unique) }
 * stateHash = taggedDigest("aura.journal.snapshot.v1.state", encodeCanonical(reducer.encodeState(state)))
 * ```
 *
 * @module
 */
import { bytesEqual, compareBytes, toHex } from '../core/bytes.ts';
import { decodeCanonical, encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import type { FactDraft, FactRecord } from './fact.ts';
import { defineFactType } from './fact-registry.ts';
import type { Journal } from './journal.ts';
import type { Namespace } from './namespace.ts';
import { fold, type Reducer } from './reducer.ts';
import { bytes, bytesUpTo, list, record, text, type Infer } from './schema.ts';

/** Most facts one snapshot may supersede (a larger prefix takes several snapshots). */
export const MAX_SUPERSEDED = 100_000;

/** A reducer whose state can be written into a snapshot and read back. */
export interface SnapshotReducer<S, V> extends Reducer<S, V> {
  /** The state as a canonical value. */
  encodeState(state: S): CanonicalValue;
  /** The state from {@link encodeState}'s output; malformed input is `snapshot.bad-state`. */
  decodeState(value: unknown): S;
}

const snapshotPayload = record({ reducer: text(128), stateHash: bytes(32), superseded: list(bytesUpTo(64), MAX_SUPERSEDED) });

/** Payload of a `journal.snapshot` fact. */
export type SnapshotPayload = Infer<typeof snapshotPayload>;

/** `journal.snapshot@1`: a threshold-signed summary of a journal prefix. */
export const SNAPSHOT = defineFactType({
  typeId: 'journal.snapshot',
  schemaVersion: 1,
  description: 'the state hash of a reducer over a prefix of the journal, and the facts it supersedes',
  payload: snapshotPayload,
  attestations: ['threshold'],
  namespaces: ['authority', 'context'],
  rule(payload) {
    for (let i = 1; i < payload.superseded.length; i++) {
      if (compareBytes(payload.superseded[i - 1]!, payload.superseded[i]!) >= 0) return `payload.superseded[${i}]: CIDs must be sorted and unique`; // i - 1 >= 0
    }
    return undefined;
  },
});

/** The hash of encoded state bytes, as a snapshot records it. */
export function stateHash(stateBytes: Uint8Array): Uint8Array {
  return taggedDigest('aura.journal.snapshot.v1.state', stateBytes);
}

/** A snapshot draft (for the group to sign) over `records`, with the state bytes that go with it. */
export function snapshotDraft<S, V>(namespace: Namespace, reducer: SnapshotReducer<S, V>, records: readonly FactRecord[], random: RandomEffects): { draft: FactDraft; state: Uint8Array } {
  if (records.length > MAX_SUPERSEDED) throw permanentError('snapshot.too-large', `a snapshot supersedes at most ${MAX_SUPERSEDED} facts, got ${records.length}`);
  const state = encodeCanonical(reducer.encodeState(fold(reducer, records)));
  const superseded = [...new Map(records.map((r) => [r.key, r.id.bytes])).values()].sort(compareBytes);
  const payload: SnapshotPayload = { reducer: reducer.name, stateHash: stateHash(state), superseded };
  return { draft: { typeId: SNAPSHOT.typeId, schemaVersion: SNAPSHOT.schemaVersion, payload, metadata: { namespace, nonce: random.randomBytes(16) } }, state };
}

/** The CIDs a snapshot supersedes, as lowercase hex of their bytes. */
export function supersededKeys(snapshot: FactRecord): Set<string> {
  const keys = new Set<string>();
  for (const id of payloadOf(snapshot).superseded) keys.add(toHex(id));
  return keys;
}

/**
 * The view after a snapshot: checks `stateBytes` against the signed hash, decodes the state, and
 * folds in `later` facts (superseded ones and snapshots skipped). Errors: `snapshot.state-mismatch`,
 * `snapshot.wrong-reducer`, and the reducer's `snapshot.bad-state`.
 */
export function resumeFromSnapshot<S, V>(reducer: SnapshotReducer<S, V>, snapshot: FactRecord, stateBytes: Uint8Array, later: Iterable<FactRecord>): V {
  const payload = payloadOf(snapshot);
  if (payload.reducer !== reducer.name) throw permanentError('snapshot.wrong-reducer', `snapshot ${snapshot.key} holds the state of ${payload.reducer}, not of ${reducer.name}`);
  if (!bytesEqual(stateHash(stateBytes), payload.stateHash)) {
    throw permanentError('snapshot.state-mismatch', `the state offered for snapshot ${snapshot.key} does not match the hash it signs`, { context: { cid: snapshot.key } });
  }
  let state = reducer.decodeState(decodeCanonical(stateBytes));
  const superseded = supersededKeys(snapshot);
  const seen = new Set<string>();
  for (const record of later) {
    if (record.fact.typeId === SNAPSHOT.typeId || superseded.has(toHex(record.id.bytes)) || seen.has(record.key)) continue;
    seen.add(record.key);
    state = reducer.step(state, record);
  }
  return reducer.view(state);
}

/**
 * Checks a snapshot against the facts it claims to supersede, for a replica that has them.
 * Error: `snapshot.mismatch` naming what differs (a missing or extra fact, or the state).
 */
export function checkSnapshot<S, V>(reducer: SnapshotReducer<S, V>, snapshot: FactRecord, records: readonly FactRecord[]): void {
  const payload = payloadOf(snapshot);
  const superseded = supersededKeys(snapshot);
  const mine = records.filter((record) => superseded.has(toHex(record.id.bytes)));
  if (mine.length !== superseded.size) {
    throw permanentError('snapshot.mismatch', `snapshot ${snapshot.key} supersedes ${superseded.size} facts; ${mine.length} of them are here`);
  }
  const state = encodeCanonical(reducer.encodeState(fold(reducer, mine)));
  if (!bytesEqual(stateHash(state), payload.stateHash)) throw permanentError('snapshot.mismatch', `snapshot ${snapshot.key} signs a state that its facts do not reduce to`);
}

/** The journal without the facts `snapshot` supersedes (the snapshot fact itself stays). */
export function compactJournal(journal: Journal, snapshot: FactRecord): Journal {
  const superseded = supersededKeys(snapshot);
  const facts = new Map([...journal.facts].filter(([, record]) => !superseded.has(toHex(record.id.bytes))));
  return { namespace: journal.namespace, facts };
}

function payloadOf(snapshot: FactRecord): SnapshotPayload {
  if (snapshot.fact.typeId !== SNAPSHOT.typeId) throw permanentError('snapshot.not-a-snapshot', `fact ${snapshot.key} is a ${snapshot.fact.typeId}, not a snapshot`);
  return snapshot.fact.payload as SnapshotPayload;
}
