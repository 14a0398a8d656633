/**
 * The fact store: where a device keeps its journals' facts durably. Facts are kept by CID with
 * indexes by namespace and by type; writes are batched into one transaction (all facts of a batch
 * or none, even across a crash); reads verify what they return; an integrity check reports
 * anything the store can no longer vouch for.
 *
 * This is the interface; {@link MemoryFactStore} (`memory-fact-store.ts`) implements it in memory
 * for tests and the simulator, and `SqliteFactStore` (`src/handlers/`) on SQLite for devices.
 * Admission (signatures, types, namespaces) is the journal's job; a store keeps what it is given.
 *
 * @module
 */
import { parseContentId, type ContentId } from '../core/content-id.ts';
import { decodeFact, type Fact, type FactRecord } from './fact.ts';
import type { Namespace } from './namespace.ts';
import { TrustedCborDecoder } from './trusted-cbor.ts';

/** How a scan reads facts back. */
export interface ScanOptions {
  /** Only facts of this type. */
  readonly typeId?: string;
  /**
   * Re-check every fact (canonical bytes, CID, shape) as it is read; default true. `false` trusts
   * the store (facts were checked when admitted, and {@link FactStore.checkIntegrity} can re-check
   * them all), decoding each fact once without re-encoding or re-hashing: the cold-start path.
   */
  readonly verify?: boolean;
  /** Only facts stored after this {@link FactStore.position} (default: from the first). */
  readonly after?: number;
  /** Only facts stored at or before this {@link FactStore.position} (default: to the last). */
  readonly through?: number;
}

/** A view's state kept in the store beside the facts it was reduced from. */
export interface ViewCheckpoint {
  /** The {@link FactStore.position} the state covers: it is the reduction of every fact of its namespace stored up to there. */
  readonly position: number;
  /** The reducer's state, canonically encoded (`SnapshotReducer.encodeState`). */
  readonly state: Uint8Array;
}

/** What an integrity check found. */
export interface IntegrityReport {
  /** True when nothing is wrong. */
  readonly ok: boolean;
  /** Facts examined. */
  readonly facts: number;
  /** One sentence per problem found (bounded). */
  readonly problems: readonly string[];
}

/** Durable, content-addressed storage of facts. */
export interface FactStore {
  /** Stores `records` in one transaction, all or none; returns how many were not already stored. */
  put(records: readonly FactRecord[]): Promise<number>;
  /** The fact stored under the CID text `key`, verified against it; `undefined` when absent. */
  get(key: string): Promise<FactRecord | undefined>;
  /** True when a fact is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** The CIDs (text) of the facts of `namespace`, sorted. */
  keys(namespace: Namespace): Promise<string[]>;
  /**
   * Calls `visit` with every fact of `namespace` (of one type, optionally), in no particular order
   * (views do not depend on it); returns how many. `visit` must not call the store (the scan
   * holds its read open).
   */
  scan(namespace: Namespace, visit: (record: FactRecord) => void, options?: ScanOptions): Promise<number>;
  /** Number of facts stored, in one namespace or in all. */
  count(namespace?: Namespace): Promise<number>;
  /**
   * Deletes the facts under `keys` (compaction) in one transaction; returns how many existed.
   * Removing any fact also drops every view checkpoint (their states may count removed facts).
   */
  remove(keys: readonly string[]): Promise<number>;
  /**
   * Where the store's insertion order has reached: every fact stored later gets a larger
   * position; 0 when empty. Positions are comparable only while nothing is removed.
   */
  position(): Promise<number>;
  /** Saves (replacing) the checkpoint of the view `name` of `namespace`. */
  saveCheckpoint(namespace: Namespace, name: string, checkpoint: ViewCheckpoint): Promise<void>;
  /** The checkpoint of the view `name` of `namespace`, unless none was saved or a fact was removed since. */
  loadCheckpoint(namespace: Namespace, name: string): Promise<ViewCheckpoint | undefined>;
  /** Checks the store; `deep` also re-verifies every fact's bytes against its CID and indexes. */
  checkIntegrity(options?: { readonly deep?: boolean }): Promise<IntegrityReport>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** The most problems an integrity report lists. */
export const MAX_REPORTED_PROBLEMS = 20;

/** A stored fact read back, checked or trusted per {@link ScanOptions.verify}. */
export function readStoredFact(key: string, encoded: Uint8Array, verify: boolean): FactRecord {
  return verify ? decodeFact(encoded, parseContentId(key)) : new TrustedFactRecord(key, encoded);
}

/** One decoder for every trusted read: decoding is synchronous, and its string cache is shared. */
const trustedDecoder = new TrustedCborDecoder();

/** A fact read from a trusted store: decoded once, its CID parsed only if asked for. */
class TrustedFactRecord implements FactRecord {
  readonly fact: Fact;
  private parsedId: ContentId | undefined;

  constructor(
    readonly key: string,
    readonly bytes: Uint8Array,
  ) {
    this.fact = trustedDecoder.decode(bytes) as Fact;
  }

  get id(): ContentId {
    return (this.parsedId ??= parseContentId(this.key));
  }
}

/** The problem with one stored row, or `undefined`: bytes must decode, match the CID and the indexes. */
export function storedFactProblem(key: string, namespace: string, typeId: string, encoded: Uint8Array): string | undefined {
  try {
    const { fact } = decodeFact(encoded, parseContentId(key));
    if (fact.metadata.namespace !== namespace) return `fact ${key} is indexed under namespace ${namespace} but belongs to ${fact.metadata.namespace}`;
    if (fact.typeId !== typeId) return `fact ${key} is indexed as type ${typeId} but is a ${fact.typeId}`;
    return undefined;
  } catch (error) {
    return `fact ${key}: ${(error as Error).message}`;
  }
}
