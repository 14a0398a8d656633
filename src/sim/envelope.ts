/**
 * A message in flight on the simulated network: an opaque payload with its routing, size and
 * causal stamp. Payloads are any value and are treated as immutable; corruption works on a copy.
 *
 * @module
 */
import type { CausalStamp } from './trace.ts';

/** Size assumed for a payload that is neither bytes nor text, when the sender gives none. */
export const DEFAULT_MESSAGE_SIZE = 64;

/** A message between two simulated nodes. */
export interface Envelope {
  /** Unique id within a run (a duplicate keeps its original's id). */
  readonly id: number;
  /** Sender node. */
  readonly from: string;
  /** Recipient node. */
  readonly to: string;
  /** The message itself. */
  readonly payload: unknown;
  /** Size in bytes, for bandwidth. */
  readonly size: number;
  /** A label for traces and diagnosis (`Request`, `Ack`…). */
  readonly label?: string;
  /** Virtual time of the send. */
  readonly sentAt: number;
  /** The sender's causal stamp, when tracing. */
  readonly stamp?: CausalStamp;
}

/** Options of a send. */
export interface SendOptions {
  /** Size in bytes; by default the length of bytes or text, else {@link DEFAULT_MESSAGE_SIZE}. */
  readonly size?: number;
  /** A label for traces and diagnosis. */
  readonly label?: string;
}

/** The size of `payload` when the sender did not give one. */
export function payloadSize(payload: unknown): number {
  if (payload instanceof Uint8Array) return payload.byteLength;
  if (typeof payload === 'string') return payload.length;
  return DEFAULT_MESSAGE_SIZE;
}
