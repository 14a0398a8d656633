/**
 * `examples/choreo/streaming.choreo`, driven: the producer streams a byte string in chunks (the
 * `loop (decides: Producer)`), the consumer stores each chunk (a local action) and reports the
 * total it stored.
 *
 * @module
 */
import { concat } from '../../src/core/bytes.ts';
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** What the consumer ended with. */
export interface Streamed {
  /** The bytes the consumer stored, in order. */
  readonly stored: Uint8Array;
  /** Chunks the producer said it sent. */
  readonly chunks: number;
  /** The total the consumer reported back. */
  readonly total: number;
}

/** Streams `data` in chunks of `chunkSize` bytes. */
export async function streaming(name: string, data: Uint8Array, chunkSize: number, options: ExampleRunOptions = {}): Promise<Streamed> {
  let offset = 0;
  let sent = 0;
  let total: number | undefined;
  const parts: Uint8Array[] = [];
  let pending: Uint8Array | undefined;
  let chunks = 0;
  const producer: RoleImpl = {
    send: {
      Start: () => ({ name }),
      Chunk: () => {
        const chunk = data.subarray(offset, offset + chunkSize);
        offset += chunk.length;
        sent++;
        return { data: chunk };
      },
      End: () => ({ chunks: sent }),
    },
    select: () => (offset < data.length ? 'continue' : 'done'),
    recv: { Done: (payload) => (total = (payload as { total: number }).total) },
  };
  const consumer: RoleImpl = {
    recv: { Chunk: (payload) => (pending = (payload as { data: Uint8Array }).data), End: (payload) => (chunks = (payload as { chunks: number }).chunks) },
    local: {
      Store: () => {
        if (pending !== undefined) parts.push(pending);
      },
    },
    send: { Done: () => ({ total: parts.reduce((sum, part) => sum + part.length, 0) }) },
  };
  await runToEnd(loadExample('streaming'), { Producer: producer, Consumer: consumer }, options);
  if (total === undefined) throw new Error('the producer got no Done');
  return { stored: concat(...parts), chunks, total };
}
