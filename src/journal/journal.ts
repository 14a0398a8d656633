/**
 * Journals: the set of facts of one namespace. Facts only grow, so two journals of the same
 * namespace merge by set union ({@link join}), deduplicated by CID; union is associative,
 * commutative and idempotent, so replicas that have seen the same facts hold the same journal
 * whatever order the facts arrived in. A journal is an immutable value: admitting facts returns a
 * new journal and leaves the old one as it was, which is what makes a refused batch leave the
 * journal unchanged.
 *
 * Admission ({@link admit}) is the only way facts from elsewhere get in: the fact's type must be
 * registered and its payload valid, it must belong to this journal's namespace, and its attestation
 * must verify under the signer's known key. Local-only (`none`) attestations pass only when the
 * caller says the facts were made on this device.
 *
 * @module
 */
import type { ContentId } from '../core/content-id.ts';
import type { CryptoEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { verifyAttestation, type SignerKeys } from './attestation.ts';
import { decodeFact, unsignedPart, type FactRecord } from './fact.ts';
import type { FactRegistry } from './fact-registry.ts';
import type { Namespace } from './namespace.ts';

/** The facts of one namespace, by CID text. */
export interface Journal {
  /** The namespace every fact belongs to. */
  readonly namespace: Namespace;
  /** The facts, keyed by {@link FactRecord.key}. */
  readonly facts: ReadonlyMap<string, FactRecord>;
}

/** What admission needs to judge a fact. */
export interface AdmissionContext {
  /** The fact types this journal accepts. */
  readonly registry: FactRegistry;
  /** Signature verification. */
  readonly crypto: CryptoEffects;
  /** The signers' public keys. */
  readonly keys: SignerKeys;
  /** True when the facts were made on this device, so local-only (`none`) facts are acceptable. */
  readonly local?: boolean;
}

/** A journal of `namespace` with no facts. */
export function emptyJournal(namespace: Namespace): Journal {
  return { namespace, facts: new Map() };
}

/** The union of two journals of one namespace; different namespaces are `journal.namespace-mismatch`. */
export function join(a: Journal, b: Journal): Journal {
  if (a.namespace !== b.namespace) {
    throw permanentError('journal.namespace-mismatch', `cannot merge the journal of ${a.namespace} with the journal of ${b.namespace}`, {
      context: { left: a.namespace, right: b.namespace },
    });
  }
  const [large, small] = a.facts.size >= b.facts.size ? [a, b] : [b, a];
  let merged: Map<string, FactRecord> | undefined;
  for (const [key, record] of small.facts) {
    if (large.facts.has(key)) continue;
    merged ??= new Map(large.facts);
    merged.set(key, record);
  }
  return merged === undefined ? large : { namespace: a.namespace, facts: merged };
}

/** True when every fact of `a` is in `b` (the journal order: `a ≤ b`). */
export function isSubJournal(a: Journal, b: Journal): boolean {
  if (a.namespace !== b.namespace || a.facts.size > b.facts.size) return false;
  for (const key of a.facts.keys()) if (!b.facts.has(key)) return false;
  return true;
}

/**
 * Checks one fact for admission into a journal of `namespace`. Errors: `journal.wrong-namespace`,
 * `fact.unattested` (a local-only fact from elsewhere), the registry's `fact.*` errors, and
 * `fact.unknown-signer` / `fact.bad-signature` from attestation checking.
 */
export function checkFact(namespace: Namespace, record: FactRecord, context: AdmissionContext): void {
  const { fact } = record;
  if (fact.metadata.namespace !== namespace) {
    throw permanentError('journal.wrong-namespace', `fact ${record.key} belongs to ${fact.metadata.namespace}, not to this journal's namespace ${namespace}`, {
      context: { cid: record.key, namespace },
    });
  }
  context.registry.check(fact);
  if (fact.attestation.kind === 'none' && context.local !== true) {
    throw permanentError('fact.unattested', `fact ${record.key} (${fact.typeId}) has no attestation and did not originate on this device`, { context: { cid: record.key } });
  }
  verifyAttestation(context.crypto, context.keys, fact.attestation, unsignedPart(fact));
}

/**
 * The journal with `records` added, all of them or none: the first refused fact throws (see
 * {@link checkFact}) and `journal` is left as it was. Facts already present are skipped.
 */
export function admit(journal: Journal, records: readonly FactRecord[], context: AdmissionContext): Journal {
  const fresh = records.filter((record) => !journal.facts.has(record.key));
  for (const record of fresh) checkFact(journal.namespace, record, context);
  if (fresh.length === 0) return journal;
  const facts = new Map(journal.facts);
  for (const record of fresh) facts.set(record.key, record);
  return { namespace: journal.namespace, facts };
}

/** Decodes fact bytes as received from a peer (checked against `id` when given) and admits them. */
export function admitBytes(journal: Journal, encoded: Uint8Array, context: AdmissionContext, id?: ContentId): Journal {
  return admit(journal, [decodeFact(encoded, id)], context);
}
