/**
 * Canonical encoding: every value Aura hashes, signs or sends is encoded as DAG-CBOR
 * (https://ipld.io/specs/codecs/dag-cbor/spec/) through `@ipld/dag-cbor`, whose encoder is
 * deterministic: map keys sorted by length then bytes, shortest integer forms, no indefinite
 * lengths, no `undefined`, no NaN or infinities.
 *
 * The decoder alone accepts some non-canonical input (unsorted map keys), so
 * {@link decodeCanonical} re-encodes what it decoded and demands the same bytes. Two encodings of
 * one value can therefore never both be accepted, which is what makes content identifiers and
 * signatures over encodings sound.
 *
 * @module
 */
import * as dagCbor from '@ipld/dag-cbor';
import { bytesEqual } from './bytes.ts';
import { permanentError } from './errors.ts';

/** The multicodec code of DAG-CBOR, used in CIDs. */
export const DAG_CBOR_CODE = 0x71;

/** A value of the IPLD data model: what canonical encoding accepts. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

/** Canonical DAG-CBOR bytes of `value`; a value outside the data model is `cbor.unencodable`. */
export function encodeCanonical(value: unknown): Uint8Array {
  try {
    return dagCbor.encode(value);
  } catch (error) {
    throw permanentError('cbor.unencodable', `cannot encode value canonically: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Decodes canonical DAG-CBOR and checks that `bytes` is the one canonical encoding of the result.
 *
 * Errors: `cbor.truncated` (the input ends inside an item), `cbor.malformed` (not DAG-CBOR, or
 * trailing bytes), `cbor.non-canonical` (valid CBOR, but not the canonical form of its value).
 */
export function decodeCanonical(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (error) {
    const message = (error as Error).message;
    const truncated = /not enough|did not find any content|unexpected end/i.test(message);
    throw permanentError(truncated ? 'cbor.truncated' : 'cbor.malformed', `${truncated ? 'truncated' : 'malformed'} DAG-CBOR (${bytes.length} bytes): ${message}`, {
      cause: error,
      context: { length: bytes.length },
    });
  }
  if (!bytesEqual(dagCbor.encode(value), bytes)) {
    throw permanentError('cbor.non-canonical', `DAG-CBOR is not in canonical form (${bytes.length} bytes): map keys out of order or a non-shortest encoding`, {
      context: { length: bytes.length },
    });
  }
  return value;
}
