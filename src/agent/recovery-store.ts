/**
 * The recovery facts a device keeps, `DIR/recovery.sqlite` (created by the first fact): for each authority it guards (and for
 * its own), the facts of that authority's recovery context (`recoveryContext` of
 * `src/protocols/recovery.ts`): `recovery.requested` (signed by the new device), `recovery.approved`
 * (signed by a guardian's authority), `recovery.disputed` (signed by an owner's device or the group
 * key). They live apart from the authority journal (`journal.sqlite` holds one authority's
 * namespace only). Every fact is admitted through the recovery fact types and its attestation is
 * checked against the keys the guardianship names before it is stored.
 *
 * Source: issue 11 item 2; `docs/protocols.md` (recovery facts).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, fromHex, toHex } from '../core/bytes.ts';
import type { CryptoEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import { staticSignerKeys } from '../journal/attestation.ts';
import type { FactRecord } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { admit, emptyJournal, type Journal } from '../journal/journal.ts';
import { SqliteFactStore } from '../handlers/sqlite-fact-store.ts';
import { peerEntryOfAddress } from '../handlers/network/network-device.ts';
import { journalDisputeWatch, RECOVERY_APPROVED, RECOVERY_FACT_TYPES, RECOVERY_REQUESTED, recoveryContext, recoveryRequestId, type RecoveryRequest } from '../protocols/recovery.ts';
import type { Guardianship } from './guardianship.ts';

/** The recovery store's file name inside a device directory. */
export const RECOVERY_STORE_FILE = 'recovery.sqlite';

const REGISTRY = new FactRegistry([...RECOVERY_FACT_TYPES]);

/** A request this device knows of, with what its store says about it. */
export interface KnownRequest {
  /** The request. */
  readonly request: RecoveryRequest;
  /** Its id (hex). */
  readonly id: string;
  /** The guardians' authorities whose approval is stored. */
  readonly approvedBy: readonly AuthorityId[];
  /** Whether a dispute of it is stored. */
  readonly disputed: boolean;
}

/** The Ed25519 public key of an owner's device, from the peer id in its address. */
function ownerDeviceKey(address: string): Uint8Array {
  const key = peerEntryOfAddress(address).peer.publicKey;
  if (key === undefined) throw permanentError('network.bad-peer-address', `${address} names a peer without an embedded key`);
  return key.raw;
}

/** The recovery facts of one directory. */
export class RecoveryStore {
  private opened: SqliteFactStore | undefined;

  private constructor(
    private readonly path: string,
    private readonly crypto: CryptoEffects,
  ) {}

  /**
   * The store of `dir`. The file is created by the first fact stored, not before: a directory
   * that never takes part in a recovery is left as it was. Errors (when used): the store's.
   */
  static open(dir: string, crypto: CryptoEffects): RecoveryStore {
    return new RecoveryStore(join(dir, RECOVERY_STORE_FILE), crypto);
  }

  /** The fact store, opened (and created) on first use. */
  private get store(): SqliteFactStore {
    this.opened ??= SqliteFactStore.open(this.path);
    return this.opened;
  }

  /** The recovery journal of `authority`. */
  async journal(authority: AuthorityId): Promise<Journal> {
    const namespace = recoveryContext(authority);
    const facts = new Map<string, FactRecord>();
    if (this.opened === undefined && !existsSync(this.path)) return { ...emptyJournal(namespace), facts };
    await this.store.scan(namespace, (record) => {
      facts.set(record.key, record);
    });
    return { ...emptyJournal(namespace), facts };
  }

  /**
   * Admits `records` into the recovery journal of `guardianship`'s authority and stores the new
   * ones. Signers: the authority's group key, each guardian's authority key, each owner device's
   * key, and the new device of a request (its own key signs its request). Errors: admission's
   * (`fact.*`, `journal.wrong-namespace`), the store's.
   */
  async add(guardianship: Guardianship, records: readonly FactRecord[]): Promise<void> {
    const journal = await this.journal(guardianship.authority);
    const groups = new Map<AuthorityId, Uint8Array>([[guardianship.authority, fromHex(guardianship.groupKey)], ...guardianship.guardians.map((g) => [g.authority, fromHex(g.signingKey)] as const)]);
    const devices = new Map<DeviceId, Uint8Array>(guardianship.owners.map((o) => [o.device, ownerDeviceKey(o.address)]));
    for (const record of [...records, ...journal.facts.values()]) {
      if (record.fact.typeId === RECOVERY_REQUESTED.typeId) {
        const request = record.fact.payload as RecoveryRequest;
        devices.set(request.newDevice, request.deviceKey);
      }
    }
    const admitted = admit(journal, records, { registry: REGISTRY, crypto: this.crypto, keys: staticSignerKeys(groups, devices) });
    const fresh = [...admitted.facts.values()].filter((record) => !journal.facts.has(record.key));
    if (fresh.length > 0) await this.store.put(fresh);
  }

  /** Every request of `authority` this store knows, with its approvals and dispute. */
  async requests(authority: AuthorityId): Promise<KnownRequest[]> {
    const journal = await this.journal(authority);
    const disputes = journalDisputeWatch(() => journal);
    const records = [...journal.facts.values()];
    const known: KnownRequest[] = [];
    for (const record of records) {
      if (record.fact.typeId !== RECOVERY_REQUESTED.typeId) continue;
      const request = record.fact.payload as RecoveryRequest;
      const id = recoveryRequestId(request);
      const approvedBy = records.filter((r) => r.fact.typeId === RECOVERY_APPROVED.typeId && bytesEqual((r.fact.payload as { request: Uint8Array }).request, id) && r.fact.attestation.kind === 'threshold').map((r) => (r.fact.attestation as { authority: AuthorityId }).authority);
      known.push({ request, id: toHex(id), approvedBy: [...new Set(approvedBy)].sort(), disputed: await disputes.disputed(id) });
    }
    return known;
  }

  /** The request `id` (hex, or a unique prefix of at least 8 digits) of `authority`. Error: `agent.unknown-request`. */
  async request(authority: AuthorityId, id: string): Promise<KnownRequest> {
    const matches = (await this.requests(authority)).filter((r) => id.length >= 8 && r.id.startsWith(id.toLowerCase()));
    if (matches.length !== 1) throw permanentError('agent.unknown-request', `no recovery request ${id} of authority ${authority} is known here${matches.length > 1 ? ' (the prefix is ambiguous)' : ''}`, { context: { request: id } });
    return matches[0]!; // exactly one
  }

  /** Closes the store (if it was opened). */
  async close(): Promise<void> {
    await this.opened?.close();
    this.opened = undefined;
  }
}
