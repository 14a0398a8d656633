/**
 * The extension registry: a hook per annotation name (`guard_capability`, `flow_cost`,
 * `journal_facts`, `leak`, or an `x_…` extension) that runs before every send carrying that
 * annotation. A hook may refuse the send by throwing (or rejecting), which stops the session.
 * A role whose sends carry an annotation with no hook and that the runtime does not interpret
 * itself (`timeout_ms`, `quorum`) cannot start: `runtime.unhandled-annotation`.
 *
 * The guard chain of a later issue (capabilities, flow budgets, journal coupling, leakage)
 * registers its checks here.
 *
 * @module
 */
import type { AnnotationValue, Annotations, RoleName } from '../choreo/local-type.ts';
import type { CanonicalValue } from '../core/canonical.ts';
import type { SessionId } from '../core/identifiers.ts';

/** What a hook learns about the send it guards. */
export interface AnnotationContext {
  /** The session. */
  readonly session: SessionId;
  /** The sending role. */
  readonly role: RoleName;
  /** The receiver. */
  readonly to: RoleName;
  /** Message label. */
  readonly label: string;
  /** This annotation's name. */
  readonly name: string;
  /** This annotation's value. */
  readonly value: AnnotationValue;
  /** Every annotation of the message. */
  readonly annotations: Annotations;
  /** The payload in wire form, already checked against its type. */
  readonly payload: CanonicalValue;
}

/** Runs before a send; throwing or rejecting refuses it. */
export type AnnotationHook = (context: AnnotationContext) => void | Promise<void>;

/** Hooks by annotation name. */
export class ExtensionRegistry {
  private readonly hooks = new Map<string, AnnotationHook>();

  /** Registers `hook` for the annotation `name` (replacing an earlier one); returns the registry. */
  register(name: string, hook: AnnotationHook): this {
    this.hooks.set(name, hook);
    return this;
  }

  /** The hook for `name`, if any. */
  get(name: string): AnnotationHook | undefined {
    return this.hooks.get(name);
  }
}
