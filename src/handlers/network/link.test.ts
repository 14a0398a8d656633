import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, utf8 } from '../../core/bytes.ts';
import { decodeFrameBody, LENGTH_PREFIX_BYTES } from './frame.ts';
import { InboundLink, OutboundLink } from './link.ts';

/** One step of a run: send messages, move frames, lose the connection, or restart the receiver. */
type Step = { kind: 'send'; count: number } | { kind: 'write'; bytes: number } | { kind: 'arrive'; count: number } | { kind: 'ack' } | { kind: 'drop' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('write' as const), bytes: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('arrive' as const), count: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'ack' as const }),
  fc.constant({ kind: 'drop' as const }),
);

const channel = utf8('session-a');
const incarnation = new Uint8Array(16).fill(1);

/**
 * Runs a sender and a receiver over a lossy connection: frames written are in flight until they
 * arrive; a drop loses everything in flight; each new connection starts with HELLO/WELCOME.
 * Returns the payload numbers delivered and the number sent.
 */
function run(steps: readonly Step[]): { delivered: number[]; sent: number; outbound: OutboundLink } {
  const outbound = new OutboundLink(new Uint8Array(16).fill(7));
  let inbound = new InboundLink(outbound.link);
  const delivered: number[] = [];
  let inFlight: Uint8Array[] = [];
  let sent = 0;
  const reconnect = (): void => {
    if (!bytesEqual(inbound.link, outbound.link)) inbound = new InboundLink(outbound.link);
    outbound.welcomed(incarnation, inbound.deliveredSeq);
  };
  const arrive = (count: number): void => {
    for (const wire of inFlight.splice(0, count)) {
      const frame = decodeFrameBody(wire.subarray(LENGTH_PREFIX_BYTES));
      if (frame.type !== 'data') throw new Error(`a ${frame.type} frame in the DATA stream`);
      if (inbound.arrive(frame.seq) === 'deliver') delivered.push(frame.payload[0]!); // payloads are one byte
    }
  };
  reconnect();
  for (const step of steps) {
    if (step.kind === 'send') for (let i = 0; i < step.count; i++) outbound.enqueue(channel, new Uint8Array([sent++ % 256]));
    else if (step.kind === 'write') inFlight.push(...outbound.takeUnwritten(step.bytes));
    else if (step.kind === 'arrive') arrive(step.count);
    else if (step.kind === 'ack') outbound.acknowledge(inbound.deliveredSeq);
    else {
      inFlight = [];
      outbound.disconnected();
      reconnect();
    }
  }
  // A final, healthy connection drains everything.
  inFlight = [];
  outbound.disconnected();
  reconnect();
  inFlight.push(...outbound.takeUnwritten(Number.POSITIVE_INFINITY));
  arrive(inFlight.length);
  outbound.acknowledge(inbound.deliveredSeq);
  return { delivered, sent, outbound };
}

test('across any pattern of dropped connections, every message is delivered once and in order', () => {
  fc.assert(
    fc.property(fc.array(stepArbitrary, { maxLength: 60 }), (steps) => {
      const { delivered, sent, outbound } = run(steps);
      assert.deepEqual(
        delivered,
        Array.from({ length: sent }, (_, i) => i % 256),
      );
      assert.equal(outbound.unacknowledged, 0);
      assert.equal(outbound.unacknowledgedBytes, 0);
    }),
  );
});

test('a restarted receiver gets the unacknowledged messages renumbered from 1', () => {
  const outbound = new OutboundLink(new Uint8Array(16));
  for (let i = 0; i < 5; i++) outbound.enqueue(channel, new Uint8Array([i]));
  outbound.welcomed(incarnation, 0);
  outbound.acknowledge(2);
  outbound.disconnected();
  outbound.welcomed(new Uint8Array(16).fill(2), 0); // a new incarnation that knows nothing
  const fresh = new InboundLink(outbound.link);
  const payloads = outbound.takeUnwritten(Number.POSITIVE_INFINITY).map((wire) => decodeFrameBody(wire.subarray(LENGTH_PREFIX_BYTES)));
  assert.deepEqual(
    payloads.map((frame) => (frame.type === 'data' ? [frame.seq, frame.payload[0]] : [])),
    [
      [1, 2],
      [2, 3],
      [3, 4],
    ],
  );
  for (const frame of payloads) if (frame.type === 'data') assert.equal(fresh.arrive(frame.seq), 'deliver');
  assert.equal(outbound.enqueue(channel, new Uint8Array([5])), 4);
});

test('a duplicate is recognised and a gap is refused', () => {
  const inbound = new InboundLink(new Uint8Array(16));
  assert.equal(inbound.arrive(1), 'deliver');
  assert.equal(inbound.arrive(1), 'duplicate');
  assert.throws(() => inbound.arrive(3), (error: unknown) => (error as { code?: string }).code === 'network.sequence-gap');
});

test('acknowledging a frame never sent is refused', () => {
  const outbound = new OutboundLink(new Uint8Array(16));
  outbound.enqueue(channel, new Uint8Array(1));
  assert.throws(() => outbound.acknowledge(2), /only 1 were sent/);
  assert.throws(() => { outbound.welcomed(incarnation, 5); }, (error: unknown) => (error as { code?: string }).code === 'network.ack-invalid');
});
