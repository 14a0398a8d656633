/**
 * The runtime's typed errors. A {@link ProtocolViolation} names the step the session type
 * expected and what actually happened; the other errors (abort notices, timeouts, linearity,
 * configuration) are plain {@link AuraError}s with stable `runtime.*` codes.
 *
 * Codes:
 * - `runtime.violation.*` ({@link ProtocolViolation}, permanent): `wrong-label`, `wrong-peer`,
 *   `branch-label`, `payload`, `sequence-gap`, `duplicate`, `unknown-session`,
 *   `protocol-mismatch`, `unexpected-message`, `wrong-state`, `select`;
 * - `runtime.session-aborted` (permanent): a peer stopped the session;
 * - `runtime.receive-timeout` (transient): a receive waited past its timeout;
 * - `runtime.linearity` (permanent): a typed session state object was used twice;
 * - `runtime.unknown-role`, `runtime.missing-handler`, `runtime.unhandled-annotation`,
 *   `runtime.bad-annotation`, `runtime.unknown-type`, `runtime.bad-local-type`,
 *   `runtime.missing-time` (permanent): the run cannot start.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { AuraError, permanentError, transientError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';
import type { AbortNotice } from './frame.ts';

/** What a violation is about; the error code is `runtime.violation.<what>`. */
export type ViolationKind =
  | 'wrong-label'
  | 'wrong-peer'
  | 'branch-label'
  | 'payload'
  | 'sequence-gap'
  | 'duplicate'
  | 'unknown-session'
  | 'protocol-mismatch'
  | 'unexpected-message'
  | 'wrong-state'
  | 'select';

/** Where and how a session type was broken. */
export interface ViolationDetails {
  /** The role whose monitor saw it. */
  readonly role: RoleName;
  /** The session. */
  readonly session: SessionId;
  /** The step the local type allowed, in words (`recv Pong from Bob`). */
  readonly expected: string;
  /** What happened instead (`Ping from Bob, seq 3`). */
  readonly actual: string;
}

/** A message or an action that the role's local session type does not allow. */
export class ProtocolViolation extends AuraError {
  /** What the violation is about. */
  readonly violation: ViolationKind;
  /** The role whose monitor saw it. */
  readonly role: RoleName;
  /** The session. */
  readonly session: SessionId;
  /** The step the local type allowed. */
  readonly expected: string;
  /** What happened instead. */
  readonly actual: string;

  constructor(violation: ViolationKind, details: ViolationDetails, cause?: unknown) {
    super('permanent', `runtime.violation.${violation}`, `protocol violation at role ${details.role}: expected ${details.expected}, got ${details.actual}`, {
      cause,
      context: { role: details.role, session: details.session, expected: details.expected, actual: details.actual },
    });
    this.name = 'ProtocolViolation';
    this.violation = violation;
    this.role = details.role;
    this.session = details.session;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** The error a role stops with when a peer's abort notice arrives. */
export function sessionAborted(notice: AbortNotice): AuraError {
  return permanentError('runtime.session-aborted', `session aborted by ${notice.from}: ${notice.reason}`, {
    context: { session: notice.session, by: notice.from, code: notice.code, role: notice.to },
  });
}

/** The error of a receive that waited `ms` milliseconds for `expected`. */
export function receiveTimeout(role: RoleName, session: SessionId, expected: string, ms: number): AuraError {
  return transientError('runtime.receive-timeout', `role ${role} waited ${ms} ms for ${expected}`, { context: { role, session, expected, timeoutMs: ms } });
}

/** The error of a run that cannot start: a bad local type, handler or option. */
export function startError(code: string, message: string): AuraError {
  return permanentError(`runtime.${code}`, message);
}
