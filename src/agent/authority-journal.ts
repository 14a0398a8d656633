/**
 * The authority's journal as a device keeps it: the facts of its authority's namespace in the
 * device's SQLite fact store, admitted only through the authority's admission rules
 * (`admitAuthorityFacts` of `src/protocols/authority.ts`: registered type, right namespace, a
 * threshold signature that verifies under the group key, tree operations on a parent the journal
 * has reached), then stored in one transaction.
 *
 * Source: issue 11 item 1.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import type { AuthorityId } from '../core/identifiers.ts';
import type { FactRecord } from '../journal/fact.ts';
import type { FactStore } from '../journal/fact-store.ts';
import { emptyJournal, type Journal } from '../journal/journal.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { NodeRandom } from '../handlers/random.ts';
import { admitAuthorityFacts } from '../protocols/authority.ts';

/** Every fact of `authority` in `store`, as a journal value. */
export async function loadJournal(store: FactStore, authority: AuthorityId): Promise<Journal> {
  const facts = new Map<string, FactRecord>();
  await store.scan(authority, (record) => {
    facts.set(record.key, record);
  });
  return { ...emptyJournal(authority), facts };
}

/**
 * Admits `records` (in order) into the journal of `authority` held in `store` and stores those
 * that are new in one transaction. Any refusal throws before anything is written. Returns how
 * many facts were added.
 */
export async function storeAuthorityFacts(store: FactStore, authority: AuthorityId, groupKey: Uint8Array, records: readonly FactRecord[]): Promise<number> {
  const journal = await loadJournal(store, authority);
  const admitted = admitAuthorityFacts(journal, records, groupKey, new Ed25519CryptoEffects(new NodeRandom()));
  const fresh = [...admitted.facts.values()].filter((record) => !journal.facts.has(record.key));
  return fresh.length === 0 ? 0 : store.put(fresh);
}

/**
 * Checks that every fact in `store` belongs to `authority`. Error: `agent.foreign-dir` naming how
 * many facts of other namespaces it holds.
 */
export async function checkJournalOwner(store: FactStore, authority: AuthorityId, dir: string): Promise<void> {
  const [all, own] = await Promise.all([store.count(), store.count(authority)]);
  if (all !== own) {
    throw permanentError('agent.foreign-dir', `${dir} holds a journal with ${all - own} facts of another authority (not ${authority}); it was refused and left as it was`, { context: { dir, authority } });
  }
}
