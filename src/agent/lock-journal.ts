/**
 * A device's part in the operation lock (`src/protocols/lock-guard.ts`, issue 10 item 3) kept in
 * its durable authority journal: the lock's facts (`coord.lock-promise`, `coord.lock-grant`,
 * `coord.lock-release`) are signed with the device key, admitted with the authority's rules
 * (`authorityAdmission`: the signer must be a device leaf of the tree), and written to the
 * device's SQLite fact store, where `aura journal --type coord.lock-grant` lists them and the
 * journal sync carries them to the other members.
 *
 * The lock records facts synchronously (`CoordinationJournal.record`), so each fact is admitted
 * into the in-memory journal at once, which the lock reads back, and queued for the store in
 * order; {@link StoredLockJournal.flush} waits until every fact is written.
 *
 * @module
 */
import type { CanonicalValue } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { toAuraError, type AuraError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import type { TimeStamp } from '../core/time.ts';
import { deviceAttestation, staticSignerKeys } from '../journal/attestation.ts';
import { sealFact, unsignedPart, type FactRecord } from '../journal/fact.ts';
import type { FactStore } from '../journal/fact-store.ts';
import { emptyJournal, type Journal } from '../journal/journal.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { COORDINATION_FACT_TYPES } from '../protocols/coordination-facts.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { authorityAdmission } from '../protocols/authority.ts';
import { DeviceJournal, type CoordinationJournal } from '../protocols/coordination-journal.ts';
import { loadJournal } from './authority-journal.ts';

/** Whose journal: the authority, its group key, the device and its signing key. */
export interface LockJournalOwner {
  /** The authority. */
  readonly authority: AuthorityId;
  /** Its group key. */
  readonly groupKey: Uint8Array;
  /** This device. */
  readonly device: DeviceId;
  /** Its Ed25519 device key (signs the lock facts). */
  readonly deviceKey: Uint8Array;
}

/**
 * The lock's journal over a device's fact store. A device keeps one for all its operations, so
 * two operations running at once read each other's promises (a voter votes for one lease at a
 * time); {@link StoredLockJournal.refresh} adds what reached the store by other paths (the
 * journal sync, a membership change's tree facts).
 */
export class StoredLockJournal implements CoordinationJournal {
  private written: Promise<void> = Promise.resolve();
  private failure: AuraError | undefined;
  private journal: DeviceJournal;
  private readonly crypto: Ed25519CryptoEffects;

  private constructor(
    current: Journal,
    private readonly store: FactStore,
    private readonly owner: LockJournalOwner,
    private readonly random: RandomEffects,
  ) {
    this.crypto = new Ed25519CryptoEffects(random);
    this.journal = this.over(current);
  }

  /** Opens the lock journal of `owner` over `store` (read now; written through on each fact). */
  static async open(store: FactStore, owner: LockJournalOwner, random: RandomEffects): Promise<StoredLockJournal> {
    return new StoredLockJournal(await loadJournal(store, owner.authority), store, owner, random);
  }

  facts(): Iterable<FactRecord> {
    return this.journal.facts();
  }

  record(typeId: string, payload: CanonicalValue, time: TimeStamp): FactRecord {
    const fact = this.journal.record(typeId, payload, time);
    this.written = this.written.then(() => this.store.put([fact])).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= toAuraError(error);
      },
    );
    return fact;
  }

  /**
   * Reads the store again and keeps every fact of both: what the store holds now and what was
   * recorded here meanwhile (both were admitted already).
   */
  async refresh(): Promise<void> {
    const stored = await loadJournal(this.store, this.owner.authority);
    this.journal = this.over({ ...stored, facts: new Map([...stored.facts, ...this.journal.current.facts]) });
  }

  /** Waits until every fact recorded is in the store. Errors: the store's first write error. */
  async flush(): Promise<void> {
    await this.written;
    if (this.failure !== undefined) throw this.failure;
  }

  private over(journal: Journal): DeviceJournal {
    const { device, deviceKey, groupKey } = this.owner;
    return new DeviceJournal(journal, authorityAdmission(journal, groupKey, this.crypto), (draft) => sealFact(draft, deviceAttestation(this.crypto, device, deviceKey, unsignedPart(draft))), this.random);
  }
}

/**
 * The lock journal of a device outside `authority`'s tree (one of its guardians' devices, or the new
 * device of a recovery): the authority's admission rules would refuse its signature, so its lock
 * facts stay in this process's memory (`local` admission, unattested). A guardian votes in a
 * recovery's lock with it; the node keeps one per authority, so its promises hold across the
 * operations it serves while it runs (a restart forgets them: the lease policy bounds that).
 */
export function localLockJournal(authority: AuthorityId, random: RandomEffects): DeviceJournal {
  const context = { registry: new FactRegistry(COORDINATION_FACT_TYPES), crypto: new Ed25519CryptoEffects(random), keys: staticSignerKeys(new Map(), new Map()), local: true };
  return new DeviceJournal(emptyJournal(authority), context, (draft) => sealFact(draft, { kind: 'none' }), random);
}
