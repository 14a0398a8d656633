/**
 * What `aura status` and `aura journal` show of a device, as plain data (the CLI prints it as
 * text or JSON; a running node sends it over its control socket): the authority, group key,
 * members and policy, epoch, peers online, journal size and last sync; and the journal's facts,
 * newest first, each with its type, signer and a one-line summary.
 *
 * Source: issue 11 item 2 (`aura status`, `aura journal`).
 *
 * @module
 */
import { toHex } from '../core/bytes.ts';
import type { FactRecord } from '../journal/fact.ts';
import type { FactStore } from '../journal/fact-store.ts';
import type { TreeOpPayload } from '../journal/tree-op.ts';
import { reduceTree } from '../journal/tree-reduce.ts';
import { AUTHORITY_CREATED, authorityView, SIGNATURE_ISSUED, type AuthorityCreatedPayload, type SignatureIssuedPayload } from '../protocols/authority.ts';
import { DKD_CONTEXT_KEY, type ContextKeyPayload } from '../protocols/dkd.ts';
import { LOCK_GRANT, LOCK_PROMISE, LOCK_RELEASE, type LockGrantFact, type LockPromise, type LockRelease } from '../protocols/coordination-facts.ts';
import { loadJournal } from './authority-journal.ts';
import type { DeviceConfig } from './device-config.ts';

/** The status of one device. */
export interface DeviceStatus {
  /** The authority. */
  readonly authority: string;
  /** This device. */
  readonly device: string;
  /** Its name among the members. */
  readonly name: string;
  /** The group key, hex. */
  readonly groupKey: string;
  /** Signers needed, as the journal's root policy says. */
  readonly threshold: number | undefined;
  /** The approval policy. */
  readonly policy: string;
  /** The commitment tree's epoch. */
  readonly epoch: number;
  /** Every member: name, device, whether it is in the journal's tree, whether it is online (`null`: unknown, no node runs). */
  readonly members: readonly { readonly name: string; readonly device: string; readonly inTree: boolean; readonly online: boolean | null }[];
  /** The guardians' authorities that are guardian leaves of the journal's tree (`aura guardian add`). */
  readonly guardians: readonly string[];
  /** Whether this device's node is running. */
  readonly nodeRunning: boolean;
  /** Facts in the journal. */
  readonly journalFacts: number;
  /** When the journal last synced with a peer (`null`: never; anti-entropy sync is not wired in yet). */
  readonly lastSync: string | null;
}

/** The status of the device with `config` and `journal`; `online` lists connected members when a node runs. */
export async function deviceStatus(config: DeviceConfig, journal: FactStore, online?: ReadonlySet<string>): Promise<DeviceStatus> {
  const facts = await loadJournal(journal, config.authority);
  const view = authorityView(facts);
  const inTree = new Set(view.members.map((m) => m.id));
  return {
    authority: config.authority,
    device: config.device,
    name: config.members.find((m) => m.device === config.device)?.name ?? config.device,
    groupKey: toHex(config.groupKey),
    threshold: view.policy.kind === 'threshold' ? view.policy.m : undefined,
    policy: config.policy,
    epoch: view.epoch,
    members: config.members.map((m) => ({
      name: m.name,
      device: m.device,
      inTree: inTree.has(m.device),
      online: m.device === config.device ? online !== undefined : online === undefined ? null : online.has(m.device),
    })),
    guardians: view.members.filter((m) => m.role === 'guardian').map((m) => m.id),
    nodeRunning: online !== undefined,
    journalFacts: facts.facts.size,
    lastSync: null,
  };
}

/** One fact as listed. */
export interface JournalEntry {
  /** Its CID. */
  readonly cid: string;
  /** Its type. */
  readonly type: string;
  /** Who attested it: `threshold AUTHORITY`, `device DEVICE`, or `none`. */
  readonly attestation: string;
  /** A one-line summary of the payload. */
  readonly summary: string;
  /** Its physical time, if it has one (ms since the epoch). */
  readonly time: number | null;
}

