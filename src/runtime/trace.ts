/**
 * Trace middleware: an observer that records every event of the roles it watches as a
 * structured, JSON-friendly record (session, role, the role's step counter, a logical time, and
 * the event's details), and prints them one line each. One trace may watch every role of an
 * in-process run, which gives a single causally consistent history of the session.
 *
 * Logical time: a Lamport clock ticked for every event the trace sees — from the
 * `LogicalClockEffects` given, or the trace's own counter. Because a message's recv event always
 * happens after its send event, the order of times respects causality.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { LogicalClockEffects } from '../core/effects.ts';
import type { SessionId } from '../core/identifiers.ts';
import type { RoleEvent, RoleEventType, RoleObserver } from './role-event.ts';

/** One recorded event. */
export interface TraceRecord {
  /** What happened. */
  readonly type: RoleEventType;
  /** The session. */
  readonly session: SessionId;
  /** The role. */
  readonly role: RoleName;
  /** The role's own step counter. */
  readonly step: number;
  /** Lamport time of the event. */
  readonly time: number;
  /** Peer of a send, receive or offer. */
  readonly peer?: RoleName;
  /** Message, branch or action label. */
  readonly label?: string;
  /** Branch labels a message carries. */
  readonly choice?: readonly string[];
  /** Sequence number of a message. */
  readonly seq?: number;
  /** Code and message of the error that stopped the role. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** Records the events of the roles it observes. */
export class Trace implements RoleObserver {
  /** Every event so far, in the order they happened. */
  readonly records: TraceRecord[] = [];
  private lamport = 0;

  /** @param clock the logical clock to stamp events with (default: the trace's own counter). */
  constructor(private readonly clock?: LogicalClockEffects) {}

  onEvent(event: RoleEvent): void {
    const time = this.clock === undefined ? ++this.lamport : this.clock.tick().lamport;
    const { error, ...rest } = event;
    this.records.push(error === undefined ? { ...rest, time } : { ...rest, time, error: { code: error.code, message: error.message } });
  }

  /** The records as text, one line each (see {@link formatTraceRecord}). */
  lines(): string[] {
    return this.records.map(formatTraceRecord);
  }
}

/** One record as a line: `t=3 Alice#1 send Ping -> Bob #0 [more]`. */
export function formatTraceRecord(record: TraceRecord): string {
  const arrow = record.type === 'send' ? ` -> ${record.peer ?? ''}` : record.peer === undefined ? '' : ` <- ${record.peer}`;
  const parts = [
    `t=${record.time}`,
    `${record.role}#${record.step}`,
    record.type,
    `${record.label ?? ''}${arrow}`,
    record.seq === undefined ? '' : `#${record.seq}`,
    record.choice === undefined ? '' : `[${record.choice.join(', ')}]`,
    record.error === undefined ? '' : `${record.error.code}: ${record.error.message}`,
  ];
  return parts.filter((part) => part !== '').join(' ');
}
