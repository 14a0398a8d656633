/**
 * An in-memory transport that carries *bytes*, as a network does: every frame is encoded with
 * {@link encodeFrame} by the sender and decoded with {@link decodeFrame} at the receiving end,
 * where anything that does not decode goes to {@link Receiver.fail}. It measures the cost of
 * canonical encoding and lets tests tamper with the bytes on the way (`tamper`).
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { toAuraError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';
import { decodeFrame, encodeFrame, type FrameLimits } from './envelope-codec.ts';
import { MemoryHub } from './memory-hub.ts';
import type { Port, Receiver, Transport } from './transport.ts';

/** Changes the bytes of one frame in flight: return them (changed or not), or `null` to drop. */
export type BytesTamper = (bytes: Uint8Array, session: SessionId, from: RoleName, to: RoleName) => Uint8Array | null;

/** Options of a {@link BytesMemoryTransport}. */
export interface BytesTransportOptions extends FrameLimits {
  /** Called on every frame's bytes between sender and receiver (tests only). */
  readonly tamper?: BytesTamper;
}

/** Frames between roles in one process, encoded to canonical bytes and decoded on arrival. */
export class BytesMemoryTransport implements Transport {
  private readonly hub = new MemoryHub<Uint8Array>();

  constructor(private readonly options: BytesTransportOptions = {}) {}

  open(session: SessionId, role: RoleName, receiver: Receiver): Port {
    const { tamper } = this.options;
    const port = this.hub.open(session, role, (bytes) => {
      let frame;
      try {
        frame = decodeFrame(bytes, this.options);
      } catch (error) {
        receiver.fail(toAuraError(error));
        return;
      }
      receiver.deliver(frame);
    });
    return {
      send: (frame) => {
        const bytes = encodeFrame(frame, this.options);
        const delivered = tamper === undefined ? bytes : tamper(bytes, session, role, frame.to);
        if (delivered !== null) port.send(frame.to, delivered);
        return undefined;
      },
      close: () => {
        port.close();
      },
    };
  }
}
