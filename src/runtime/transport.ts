/**
 * The transport contract of the choreography runtime. The in-memory transports of this folder,
 * the deterministic simulator's network (`src/sim/`) and the libp2p transport
 * (`src/handlers/network/`) all implement it, so a role runs unchanged on any of them.
 *
 * The contract is deliberately small:
 *
 * - A role opens a {@link Port} for one session with {@link Transport.open}, handing over the
 *   {@link Receiver} that gets every frame addressed to it in that session.
 * - {@link Port.send} hands one {@link Frame} (an envelope or an abort notice) towards
 *   `frame.to` in the port's session. The port's session is the *channel*: a byte transport
 *   routes by it (a stream per session, say) and must not trust the session id written inside
 *   the frame; the runtime's monitor compares the two and rejects a mismatch.
 * - Delivery is FIFO per ordered pair of roles within a session. Frames sent to a role that has
 *   not opened its port yet are held until it does; frames for a closed port are dropped.
 * - {@link Receiver.deliver} may be called synchronously from inside another port's `send`, so
 *   a receiver only records the frame and wakes its waiters; it never runs role code in place.
 * - What a transport cannot turn into a frame for an open port (garbage bytes, an oversized
 *   frame, a broken link) goes to {@link Receiver.fail} as a typed `AuraError`: the runtime then
 *   aborts that session, and only that one.
 * - `send` returns `undefined` when the frame was handed over synchronously (the in-memory case,
 *   so the hot path allocates no promise), or a promise that settles when the transport accepted
 *   the frame. A transient failure (peer not reachable yet) is an `AuraError` of kind
 *   `transient`, which the retry middleware retries; anything else stops the session.
 *
 * In-process transports hand frame objects over without copying or serializing them; byte
 * transports encode with `encodeFrame` and decode with `decodeFrame` (`envelope-codec.ts`).
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { AuraError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';
import type { Frame } from './frame.ts';

/** Where a transport hands the frames addressed to one role in one session. */
export interface Receiver {
  /** A frame for this role arrived (in order per sender). Must only record it. */
  deliver(frame: Frame): void;
  /** Something arrived for this role that is no frame, or the link broke. */
  fail(error: AuraError): void;
}

/** One role's open endpoint in one session. */
export interface Port {
  /**
   * Sends `frame` to `frame.to` in this port's session. Returns `undefined` when done at once,
   * or a promise that settles when the transport took the frame (rejecting with an `AuraError`).
   */
  send(frame: Frame): Promise<void> | undefined;
  /** Stops delivery to this port's receiver and releases the endpoint. Idempotent. */
  close(): void;
}

/** Carries frames between the roles of many concurrent sessions. */
export interface Transport {
  /**
   * Opens `role`'s endpoint in `session`; frames addressed to it go to `receiver`, starting with
   * any held for it, which may be delivered before `open` returns. Opening the same role twice in
   * one session is `transport.already-open`.
   */
  open(session: SessionId, role: RoleName, receiver: Receiver): Port;
}

/** A function that wraps a transport with extra behaviour (middleware). */
export type TransportMiddleware = (inner: Transport) => Transport;

/** Applies middleware to `transport`, the first in the list outermost. */
export function composeTransport(transport: Transport, ...middleware: readonly TransportMiddleware[]): Transport {
  return middleware.reduceRight((inner, wrap) => wrap(inner), transport);
}
