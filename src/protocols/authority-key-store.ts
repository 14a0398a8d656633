/**
 * A device's key shares in its key store: the share of each authority it belongs to, under the
 * entry `authority/<AuthorityId>/share`, encoded by `withEncodedKeyShare` (`src/crypto/key-share.ts`)
 * and sealed with the rest of the store (`src/crypto/key-store-format.ts`). {@link KeyStore} is the
 * part of `FileKeyStore` (`src/handlers/file-key-store.ts`) these functions use, so a test or
 * another store can stand in for the file.
 *
 * @module
 */
import { isAuraError, permanentError } from '../core/errors.ts';
import type { AuthorityId } from '../core/identifiers.ts';
import { decodeKeyShare, withEncodedKeyShare, type KeyShare } from '../crypto/key-share.ts';
import type { KeyStoreChange, KeyStoreEntries } from '../crypto/key-store-format.ts';

/**
 * An encrypted store of named secrets (`FileKeyStore` is one). Writers change it only through
 * {@link KeyStore.update}, a read-modify-write the store runs one at a time: a store read whole and
 * written whole would otherwise let two writers of one process (the guardian desk and the device
 * agent, say) read the same entries, and the later write drop the earlier's entry.
 */
export interface KeyStore {
  /** The entries; `keystore.not-found` when the store does not exist yet. */
  load(passphrase: string): Promise<KeyStoreEntries>;
  /**
   * Reads the entries, applies `change` and writes its result atomically, after every update of
   * the same store started before it in this process finished. Returns the entries the store
   * holds afterwards (`undefined` when it still does not exist).
   */
  update(passphrase: string, change: KeyStoreChange): Promise<KeyStoreEntries | undefined>;
}

/** A key store and the passphrase that opens it. */
export interface UnlockedKeyStore {
  /** The store. */
  readonly store: KeyStore;
  /** Its passphrase. */
  readonly passphrase: string;
}

/** The entry holding the share of `authority`. */
export function keyShareEntry(authority: AuthorityId): string {
  return `authority/${authority}/share`;
}

async function entriesOf({ store, passphrase }: UnlockedKeyStore): Promise<KeyStoreEntries> {
  try {
    return await store.load(passphrase);
  } catch (error) {
    if (isAuraError(error, 'keystore.not-found')) return {};
    throw error;
  }
}

/** `entries` without the entry `name` (the same object when it has none). */
export function withoutEntry(entries: KeyStoreEntries, name: string): KeyStoreEntries {
  if (entries[name] === undefined) return entries;
  return Object.fromEntries(Object.entries(entries).filter(([other]) => other !== name));
}

/**
 * Puts `share` in the store as the share of `authority`, keeping every other entry (a share
 * already there is replaced: resharing hands a device a new one). The encoded copy is zeroed once
 * the store is written.
 */
export async function storeKeyShare(keys: UnlockedKeyStore, authority: AuthorityId, share: KeyShare): Promise<void> {
  const encoded = withEncodedKeyShare(share, (bytes) => bytes.slice());
  try {
    await keys.store.update(keys.passphrase, (entries) => ({ ...entries, [keyShareEntry(authority)]: encoded }));
  } finally {
    encoded.fill(0);
  }
}

/**
 * Takes the share of `authority` out of the store, keeping every other entry: a device that leaves
 * the authority (resharing without it) destroys its share. Nothing to do when there is none.
 */
export async function removeKeyShare(keys: UnlockedKeyStore, authority: AuthorityId): Promise<void> {
  const entry = keyShareEntry(authority);
  await keys.store.update(keys.passphrase, (entries) => (entries?.[entry] === undefined ? undefined : withoutEntry(entries, entry)));
}

/**
 * The share of `authority` in the store, checked against its verifying share. Errors:
 * `protocols.authority.no-share` when the store holds none, and those of the store and of
 * `decodeKeyShare`.
 */
export async function loadKeyShare(keys: UnlockedKeyStore, authority: AuthorityId): Promise<KeyShare> {
  const encoded = (await entriesOf(keys))[keyShareEntry(authority)];
  if (encoded === undefined) throw permanentError('protocols.authority.no-share', `the key store holds no share of ${authority}`, { context: { authority } });
  return decodeKeyShare(encoded);
}
