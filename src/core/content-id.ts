/**
 * Content identifiers: a CID (v1, DAG-CBOR codec) whose multihash names the hash function, so that
 * a stored identifier says how to check it and the default hash can be migrated later.
 *
 * Byte format (CIDv1): `varint(1) ‖ varint(0x71) ‖ varint(hash code) ‖ varint(32) ‖ digest`, where
 * `digest = H(encodeCanonical(value))` and H is BLAKE3-256 (code 0x1e) or SHA-256 (0x12).
 * Text form: multibase base32 (lowercase, starting with `b`).
 *
 * @module
 */
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { bytesEqual } from './bytes.ts';
import { DAG_CBOR_CODE, encodeCanonical } from './canonical.ts';
import { permanentError } from './errors.ts';
import { DEFAULT_HASH, DIGEST_LENGTH, MULTIHASH_CODE, digest, hashAlgorithmOf, type HashAlgorithm } from './hash.ts';

/** A content identifier (multiformats CID v1 over DAG-CBOR). */
export type ContentId = CID;

/** The identifier of already-encoded canonical bytes. */
export function contentIdOfBytes(bytes: Uint8Array, algorithm: HashAlgorithm = DEFAULT_HASH): ContentId {
  return CID.createV1(DAG_CBOR_CODE, Digest.create(MULTIHASH_CODE[algorithm], digest(bytes, algorithm)));
}

/** The identifier of `value`: the hash of its canonical encoding. */
export function contentId(value: unknown, algorithm: HashAlgorithm = DEFAULT_HASH): ContentId {
  return contentIdOfBytes(encodeCanonical(value), algorithm);
}

/** The hash algorithm a CID names; an unsupported one is `cid.unknown-hash`. */
export function hashAlgorithmOfId(id: ContentId): HashAlgorithm {
  return hashAlgorithmOf(id.multihash.code);
}

/**
 * Checks that `bytes` hash to `id` under the algorithm `id` names.
 * Errors: `cid.unknown-hash`, `cid.mismatch` (the bytes are not the content `id` names).
 */
export function verifyContentId(id: ContentId, bytes: Uint8Array): void {
  const algorithm = hashAlgorithmOfId(id);
  if (!bytesEqual(digest(bytes, algorithm), id.multihash.digest)) {
    throw permanentError('cid.mismatch', `content does not match its identifier ${id.toString()}`, { context: { cid: id.toString() } });
  }
}

/** Parses the text form of a CID, checking that Aura can verify it. Errors: `cid.malformed`, `cid.unknown-hash`. */
export function parseContentId(text: string): ContentId {
  return checkedContentId(() => CID.parse(text), text);
}

/** Decodes the binary form of a CID. Errors: `cid.malformed`, `cid.unknown-hash`. */
export function contentIdFromBytes(bytes: Uint8Array): ContentId {
  return checkedContentId(() => CID.decode(bytes), `${bytes.length} bytes`);
}

function checkedContentId(decode: () => CID, shown: string): ContentId {
  let id: CID;
  try {
    id = decode();
  } catch (error) {
    throw permanentError('cid.malformed', `not a content identifier: ${shown}`, { cause: error });
  }
  if (id.version !== 1 || id.code !== DAG_CBOR_CODE) {
    throw permanentError('cid.malformed', `expected a CIDv1 over DAG-CBOR, got version ${id.version} codec 0x${id.code.toString(16)}`);
  }
  hashAlgorithmOfId(id);
  if (id.multihash.size !== DIGEST_LENGTH) {
    throw permanentError('cid.malformed', `digest is ${id.multihash.size} bytes, expected ${DIGEST_LENGTH}`);
  }
  return id;
}
