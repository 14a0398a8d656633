/**
 * A cell owning secret bytes as a linear resource: read while alive, moved or consumed once,
 * zeroed when its life ends, and failing closed (a typed error) on any use afterwards.
 *
 * JavaScript cannot promise erasure: a bigint computed from the bytes, or a copy the engine made,
 * may survive until garbage collection. What the cell does promise is that Aura's own handle to
 * the secret is overwritten with zeros and can never be used again.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';

/** Secret bytes with a single owner. */
export class SecretCell {
  #bytes: Uint8Array | undefined;

  /** Takes ownership of `bytes` (the caller must not keep using them). */
  constructor(
    bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.#bytes = bytes;
  }

  /** True until the cell is moved, consumed or disposed. */
  get alive(): boolean {
    return this.#bytes !== undefined;
  }

  /** The secret bytes, borrowed: do not keep them. Error: `crypto.secret.consumed`. */
  read(): Uint8Array {
    if (this.#bytes === undefined) throw permanentError('crypto.secret.consumed', `${this.what} was already consumed, moved or disposed`);
    return this.#bytes;
  }

  /** Hands the bytes to a new owner; this cell is dead afterwards (nothing is copied). */
  move(): SecretCell {
    const bytes = this.read();
    this.#bytes = undefined;
    return new SecretCell(bytes, this.what);
  }

  /** Zeroes the bytes and ends the cell's life. Idempotent. */
  dispose(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
  }
}
