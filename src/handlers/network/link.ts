/**
 * The reliability state of one ordered pair of devices, kept apart from any socket so that its
 * laws can be tested directly: every message is delivered once, in send order, across any
 * sequence of dropped connections (see `link.test.ts`).
 *
 * The sender owns an {@link OutboundLink}: a random link id naming its sequence space, the next
 * sequence number, and a resend buffer of frames not yet acknowledged. The receiver keeps an
 * {@link InboundLink} per sender: which link id it follows and how far it has delivered.
 *
 * On each (re)connection the sender says HELLO(link); the receiver answers WELCOME(incarnation,
 * delivered), resetting its count to 0 for a link id it does not know. The sender drops what was
 * delivered and resends the rest in order. When the receiver's incarnation changed (it restarted
 * and forgot everything), the sender renumbers its unacknowledged frames from 1, so both sides
 * agree on the numbering again. Sequence numbers, acknowledgements and resending follow TCP's
 * cumulative-ACK scheme (RFC 9293 §3.4), lifted above the connection so it survives reconnects.
 *
 * @module
 */
import { bytesEqual } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { dataBodyLength, encodeDataFrame, LENGTH_PREFIX_BYTES } from './frame.ts';

/** One message waiting for its acknowledgement. */
interface Pending {
  /** Its sequence number in the current numbering. */
  seq: number;
  /** Encoded channel name. */
  readonly channel: Uint8Array;
  /** The payload. */
  readonly payload: Uint8Array;
  /** The DATA frame on the wire, length prefix included. */
  wire: Uint8Array;
}

/** The sender's side of an ordered pair: numbering, resend buffer, and what is written already. */
export class OutboundLink {
  private readonly pending: Pending[] = [];
  private nextSeq = 1;
  /** How many frames at the head of {@link pending} went out on the current connection. */
  private written = 0;
  private pendingBytes = 0;
  private remoteIncarnation: Uint8Array | undefined;

  /** @param link Random id of this sequence space (16 bytes), sent in HELLO. */
  constructor(readonly link: Uint8Array) {}

  /** Messages sent and not yet acknowledged. */
  get unacknowledged(): number {
    return this.pending.length;
  }

  /** Wire bytes of the unacknowledged messages. */
  get unacknowledgedBytes(): number {
    return this.pendingBytes;
  }

  /** True when some unacknowledged frame has not been written on the current connection. */
  get hasUnwritten(): boolean {
    return this.written < this.pending.length;
  }

  /** Numbers a message, encodes its DATA frame, and keeps it until acknowledged; returns its seq. */
  enqueue(channel: Uint8Array, payload: Uint8Array): number {
    const seq = this.nextSeq++;
    const wire = encodeDataFrame(seq, channel, payload);
    this.pending.push({ seq, channel, payload, wire });
    this.pendingBytes += wire.length;
    return seq;
  }

  /** The wire size of a message, to check it against the frame limit before enqueueing. */
  static frameBytes(channel: Uint8Array, payload: Uint8Array): number {
    return LENGTH_PREFIX_BYTES + dataBodyLength(channel, payload);
  }

  /**
   * Frames to write next on the current connection, up to about `maxBytes` (at least one frame
   * when any is unwritten), marked written.
   */
  takeUnwritten(maxBytes: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let bytes = 0;
    while (this.written < this.pending.length && (out.length === 0 || bytes < maxBytes)) {
      const wire = this.pending[this.written]!.wire; // written < length
      out.push(wire);
      bytes += wire.length;
      this.written++;
    }
    return out;
  }

  /**
   * Drops every message up to `seq`, which the receiver has delivered. Returns how many were
   * dropped. Acknowledging a number never sent is `network.ack-invalid`.
   */
  acknowledge(seq: number): number {
    const last = this.nextSeq - 1;
    if (seq > last) throw permanentError('network.ack-invalid', `acknowledgement of seq ${seq}, but only ${last} were sent on this link`, { context: { seq, last } });
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.seq <= seq) count++; // count < length
    if (count === 0) return 0;
    for (const dropped of this.pending.splice(0, count)) this.pendingBytes -= dropped.wire.length;
    this.written = Math.max(0, this.written - count);
    return count;
  }

  /** The connection dropped: everything unacknowledged must be written again on the next one. */
  disconnected(): void {
    this.written = 0;
  }

  /**
   * The receiver's WELCOME on a new connection. A new incarnation means it restarted: renumber
   * the unacknowledged frames from 1. Then drop what it delivered; the rest is written again.
   */
  welcomed(incarnation: Uint8Array, delivered: number): void {
    if (this.remoteIncarnation !== undefined && !bytesEqual(this.remoteIncarnation, incarnation)) this.renumber();
    this.remoteIncarnation = incarnation;
    this.written = 0;
    this.acknowledge(delivered);
  }

  private renumber(): void {
    this.pendingBytes = 0;
    this.pending.forEach((message, index) => {
      message.seq = index + 1;
      message.wire = encodeDataFrame(message.seq, message.channel, message.payload);
      this.pendingBytes += message.wire.length;
    });
    this.nextSeq = this.pending.length + 1;
  }
}

/** What the receiver does with an arriving DATA frame. */
export type Arrival = 'deliver' | 'duplicate';

/** The receiver's side of an ordered pair: which link it follows and how far it delivered. */
export class InboundLink {
  private delivered = 0;

  /** @param link The sender's link id from its HELLO. */
  constructor(readonly link: Uint8Array) {}

  /** The highest sequence number delivered (0: none). */
  get deliveredSeq(): number {
    return this.delivered;
  }

  /**
   * Whether to deliver the DATA frame numbered `seq`: the next one is delivered, an earlier one is
   * a resent duplicate. A later one means frames were skipped: `network.sequence-gap`.
   */
  arrive(seq: number): Arrival {
    if (seq <= this.delivered) return 'duplicate';
    if (seq !== this.delivered + 1) throw permanentError('network.sequence-gap', `DATA seq ${seq} arrived after ${this.delivered}: frames were skipped`, { context: { seq, delivered: this.delivered } });
    this.delivered = seq;
    return 'deliver';
  }
}
