/**
 * One replica of a namespace's journal as anti-entropy sees it (issue 10 item 5): the CIDs it
 * holds, the bytes of some of its facts, and the gate every fact received from a peer passes.
 * {@link StoreReplica} is the real one, over any `FactStore` (SQLite or memory) and the journal's
 * admission checks (`decodeFact`, then `checkFact`: canonical bytes, shape, namespace, type,
 * payload, attestation), so a fact is stored only when this device would admit it from anyone.
 *
 * The replica's **digest** names its fact set: the hash of its first reconciliation message
 * (`RangeReconciler.initiate`, fingerprints of eight ranges, or the CIDs themselves when there
 * are few), so two replicas with the same set have the same digest, and gossip announcements can
 * carry it.
 *
 * @module
 */
import { base32 } from 'multiformats/bases/base32';
import { compareBytes } from '../core/bytes.ts';
import { contentIdFromBytes } from '../core/content-id.ts';
import { isAuraError } from '../core/errors.ts';
import { taggedDigest } from '../core/hash.ts';
import type { DeviceId } from '../core/identifiers.ts';
import { decodeFact, type FactRecord } from '../journal/fact.ts';
import type { FactStore } from '../journal/fact-store.ts';
import { checkFact, type AdmissionContext } from '../journal/journal.ts';
import type { Namespace } from '../journal/namespace.ts';
import { encodeReconcileMessage, RangeReconciler } from '../journal/reconcile.ts';

/** A fact a replica refused, and the peer that sent it. */
export interface RejectedFact {
  /** The device the fact came from. */
  readonly from: DeviceId;
  /** Its CID text, when the bytes decoded far enough to have one. */
  readonly cid?: string;
  /** The refusal's error code (`fact.bad-signature`, `journal.wrong-namespace`, `cbor.*`…). */
  readonly code: string;
  /** The refusal, for people. */
  readonly message: string;
}

/** What a replica made of facts received from a peer. */
export interface Received {
  /** Facts stored that were not held before. */
  readonly added: number;
  /** Facts refused. */
  readonly rejected: readonly RejectedFact[];
}

/** A replica of one namespace, as anti-entropy uses it. */
export interface SyncReplica {
  /** The namespace of every fact it holds. */
  readonly namespace: Namespace;
  /**
   * The CIDs (binary form) of every fact it holds. The replica never changes an array it has
   * returned (it returns a new one after a change), so digests of it can be cached.
   */
  cids(): Promise<readonly Uint8Array[]>;
  /** The canonical bytes of the facts under `cids` that it holds. */
  facts(cids: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Checks each of `facts` (bytes from `from`) and stores those that pass; never throws for a bad fact. */
  receive(facts: readonly Uint8Array[], from: DeviceId): Promise<Received>;
}

/**
 * A {@link SyncReplica} over a fact store, admitting facts as the journal does. It keeps the
 * namespace's CIDs in byte order in memory (loaded from the store on first use, then kept up to
 * date by {@link receive} and {@link append}), so a session does not re-read and re-sort the
 * store: write through the replica, or call {@link refresh} after writing to the store directly.
 */
export class StoreReplica implements SyncReplica {
  private index: Uint8Array[] | undefined;

  constructor(
    /** Where the facts live. */
    readonly store: FactStore,
    readonly namespace: Namespace,
    /** What admission needs (registry, crypto, signer keys); its `local` flag is ignored. */
    private readonly admission: AdmissionContext,
  ) {}

  async cids(): Promise<readonly Uint8Array[]> {
    // The store's keys were checked when their facts were admitted: decoding the text suffices.
    this.index ??= (await this.store.keys(this.namespace)).map((key) => base32.decode(key)).sort(compareBytes);
    return this.index;
  }

  async facts(cids: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const found: Uint8Array[] = [];
    for (const cid of cids) {
      const record = await this.store.get(contentIdFromBytes(cid).toString());
      if (record !== undefined) found.push(record.bytes);
    }
    return found;
  }

