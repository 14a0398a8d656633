/**
 * Where the coordination protocols keep their facts: one device's replica of its authority's
 * journal. {@link CoordinationJournal} is the small interface the lock and failover code write
 * through (record a fact, read the facts); {@link DeviceJournal} implements it over an immutable
 * `Journal` value, admitting every fact it records with the journal's own checks, attested by the
 * device. A node backs it with its durable store; tests and simulations keep it outside the role,
 * as a disk that survives the role's crash.
 *
 * @module
 */
import type { CanonicalValue } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import type { TimeStamp } from '../core/time.ts';
import type { FactDraft, FactRecord } from '../journal/fact.ts';
import { admit, type AdmissionContext, type Journal } from '../journal/journal.ts';
import { reduce, type Reducer } from '../journal/reducer.ts';

/** A replica the coordination protocols record facts in. */
export interface CoordinationJournal {
  /** The facts so far. */
  facts(): Iterable<FactRecord>;
  /** Records a fact of `typeId` (schema version 1) with `payload`, stamped `time`, and returns it. */
  record(typeId: string, payload: CanonicalValue, time: TimeStamp): FactRecord;
}

/** A device's replica: an immutable journal value it replaces on each admitted fact. */
export class DeviceJournal implements CoordinationJournal {
  constructor(
    private journal: Journal,
    private readonly context: AdmissionContext,
    /** Attests a draft as this device (a device signature, or `none` for local-only replicas). */
    private readonly attest: (draft: FactDraft) => FactRecord,
    private readonly random: RandomEffects,
  ) {}

  /** The journal value now. */
  get current(): Journal {
    return this.journal;
  }

  facts(): Iterable<FactRecord> {
    return this.journal.facts.values();
  }

  record(typeId: string, payload: CanonicalValue, time: TimeStamp): FactRecord {
    const fact = this.attest({ typeId, schemaVersion: 1, payload, metadata: { namespace: this.journal.namespace, time, nonce: this.random.randomBytes(16) } });
    this.journal = admit(this.journal, [fact], this.context);
    return fact;
  }

  /** Admits facts from elsewhere (a peer's replica), with the same checks. */
  merge(records: readonly FactRecord[]): void {
    this.journal = admit(this.journal, records, this.context);
  }
}

/** The view of `reducer` over `journal`'s facts. */
export function viewOf<S, V>(journal: CoordinationJournal, reducer: Reducer<S, V>): V {
  return reduce(reducer, journal.facts());
}