/** What to list. */
export interface JournalFilter {
  /** Only facts of this type. */
  readonly type?: string;
  /** At most this many. */
  readonly limit?: number;
}

/** The facts of `config`'s authority in `journal`, in the order the tree applied them, then by CID. */
export async function journalEntries(config: DeviceConfig, journal: FactStore, filter: JournalFilter = {}): Promise<JournalEntry[]> {
  const facts = await loadJournal(journal, config.authority);
  const order = new Map(reduceTree(facts.facts.values()).applied.map((key, index) => [key, index]));
  const records = [...facts.facts.values()]
    .filter((record) => filter.type === undefined || record.fact.typeId === filter.type)
    .sort((a, b) => (order.get(a.key) ?? Infinity) - (order.get(b.key) ?? Infinity) || (a.key < b.key ? -1 : 1));
  return records.slice(0, filter.limit ?? records.length).map(entryOf);
}

function entryOf(record: FactRecord): JournalEntry {
  const { fact } = record;
  const attestation = fact.attestation.kind === 'threshold' ? `threshold ${fact.attestation.authority}` : fact.attestation.kind === 'device' ? `device ${fact.attestation.device}` : 'none';
  const time = fact.metadata.time?.kind === 'physical' ? fact.metadata.time.ms : null;
  return { cid: record.key, type: `${fact.typeId}@${fact.schemaVersion}`, attestation, summary: summaryOf(record), time };
}

function summaryOf(record: FactRecord): string {
  if (record.fact.typeId === AUTHORITY_CREATED.typeId) {
    const created = record.fact.payload as AuthorityCreatedPayload;
    return `authority created: threshold ${created.threshold} of ${created.members.length}, group key ${toHex(created.groupKey).slice(0, 16)}…`;
  }
  if (record.fact.typeId === SIGNATURE_ISSUED.typeId) {
    const issued = record.fact.payload as SignatureIssuedPayload;
    return `signature issued over ${toHex(issued.digest).slice(0, 16)}… by ${issued.signers.length} signers (epoch ${issued.epoch})`;
  }
  if (record.fact.typeId === DKD_CONTEXT_KEY.typeId) {
    const key = record.fact.payload as ContextKeyPayload;
    return `context key ${JSON.stringify(key.context)} (app ${JSON.stringify(key.app)}, epoch ${key.epoch}): ${toHex(key.publicKey)}`;
  }
  if (record.fact.typeId === LOCK_GRANT.typeId) {
    const grant = record.fact.payload as LockGrantFact;
    return `lock ${grant.lock} granted to ${grant.holder} (lease ${toHex(grant.lease)}, voters ${grant.voters.join(', ')})`;
  }
  if (record.fact.typeId === LOCK_PROMISE.typeId) {
    const promise = record.fact.payload as LockPromise;
    return `lock ${promise.lock}: vote for ${promise.requester} (lease ${toHex(promise.lease)})`;
  }
  if (record.fact.typeId === LOCK_RELEASE.typeId) {
    const release = record.fact.payload as LockRelease;
    return `lock ${release.lock} released (lease ${toHex(release.lease)})`;
  }
  if (record.fact.typeId !== 'tree.op') return `${record.bytes.length} bytes`;
  const { op, parentEpoch } = record.fact.payload as TreeOpPayload;
  const detail =
    op.kind === 'addLeaf' ? `${op.leaf.role} ${op.leaf.id} to ${op.branch}` :
    op.kind === 'removeLeaf' ? op.leaf :
    op.kind === 'changePolicy' || op.kind === 'addBranch' ? `${op.branch}: ${op.policy.kind === 'threshold' ? `threshold ${op.policy.m}` : op.policy.kind}` :
    '';
  return `${op.kind} ${detail} (epoch ${parentEpoch})`.replace('  ', ' ');
}
