/**
 * Test, simulation and benchmark support for anti-entropy: an authority whose devices sign
 * counter facts (`TestAuthority`), replicas of its journal over memory stores, the counter view
 * tests compare, and the invalid facts a byzantine replica offers (forged signatures, foreign
 * namespaces, local-only facts, bytes that are no fact).
 *
 * @module
 */
import { concat } from '../core/bytes.ts';
import { contentIdFromBytes, contentIdOfBytes } from '../core/content-id.ts';
import type { CryptoEffects, RandomEffects } from '../core/effects.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { deviceAttestation } from '../journal/attestation.ts';
import { COUNTER_ADD, counterReducer, type CounterTotals } from '../journal/counter.ts';
import { sealFact, unsignedPart, type FactRecord } from '../journal/fact.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import type { AdmissionContext } from '../journal/journal.ts';
import { MemoryFactStore } from '../journal/memory-fact-store.ts';
import { reduce } from '../journal/reducer.ts';
import { TestAuthority } from '../journal/testing.ts';
import { fixedAdmission, StoreReplica, type Received, type SyncReplica } from './sync-replica.ts';

/** An authority, its admission context, and helpers to make facts and replicas of its journal. */
export class SyncFixture {
  /** The authority whose journal is replicated. */
  readonly authority: TestAuthority;
  /** What every honest replica admits facts with. */
  readonly admission: AdmissionContext;

  constructor(
    private readonly crypto: CryptoEffects,
    private readonly random: RandomEffects,
  ) {
    this.authority = new TestAuthority(crypto, random);
    this.admission = { registry: new FactRegistry([COUNTER_ADD]), crypto, keys: this.authority.keys() };
  }

  /** A device-signed `counter.add` fact: `amount` added to `counter`. */
  fact(counter: string, amount: number): FactRecord {
    return this.authority.deviceSigned(this.authority.draft('counter.add', { counter, amount }));
  }

  /** `count` distinct facts over a few counters. */
  facts(count: number): FactRecord[] {
    return Array.from({ length: count }, (_, i) => this.fact(`c${i % 5}`, (i % 7) + 1));
  }

  /** A replica over a fresh memory store holding `facts`. */
  async replica(facts: readonly FactRecord[] = []): Promise<StoreReplica> {
    const store = new MemoryFactStore();
    if (facts.length > 0) await store.put(facts);
    return new StoreReplica(store, this.authority.authority, fixedAdmission(this.admission));
  }

  /** The counter totals of a replica's facts (the view replicas must agree on). */
  async view(replica: StoreReplica): Promise<CounterTotals> {
    const records: FactRecord[] = [];
    await replica.store.scan(replica.namespace, (record) => records.push(record));
    return reduce(counterReducer, records);
  }

  /** Facts no honest replica admits, each with the code it is refused with. */
  invalidFacts(): { readonly bytes: Uint8Array; readonly code: string }[] {
    const draft = this.authority.draft('counter.add', { counter: 'forged', amount: 1_000_000 });
    const impostor = this.crypto.generateSigningKey();
    const forged = sealFact(draft, deviceAttestation(this.crypto, this.authority.firstDevice, impostor.secretKey, unsignedPart(draft)));
    const stranger = randomIdentifier('device', this.random);
    const unknownSigner = sealFact(draft, deviceAttestation(this.crypto, stranger, impostor.secretKey, unsignedPart(draft)));
    const foreign = new TestAuthority(this.crypto, this.random, 1);
    const elsewhere = foreign.deviceSigned(foreign.draft('counter.add', { counter: 'forged', amount: 1 }));
    const badPayload = this.authority.deviceSigned(this.authority.draft('counter.add', { counter: 'forged', amount: -5 }));
    const unattested = this.authority.local(this.authority.draft('counter.add', { counter: 'forged', amount: 2 }));
    return [
      { bytes: forged.bytes, code: 'fact.bad-signature' },
      { bytes: unknownSigner.bytes, code: 'fact.unknown-signer' },
      { bytes: elsewhere.bytes, code: 'journal.wrong-namespace' },
      { bytes: badPayload.bytes, code: 'fact.invalid-payload' },
      { bytes: unattested.bytes, code: 'fact.unattested' },
      { bytes: concat(forged.bytes, new Uint8Array([0])), code: 'cbor.malformed' },
    ];
  }
}

/**
 * A byzantine replica: it offers `invalid` facts (bytes under their own CIDs) besides what
 * `honest` holds, and stores whatever it receives unchecked. Honest code runs against it
 * unchanged, so the tests exercise exactly the real checks.
 */
export class ByzantineReplica implements SyncReplica {
  private readonly offered: Map<string, Uint8Array>;

  constructor(
    private readonly honest: StoreReplica,
    invalid: readonly Uint8Array[],
  ) {
    this.offered = new Map(invalid.map((bytes) => [contentIdOfBytes(bytes).toString(), bytes]));
  }

  get namespace() {
    return this.honest.namespace;
  }

  async cids(): Promise<readonly Uint8Array[]> {
    return [...(await this.honest.cids()), ...[...this.offered.values()].map((bytes) => contentIdOfBytes(bytes).bytes)];
  }

  async facts(cids: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const mine = cids.flatMap((cid) => {
      const bytes = this.offered.get(contentIdFromBytes(cid).toString());
      return bytes === undefined ? [] : [bytes];
    });
    return [...(await this.honest.facts(cids)), ...mine];
  }

  receive(facts: readonly Uint8Array[], from: DeviceId): Promise<Received> {
    return this.honest.receive(facts, from);
  }
}
