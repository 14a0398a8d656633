/**
 * Where a device keeps its share of each group key it belongs to, so that resharing can destroy
 * the old share in the same write that stores the new one (issue 9 item 4: "old shares are
 * destroyed"). A group key survives resharing, so the share is kept under the group key: the new
 * share replaces the old one, or the entry is removed when the device leaves the group.
 *
 * {@link StorageKeyShareStore} keeps the encoded share (`withEncodedKeyShare` of
 * `src/crypto/key-share.ts`) under `<prefix><hex group key>` in any {@link StorageEffects}; give
 * it an encrypted storage handler in production.
 *
 * @module
 */
import { toHex } from '../core/bytes.ts';
import type { StorageEffects } from '../core/effects.ts';
import { decodeKeyShare, withEncodedKeyShare, type KeyShare } from '../crypto/key-share.ts';

/** A device's shares, one per group key. */
export interface KeyShareStore {
  /** The share of `groupPublicKey`, if this device holds one. */
  load(groupPublicKey: Uint8Array): Promise<KeyShare | undefined>;
  /** Replaces the share of `groupPublicKey` by `share`, or removes it (`undefined`), in one atomic write. */
  replace(groupPublicKey: Uint8Array, share: KeyShare | undefined): Promise<void>;
}

/** A {@link KeyShareStore} over a storage handler. */
export class StorageKeyShareStore implements KeyShareStore {
  constructor(
    private readonly storage: StorageEffects,
    /** Key prefix of the entries. */
    private readonly prefix = 'aura/key-share/',
  ) {}

  private key(groupPublicKey: Uint8Array): string {
    return `${this.prefix}${toHex(groupPublicKey)}`;
  }

  /** The share of `groupPublicKey`, checked on reading (`decodeKeyShare`). */
  async load(groupPublicKey: Uint8Array): Promise<KeyShare | undefined> {
    const bytes = await this.storage.get(this.key(groupPublicKey));
    return bytes === undefined ? undefined : decodeKeyShare(bytes);
  }

  /** Replaces or removes the share in one batch (the old encoding is gone either way). */
  async replace(groupPublicKey: Uint8Array, share: KeyShare | undefined): Promise<void> {
    const value = share === undefined ? undefined : withEncodedKeyShare(share, (encoded) => encoded.slice());
    await this.storage.batch([{ key: this.key(groupPublicKey), value }]);
  }
}