  async receive(facts: readonly Uint8Array[], from: DeviceId): Promise<Received> {
    const context: AdmissionContext = { ...this.admission, local: false };
    const admitted: FactRecord[] = [];
    const rejected: RejectedFact[] = [];
    for (const bytes of facts) {
      let record: FactRecord | undefined;
      try {
        record = decodeFact(bytes);
        checkFact(this.namespace, record, context);
        admitted.push(record);
      } catch (error) {
        if (!isAuraError(error)) throw error;
        rejected.push({ from, ...(record === undefined ? {} : { cid: record.key }), code: error.code, message: error.message });
      }
    }
    return { added: await this.keep(admitted), rejected };
  }

  /**
   * Stores facts made on this device (local-only facts are accepted); all or none, as
   * `admit` does. Errors: the journal's admission errors (`fact.*`, `journal.wrong-namespace`).
   */
  async append(records: readonly FactRecord[]): Promise<number> {
    const context: AdmissionContext = { ...this.admission, local: true };
    for (const record of records) checkFact(this.namespace, record, context);
    return this.keep(records);
  }

  /** Deletes the facts under `cids` (compaction, `FactStore.remove`); returns how many existed. */
  async remove(cids: readonly Uint8Array[]): Promise<number> {
    const removed = await this.store.remove(cids.map((cid) => contentIdFromBytes(cid).toString()));
    if (removed > 0 && this.index !== undefined) this.index = withoutSorted(this.index, cids);
    return removed;
  }

  /** Forgets the in-memory CIDs, after the store was written behind the replica's back. */
  refresh(): void {
    this.index = undefined;
  }

  /** Puts admitted records and adds their CIDs to the index; returns how many were new. */
  private async keep(records: readonly FactRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const added = await this.store.put(records);
    if (added > 0 && this.index !== undefined) this.index = mergeSorted(this.index, records.map((r) => r.id.bytes));
    return added;
  }
}

/** `sorted` (byte order, no repeats) with `more` merged in, repeats dropped. */
function mergeSorted(sorted: readonly Uint8Array[], more: readonly Uint8Array[]): Uint8Array[] {
  const incoming = [...more].sort(compareBytes);
  const merged: Uint8Array[] = [];
  let i = 0;
  let j = 0;
  while (i < sorted.length || j < incoming.length) {
    const order = i === sorted.length ? 1 : j === incoming.length ? -1 : compareBytes(sorted[i]!, incoming[j]!); // indexes in range
    const next = order <= 0 ? sorted[i++]! : incoming[j++]!; // the side picked is not exhausted
    if (order === 0) j++;
    if (merged.length === 0 || compareBytes(merged[merged.length - 1]!, next) !== 0) merged.push(next); // length > 0
  }
  return merged;
}

/** `sorted` (byte order) without the items of `gone`. */
function withoutSorted(sorted: readonly Uint8Array[], gone: readonly Uint8Array[]): Uint8Array[] {
  const drop = [...gone].sort(compareBytes);
  let j = 0;
  return sorted.filter((item) => {
    while (j < drop.length && compareBytes(drop[j]!, item) < 0) j++; // j < length
    return j === drop.length || compareBytes(drop[j]!, item) !== 0; // j < length
  });
}

/** The digest of a fact set given by its CIDs: equal sets, equal digests. */
export function setDigest(cids: Iterable<Uint8Array>): Uint8Array {
  return taggedDigest('aura.protocols.sync.v1.digest', encodeReconcileMessage(new RangeReconciler(cids).initiate()));
}

/** Digests of CID arrays returned by replicas (arrays they never change), computed once each. */
const digests = new WeakMap<readonly Uint8Array[], Uint8Array>();

/** The digest of what `replica` holds now (cached while its CIDs are unchanged). */
export async function replicaDigest(replica: SyncReplica): Promise<Uint8Array> {
  const cids = await replica.cids();
  let digest = digests.get(cids);
  if (digest === undefined) {
    digest = setDigest(cids);
    digests.set(cids, digest);
  }
  return digest;
}
