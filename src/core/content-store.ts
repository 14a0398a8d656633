/**
 * A content store keeps canonical bytes under their content identifier and checks them on every
 * read, so that a corrupted or substituted entry is reported instead of returned.
 *
 * @module
 */
import { decodeCanonical } from './canonical.ts';
import { contentIdOfBytes, verifyContentId, type ContentId } from './content-id.ts';
import { DEFAULT_HASH, type HashAlgorithm } from './hash.ts';

/** Content-addressed storage of canonical DAG-CBOR blocks. */
export interface ContentStore {
  /** Stores canonical bytes (checked to be canonical) and returns their identifier. */
  put(bytes: Uint8Array): Promise<ContentId>;
  /** The bytes stored under `id`, verified against it; `undefined` when absent. Error: `cid.mismatch`. */
  get(id: ContentId): Promise<Uint8Array | undefined>;
  /** True when `id` is stored. */
  has(id: ContentId): Promise<boolean>;
}

/** A {@link ContentStore} in memory, for tests and the simulator. */
export class MemoryContentStore implements ContentStore {
  /**
   * @param algorithm hash for new identifiers.
   * @param blocks blocks by the text form of their identifier; a test may pass its own map to
   *   simulate corruption underneath the store.
   */
  constructor(
    private readonly algorithm: HashAlgorithm = DEFAULT_HASH,
    private readonly blocks = new Map<string, Uint8Array>(),
  ) {}

  async put(bytes: Uint8Array): Promise<ContentId> {
    decodeCanonical(bytes);
    const id = contentIdOfBytes(bytes, this.algorithm);
    this.blocks.set(id.toString(), bytes.slice());
    return id;
  }

  async get(id: ContentId): Promise<Uint8Array | undefined> {
    const bytes = this.blocks.get(id.toString());
    if (bytes === undefined) return undefined;
    verifyContentId(id, bytes);
    return bytes.slice();
  }

  async has(id: ContentId): Promise<boolean> {
    return this.blocks.has(id.toString());
  }
}
