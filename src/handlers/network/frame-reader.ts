/**
 * Splits a byte stream into frame bodies by their 4-byte big-endian length prefix (see
 * `frame.ts`), however the bytes were cut into chunks by TCP, Noise and Yamux.
 *
 * Limits are checked on the prefix alone, before any body byte is buffered, so an oversized frame
 * costs the receiver four bytes, not a megabyte: `network.frame-oversized` (length above the
 * maximum), `network.frame-malformed` (length 0). A stream that ends inside a frame is
 * `network.frame-truncated` ({@link FrameReader.finish}).
 *
 * @module
 */
import { concat } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { LENGTH_PREFIX_BYTES } from './frame.ts';

const EMPTY = new Uint8Array(0);

/** Incremental length-prefix decoder with a maximum body size. */
export class FrameReader {
  private pending: Uint8Array = EMPTY;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** The complete frame bodies in what has arrived so far, `chunk` included, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    let data = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const bodies: Uint8Array[] = [];
    while (data.length >= LENGTH_PREFIX_BYTES) {
      const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
      if (length === 0) throw permanentError('network.frame-malformed', 'frame with an empty body (length prefix 0)');
      if (length > this.maxFrameBytes) {
        throw permanentError('network.frame-oversized', `frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes} bytes`, { context: { length, limit: this.maxFrameBytes } });
      }
      if (data.length < LENGTH_PREFIX_BYTES + length) break;
      bodies.push(data.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + length));
      data = data.subarray(LENGTH_PREFIX_BYTES + length);
    }
    // Copy the remainder so that a small leftover never pins a large chunk in memory.
    this.pending = data.length === 0 ? EMPTY : data.slice();
    return bodies;
  }

  /** Checks that the stream ended on a frame boundary. */
  finish(): void {
    if (this.pending.length > 0) {
      throw permanentError('network.frame-truncated', `stream ended inside a frame (${this.pending.length} bytes of an incomplete frame)`, { context: { buffered: this.pending.length } });
    }
  }
}
