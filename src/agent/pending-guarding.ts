/**
 * A guardian's crash-safe commit of a new recovery share (guardian setup, a change of the devices
 * it guards, a recovery): the guardian side of the members' pending change
 * (`membership-change.ts`). The share and the guardianship that goes with it live in two files,
 * the key store and `recovery.json`, so writing one after the other leaves, after a crash between
 * them, a record one epoch behind its share (or no record of a share at all after guardian setup).
 *
 * {@link commitGuarding} writes the new share and, beside it, a *pending guarding* entry holding
 * the guardianship, in one atomic rewrite of the key store; then `recovery.json` takes the
 * guardianship and the entry is dropped. Opening a device directory settles what a crash left
 * ({@link settlePendingGuarding}), so the record never lags the share past the next open.
 *
 * Why the protocol no longer writes the share itself (`keyStore` of `runReshareDevice`): the
 * entry must be in the same save as the share, and the resharing knows nothing of guardianships.
 * The desk commits right after the protocol returns, with no I/O between the acceptance and the
 * commit (`underLock` only records the lease's end in memory), so a crash before the commit is one
 * just before the acceptance: the guardian keeps its old share and record, as when it crashes
 * during the resharing.
 *
 * Several entries may be pending at once (one per guarded authority: two authorities' changes can
 * run side by side); each names its authority, and the operation lock keeps two commits of the
 * same authority apart.
 *
 * @module
 */
import { bytesEqual } from '../core/bytes.ts';
import { permanentError } from '../core/errors.ts';
import type { AuthorityId } from '../core/identifiers.ts';
import { withEncodedKeyShare, type KeyShare } from '../crypto/key-share.ts';
import type { KeyStoreEntries } from '../crypto/key-store-format.ts';
import { keyShareEntry, withoutEntry, type UnlockedKeyStore } from '../protocols/authority-key-store.ts';
import { guardianshipBytes, guardianshipOfBytes, updateGuardianships, withGuarded, type Guardianship, type Guardianships } from './guardianship.ts';

/** Where a guardian's records are: its device directory (`recovery.json`) and its key store. */
export interface GuardianStores {
  /** The device directory. */
  readonly dir: string;
  /** Its key store. */
  readonly keys: UnlockedKeyStore;
}

const PENDING = /^authority\/(.+)\/pending-guarding$/;

/** The key store entry holding the guardianship of `authority` committed with its share but not yet in `recovery.json`. */
export function pendingGuardingEntry(authority: AuthorityId): string {
  return `authority/${authority}/pending-guarding`;
}

/**
 * Commits `share`, this guardian's new recovery share of `guardianship`'s authority, with
 * `guardianship` (see the module comment): one key store rewrite, then `recovery.json` takes
 * `guardianship`, then the pending entry is dropped. Returns the records written. Errors: those of the key store and of `recovery.json` (`agent.io`).
 */
export async function commitGuarding(stores: GuardianStores, guardianship: Guardianship, share: KeyShare): Promise<Guardianships> {
  const encoded = withEncodedKeyShare(share, (bytes) => bytes.slice());
  try {
    const pending = { [pendingGuardingEntry(guardianship.authority)]: guardianshipBytes(guardianship) };
    await stores.keys.store.update(stores.keys.passphrase, (entries) => {
      if (entries === undefined) throw permanentError('keystore.not-found', `no key store in ${stores.dir}`, { context: { dir: stores.dir } });
      return { ...entries, [keyShareEntry(guardianship.authority)]: encoded, ...pending };
    });
    return (await settle(stores, pending)).records;
  } finally {
    encoded.fill(0); // after the last save of the entries that hold it
  }
}

/**
 * Finishes the pending guardings found in the key store `entries`: `recovery.json` takes each
 * guardianship, then the entries are dropped. Each step may be done again, so a crash during this
 * is finished on the next open. Returns the key store entries left (the same `entries` when
 * nothing was pending). Errors: `agent.bad-pending-guarding` when an entry does not decode, and
 * those of `recovery.json` and the key store.
 */
export async function settlePendingGuarding(stores: GuardianStores, entries: KeyStoreEntries): Promise<KeyStoreEntries> {
  if (!Object.keys(entries).some((name) => PENDING.test(name))) return entries;
  return (await settle(stores, entries)).entries;
}

/**
 * Settles the pending guardings among `entries` (other entries are skipped) into `recovery.json`.
 * Only the entries settled are dropped, each only while unchanged: the store may have changed
 * since `entries` were read (another authority's commit, queued behind this one's write).
 */
async function settle(stores: GuardianStores, entries: KeyStoreEntries): Promise<{ readonly entries: KeyStoreEntries; readonly records: Guardianships }> {
  const settled = Object.entries(entries).filter(([name]) => PENDING.test(name));
  const guardianships = settled.map(([name, value]) => {
    const authority = PENDING.exec(name)?.[1];
    const guardianship = guardianshipOfBytes(value);
    if (guardianship === null || guardianship.authority !== authority) throw permanentError('agent.bad-pending-guarding', `the key store of ${stores.dir} holds a pending guardianship of ${authority} that does not decode`, { context: { authority } });
    return guardianship;
  });
  const next = await updateGuardianships(stores.dir, (records) => guardianships.reduce(withGuarded, records));
  const left = await stores.keys.store.update(stores.keys.passphrase, (current) =>
    current === undefined ? undefined : settled.reduce((kept, [name, value]) => (kept[name] !== undefined && bytesEqual(kept[name], value) ? withoutEntry(kept, name) : kept), current),
  );
  return { entries: left ?? {}, records: next };
}
