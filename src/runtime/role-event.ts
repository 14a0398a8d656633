/**
 * What a running role reports to observers (the trace and metrics middleware): one event per
 * send, receive, choice made, branch learned, local action, error and end. Events are made only
 * when an observer is attached, so an unobserved role pays nothing for them.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { AuraError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';

/** The kinds of role event. */
export type RoleEventType = 'send' | 'recv' | 'choose' | 'offer' | 'local' | 'error' | 'end';

/** One thing a role did. */
export interface RoleEvent {
  /** What happened. */
  readonly type: RoleEventType;
  /** The session. */
  readonly session: SessionId;
  /** The role. */
  readonly role: RoleName;
  /** This role's event counter, from 0: the position of the event in the role's own history. */
  readonly step: number;
  /** The peer sent to, received from, or learning the branch from. */
  readonly peer?: RoleName;
  /** Message label, chosen or learned branch label, or action name. */
  readonly label?: string;
  /** Branch labels a sent or received message carries. */
  readonly choice?: readonly string[];
  /** Sequence number of a sent or received message. */
  readonly seq?: number;
  /** The error that stopped the role (`error` events). */
  readonly error?: AuraError;
}

/** Receives the events of one or more roles. */
export interface RoleObserver {
  /** Called synchronously as each event happens; must not throw. */
  onEvent(event: RoleEvent): void;
}

/** One observer that passes every event to each of `observers`, in order. */
export function composeObservers(...observers: readonly RoleObserver[]): RoleObserver {
  return {
    onEvent(event) {
      for (const observer of observers) observer.onEvent(event);
    },
  };
}
