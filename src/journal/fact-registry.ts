/**
 * The registry of fact types. A journal admits a fact only if its `(typeId, schemaVersion)` is
 * registered; the type says which namespaces and attestations it accepts, the schema its payload
 * must match, and an optional rule for what a schema cannot say (`m <= n`, say). Every refusal
 * names the reason.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import type { AttestationKind } from './attestation.ts';
import type { Fact } from './fact.ts';
import { namespaceKind, type NamespaceKind } from './namespace.ts';
import type { Schema } from './schema.ts';

/** A registered kind of fact with payload type `P`. */
export interface FactType<P> {
  /** Dotted name, e.g. `tree.op`. */
  readonly typeId: string;
  /** Version of the payload schema; a new schema is a new registration. */
  readonly schemaVersion: number;
  /** One line for people: what a fact of this type records. */
  readonly description: string;
  /** What the payload must look like. */
  readonly payload: Schema<P>;
  /** The attestations accepted (`none` only for local-only facts). */
  readonly attestations: readonly AttestationKind[];
  /** The namespaces a fact of this type may belong to. */
  readonly namespaces: readonly NamespaceKind[];
  /** A further check of a payload that matched the schema; returns why it is invalid. */
  rule?(payload: P, fact: Fact): string | undefined;
}

/** The payload type of a fact type. */
export type PayloadOf<T> = T extends FactType<infer P> ? P : never;

/** `type`, with its payload type inferred from its schema (so `rule` sees a typed payload). */
export function defineFactType<P>(type: FactType<P>): FactType<P> {
  return type;
}

/** Fact types by `typeId@schemaVersion`. */
export class FactRegistry {
  private readonly types = new Map<string, FactType<unknown>>();

  /** A registry holding `types`. */
  constructor(types: readonly FactType<unknown>[] = []) {
    for (const type of types) this.register(type);
  }

  /** Adds a type; registering the same `typeId@schemaVersion` twice is `fact.duplicate-type`. */
  register<P>(type: FactType<P>): this {
    const key = `${type.typeId}@${type.schemaVersion}`;
    if (this.types.has(key)) throw permanentError('fact.duplicate-type', `fact type ${key} is already registered`);
    this.types.set(key, type);
    return this;
  }

  /** The type registered under `typeId` and `schemaVersion`, if any. */
  get(typeId: string, schemaVersion: number): FactType<unknown> | undefined {
    return this.types.get(`${typeId}@${schemaVersion}`);
  }

  /**
   * Checks `fact` against its registered type and returns the type. Errors, each naming the
   * reason: `fact.unknown-type`, `fact.wrong-namespace`, `fact.wrong-attestation`,
   * `fact.wrong-signer` (a group signature of another authority on an authority's fact),
   * `fact.invalid-payload`.
   */
  check(fact: Fact): FactType<unknown> {
    const type = this.get(fact.typeId, fact.schemaVersion);
    const context = { typeId: fact.typeId, schemaVersion: fact.schemaVersion };
    if (type === undefined) {
      const versions = [...this.types.values()].filter((t) => t.typeId === fact.typeId).map((t) => t.schemaVersion);
      const known = versions.length === 0 ? 'no version of it is registered' : `registered versions: ${versions.join(', ')}`;
      throw permanentError('fact.unknown-type', `unknown fact type ${fact.typeId}@${fact.schemaVersion}: ${known}`, { context });
    }
    const kind = namespaceKind(fact.metadata.namespace);
    if (!type.namespaces.includes(kind)) {
      throw permanentError('fact.wrong-namespace', `a ${fact.typeId} fact belongs in ${type.namespaces.join(' or ')} namespaces, not in ${kind} ${fact.metadata.namespace}`, { context });
    }
    const attestation = fact.attestation;
    if (!type.attestations.includes(attestation.kind)) {
      throw permanentError('fact.wrong-attestation', `a ${fact.typeId} fact needs a ${type.attestations.join(' or ')} attestation, got ${attestation.kind}`, { context });
    }
    if (attestation.kind === 'threshold' && kind === 'authority' && attestation.authority !== fact.metadata.namespace) {
      throw permanentError('fact.wrong-signer', `a fact in ${fact.metadata.namespace}'s journal is group-signed by another authority, ${attestation.authority}`, { context });
    }
    const reason = type.payload(fact.payload, 'payload') ?? type.rule?.(fact.payload, fact);
    if (reason !== undefined) throw permanentError('fact.invalid-payload', `invalid ${fact.typeId} fact: ${reason}`, { context });
    return type;
  }
}
