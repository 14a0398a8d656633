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
import { contentIdFromBytes, parseContentId } from '../core/content-id.ts';
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
  /** The CIDs (binary form) of every fact it holds. */
  cids(): Promise<readonly Uint8Array[]>;
  /** The canonical bytes of the facts under `cids` that it holds. */
  facts(cids: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Checks each of `facts` (bytes from `from`) and stores those that pass; never throws for a bad fact. */
  receive(facts: readonly Uint8Array[], from: DeviceId): Promise<Received>;
}

/** A {@link SyncReplica} over a fact store, admitting facts as the journal does. */
export class StoreReplica implements SyncReplica {
  constructor(
    /** Where the facts live. */
    readonly store: FactStore,
    readonly namespace: Namespace,
    /** What admission needs (registry, crypto, signer keys); `local` is ignored: facts from peers never count as local. */
    private readonly admission: AdmissionContext,
  ) {}

  async cids(): Promise<readonly Uint8Array[]> {
    return (await this.store.keys(this.namespace)).map((key) => parseContentId(key).bytes);
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
    const added = admitted.length === 0 ? 0 : await this.store.put(admitted);
    return { added, rejected };
  }
}

/** The digest of a fact set given by its CIDs: equal sets, equal digests. */
export function setDigest(cids: Iterable<Uint8Array>): Uint8Array {
  return taggedDigest('aura.protocols.sync.v1.digest', encodeReconcileMessage(new RangeReconciler(cids).initiate()));
}

/** The digest of what `replica` holds now. */
export async function replicaDigest(replica: SyncReplica): Promise<Uint8Array> {
  return setDigest(await replica.cids());
}
