/**
 * One replica of a namespace's journal as anti-entropy sees it (issue 10 item 5): the CIDs it
 * holds, the bytes of some of its facts, and the gate every fact received from a peer passes.
 * {@link StoreReplica} is the real one, over any `FactStore` (SQLite or memory) and the journal's
 * admission checks (`decodeFact`, then `checkFact`: canonical bytes, shape, namespace, type,
 * payload, attestation), so a fact is stored only when this device would admit it from anyone.
 *
 * What admission needs can follow the journal itself ({@link JournalAdmission}): an authority's
 * device keys come from its commitment tree, so a replica that starts empty (a recovered device)
 * admits a device's facts once it holds the tree operations that made the device a leaf. Each
 * batch is admitted in passes: first the facts that shape the context (tree operations), repeated
 * while some pass, recomputing the context after each; then the rest, under the context the
 * batch left. A valid journal is therefore admitted as a whole whatever order and batches its
 * facts arrive in. The context is cached and recomputed only when a shaping fact was stored (or
 * {@link StoreReplica.refresh} says the store changed), not per fact or per batch.
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
import { isAuraError, type AuraError } from '../core/errors.ts';
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

/**
 * Admission rules that follow the journal a replica holds: {@link context} is what admission
 * needs when the journal's facts of the {@link shapedBy} types are `records`.
 */
export interface JournalAdmission {
  /** The fact types the context depends on (an authority's `tree.op`); none for fixed rules. */
  readonly shapedBy: readonly string[];
  /** The admission context of a journal whose facts of the {@link shapedBy} types are `records`; its `local` flag is ignored. */
  context(records: readonly FactRecord[]): AdmissionContext;
}

/** Admission rules that do not depend on the journal (a fixed set of signer keys). */
export function fixedAdmission(context: AdmissionContext): JournalAdmission {
  return { shapedBy: [], context: () => context };
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

/** A fact refused by admission, and why. */
interface Refusal {
  readonly record: FactRecord;
  readonly error: AuraError;
}

/**
 * A {@link SyncReplica} over a fact store, admitting facts as the journal does. It keeps the
 * namespace's CIDs in byte order in memory (loaded from the store on first use, then kept up to
 * date by {@link receive} and {@link append}), and the admission context the store's facts give,
 * so a session does not re-read and re-sort the store: write through the replica, or call
 * {@link refresh} after writing to the store directly.
 */
export class StoreReplica implements SyncReplica {
  private index: Uint8Array[] | undefined;
  private admissionNow: AdmissionContext | undefined;

  constructor(
    /** Where the facts live. */
    readonly store: FactStore,
    readonly namespace: Namespace,
    /** What admission needs (registry, crypto, signer keys), given the journal held. */
    private readonly admission: JournalAdmission,
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
    const rejected: RejectedFact[] = [];
    const decoded: FactRecord[] = [];
    for (const bytes of facts) {
      try {
        decoded.push(decodeFact(bytes));
      } catch (error) {
        if (!isAuraError(error)) throw error;
        rejected.push({ from, code: error.code, message: error.message });
      }
    }
    let added = 0;
    let refused: Refusal[] = [];
    // Shaping facts first, while some pass: each admitted one may let others in (a leaf added, then its device's facts).
    for (let pending = decoded.filter((r) => this.shapes(r)); pending.length > 0; pending = refused.map((r) => r.record)) {
      const pass = this.check(pending, await this.context());
      added += await this.keep(pass.admitted);
      refused = pass.refused;
      if (pass.admitted.length === 0) break;
    }
    const rest = this.check(decoded.filter((r) => !this.shapes(r)), await this.context());
    added += await this.keep(rest.admitted);
    for (const { record, error } of [...refused, ...rest.refused]) rejected.push({ from, cid: record.key, code: error.code, message: error.message });
    return { added, rejected };
  }

  /**
   * Stores facts made on this device (local-only facts are accepted); all or none, as
   * `admit` does. Errors: the journal's admission errors (`fact.*`, `journal.wrong-namespace`).
   */
  async append(records: readonly FactRecord[]): Promise<number> {
    const context: AdmissionContext = { ...(await this.context()), local: true };
    for (const record of records) checkFact(this.namespace, record, context);
    return this.keep(records);
  }

  /** Deletes the facts under `cids` (compaction, `FactStore.remove`); returns how many existed. */
  async remove(cids: readonly Uint8Array[]): Promise<number> {
    const removed = await this.store.remove(cids.map((cid) => contentIdFromBytes(cid).toString()));
    if (removed > 0 && this.index !== undefined) this.index = withoutSorted(this.index, cids);
    if (removed > 0) this.admissionNow = undefined;
    return removed;
  }

  /** Forgets the in-memory CIDs and admission context, after the store was written behind the replica's back. */
  refresh(): void {
    this.index = undefined;
    this.admissionNow = undefined;
  }

  private shapes(record: FactRecord): boolean {
    return this.admission.shapedBy.includes(record.fact.typeId);
  }

  /** The admission context of what the store holds now (computed once per change of its shaping facts). */
  private async context(): Promise<AdmissionContext> {
    if (this.admissionNow === undefined) {
      const records: FactRecord[] = [];
      for (const typeId of this.admission.shapedBy) await this.store.scan(this.namespace, (record) => records.push(record), { typeId, verify: false });
      this.admissionNow = this.admission.context(records);
    }
    return this.admissionNow;
  }

  /** `records` split into those admissible from a peer under `admission` and those refused, with why. */
  private check(records: readonly FactRecord[], admission: AdmissionContext): { admitted: FactRecord[]; refused: Refusal[] } {
    const context: AdmissionContext = { ...admission, local: false };
    const admitted: FactRecord[] = [];
    const refused: Refusal[] = [];
    for (const record of records) {
      try {
        checkFact(this.namespace, record, context);
        admitted.push(record);
      } catch (error) {
        if (!isAuraError(error)) throw error;
        refused.push({ record, error });
      }
    }
    return { admitted, refused };
  }

  /** Puts admitted records and adds their CIDs to the index; returns how many were new. */
  private async keep(records: readonly FactRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const added = await this.store.put(records);
    if (added > 0 && this.index !== undefined) this.index = mergeSorted(this.index, records.map((r) => r.id.bytes));
    if (added > 0 && records.some((r) => this.shapes(r))) this.admissionNow = undefined;
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
