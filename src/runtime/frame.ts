/**
 * What travels between the roles of a session: an {@link Envelope} carrying one protocol message,
 * or an {@link AbortNotice} telling a peer the session is over. Both are plain data, handed over
 * as objects by in-process transports and encoded as canonical DAG-CBOR by byte transports
 * (`envelope-codec.ts`).
 *
 * Source: issue 4 ("Wire envelope") and `docs/runtime.md`.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { CanonicalValue } from '../core/canonical.ts';
import type { SessionId } from '../core/identifiers.ts';

/** One protocol message from `from` to `to` in a session. */
export interface Envelope {
  /** Tells an envelope from an abort notice. */
  readonly kind: 'message';
  /** The session this message belongs to. */
  readonly session: SessionId;
  /** Content id (CID text) of the checked protocol both sides run. */
  readonly protocol: string;
  /** Sending role. */
  readonly from: RoleName;
  /** Receiving role. */
  readonly to: RoleName;
  /** Position of this message among those from `from` to `to` in this session, from 0. */
  readonly seq: number;
  /** Message label, e.g. `Ping`. */
  readonly label: string;
  /** Branch labels this message carries (outermost choice first), or `null` when it carries none. */
  readonly choice: readonly string[] | null;
  /** The payload in wire form (a canonical value; `null` for a bare label). */
  readonly payload: CanonicalValue;
}

/** Tells `to` that `from` stopped the session, and why. Not sequenced: it overtakes nothing. */
export interface AbortNotice {
  /** Tells an abort notice from an envelope. */
  readonly kind: 'abort';
  /** The session that is aborted. */
  readonly session: SessionId;
  /** Content id of the protocol. */
  readonly protocol: string;
  /** The role that stopped. */
  readonly from: RoleName;
  /** The role told. */
  readonly to: RoleName;
  /** The error code that stopped `from` (e.g. `runtime.violation.wrong-label`). */
  readonly code: string;
  /** The error message, for people. */
  readonly reason: string;
}

/** Anything a transport carries. */
export type Frame = Envelope | AbortNotice;
