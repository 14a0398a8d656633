/**
 * Type shim: `@hpke/*` declares its keys with the DOM's global WebCrypto types (`CryptoKey`,
 * `CryptoKeyPair`), which a Node project without the DOM library lacks. Node's `webcrypto`
 * namespace has the same types; this names them globally so those declarations resolve.
 *
 * @module
 */
import type { webcrypto } from 'node:crypto';

declare global {
  /** WebCrypto's key handle, as Node declares it. */
  type CryptoKey = webcrypto.CryptoKey;
  /** WebCrypto's key pair, as Node declares it. */
  type CryptoKeyPair = webcrypto.CryptoKeyPair;
}
