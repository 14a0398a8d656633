/**
 * Complaints: how a multi-party step (DKG, resharing, repair, DKD) names the participant whose
 * message did not verify, so that the protocol running it can exclude that participant and retry.
 * A complaint is plain data, canonically encodable, and carries the evidence needed for others to
 * check it where there is any (a revealed share, say).
 *
 * @module
 */
import { AuraError, permanentError } from '../core/errors.ts';
import type { ParticipantId } from './participant.ts';

/** Why a participant is accused. */
export type ComplaintReason =
  /** No message arrived from them for this round. */
  | 'missing-message'
  /** More than one message from them in one round. */
  | 'duplicate-message'
  /** Their commitments are malformed (bad point, wrong count) or inconsistent with known keys. */
  | 'bad-commitment'
  /** Their proof of knowledge does not verify. */
  | 'bad-proof'
  /** The share they sent does not match their public commitments. */
  | 'bad-share'
  /** What they revealed does not match what they committed to. */
  | 'bad-reveal';

/** An accusation against one participant. */
export interface Complaint {
  /** Who is accused. */
  readonly accused: ParticipantId;
  /** What is wrong. */
  readonly reason: ComplaintReason;
  /** A sentence for people. */
  readonly detail: string;
  /** The offending bytes, when revealing them lets others check the complaint. */
  readonly evidence?: Uint8Array;
}

/** The outcome of a step that may fail by someone's fault: a result, or the complaints. */
export type StepOutcome<T> = { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'complaints'; readonly complaints: readonly Complaint[] };

/** `ok` when there are no complaints, else the complaints (and `value` is never computed). */
export function outcome<T>(complaints: readonly Complaint[], value: () => T): StepOutcome<T> {
  return complaints.length === 0 ? { kind: 'ok', value: value() } : { kind: 'complaints', complaints };
}

/** The accused participants, each once, in the order first accused. */
export function accusedOf(complaints: readonly Complaint[]): ParticipantId[] {
  return [...new Set(complaints.map((c) => c.accused))];
}

/**
 * Sorts one round's messages by sender: exactly one expected from each of `expected`. A missing
 * or repeated sender is a complaint; a sender outside `expected` cannot be excluded by the
 * protocol, so it is an error (`crypto.protocol.unknown-sender`).
 */
export function collectBySender<M>(expected: readonly ParticipantId[], messages: readonly M[], senderOf: (message: M) => ParticipantId, round: string): { readonly bySender: Map<ParticipantId, M>; readonly complaints: Complaint[] } {
  const wanted = new Set(expected);
  const bySender = new Map<ParticipantId, M>();
  const complaints: Complaint[] = [];
  for (const message of messages) {
    const sender = senderOf(message);
    if (!wanted.has(sender)) throw permanentError('crypto.protocol.unknown-sender', `${round}: message from ${sender}, who is not expected in this round`, { context: { sender } });
    if (bySender.has(sender)) complaints.push({ accused: sender, reason: 'duplicate-message', detail: `${round}: more than one message from ${sender}` });
    else bySender.set(sender, message);
  }
  for (const id of expected) if (!bySender.has(id)) complaints.push({ accused: id, reason: 'missing-message', detail: `${round}: no message from ${id}` });
  return { bySender, complaints };
}

/**
 * Runs a check of `accused`'s message. When it throws a permanent {@link AuraError} (bad input),
 * records a complaint with that message and returns `undefined`; anything else propagates.
 */
export function blame<T>(complaints: Complaint[], accused: ParticipantId, reason: ComplaintReason, check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof AuraError) || error.kind !== 'permanent') throw error;
    complaints.push({ accused, reason, detail: error.message });
    return undefined;
  }
}
