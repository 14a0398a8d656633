/**
 * Benchmarks of the libp2p network layer: two devices on loopback, each sample on a fresh pair.
 * Round trip of a small message and sustained one-way throughput over `/aura/choreo/1`, each
 * beside a raw libp2p stream (same nodes, same TCP + Noise + Yamux, no Aura framing) measured in
 * the same run. Targets from the network issue: round trip at most 1 ms, at least 20,000
 * messages/s, overhead at most 1.5x the raw stream.
 *
 * The `session` benchmarks carry choreography messages: roles run by `runRole` over the
 * `ChannelTransport` (envelopes encoded as canonical DAG-CBOR, the session monitor checking every
 * message), beside a raw stream whose messages are as large as the encoded envelopes.
 */
import '../src/handlers/network/promise-with-resolvers.ts';
import { performance } from 'node:perf_hooks';
import type { Stream } from '@libp2p/interface';
import { introduce } from '../src/handlers/network/network-device.ts';
import { startLoopbackDevice, type LoggedDevice } from '../src/handlers/network/testing.ts';
import { randomIdentifier } from '../src/core/identifiers.ts';
import { NodeRandom } from '../src/handlers/random.ts';
import { ChannelTransport, encodeFrame, jump, protocol, rec, recv, runRole, send, seq, type ProjectedProtocol } from '../src/runtime/index.ts';
import type { Benchmark } from './harness.ts';

const ROUND_TRIPS = 300;
const MESSAGES = 20_000;
const SMALL = 64;
const RAW_PROTOCOL = '/aura-bench/raw/1';

/** Runs `measure` on a fresh pair of connected devices, then stops them. */
async function withPair(measure: (a: LoggedDevice, b: LoggedDevice) => Promise<number>): Promise<number> {
  const [a, b] = await Promise.all([startLoopbackDevice(), startLoopbackDevice()]);
  try {
    introduce(a, b);
    introduce(b, a);
    return await measure(a, b);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

/** A raw stream from A to B whose every chunk B hands to `onChunk` (with B's end of the stream). */
async function rawStream(a: LoggedDevice, b: LoggedDevice, onChunk: (stream: Stream, bytes: number) => void): Promise<Stream> {
  await b.node.handle(RAW_PROTOCOL, (stream) => {
    stream.addEventListener('message', (event) => {
      onChunk(stream, event.data.byteLength);
    });
  });
  return a.node.dialProtocol(b.addresses()[0]!, RAW_PROTOCOL); // a loopback device listens on one address
}

/** Mean microseconds per round trip of a small message over the choreography transport. */
function choreoRoundTrip(a: LoggedDevice, b: LoggedDevice): Promise<number> {
  const payload = new Uint8Array(SMALL);
  b.transport.onMessage((message) => void b.transport.send(message.from, message.channel, message.payload));
  let answered: (() => void) | undefined;
  a.transport.onMessage(() => answered?.());
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      answered = resolve;
      void a.transport.send(b.device, 'bench-rtt', payload);
    });
  return timeRoundTrips(once);
}

/** The same over a raw libp2p stream: B echoes each chunk of `size` bytes. */
async function rawRoundTrip(a: LoggedDevice, b: LoggedDevice, size = SMALL): Promise<number> {
  const payload = new Uint8Array(size);
  const stream = await rawStream(a, b, (echo) => void echo.send(payload));
  let answered: (() => void) | undefined;
  stream.addEventListener('message', () => answered?.());
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      answered = resolve;
      stream.send(payload);
    });
  return timeRoundTrips(once);
}

async function timeRoundTrips(once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await once(); // connection set up and warm
  const start = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await once();
  return ((performance.now() - start) * 1000) / ROUND_TRIPS;
}

/** Messages per second, A to B, until B has received all of them. */
function choreoThroughput(a: LoggedDevice, b: LoggedDevice): Promise<number> {
  return new Promise((resolve) => {
    const payload = new Uint8Array(SMALL);
    let received = 0;
    let start = 0;
    b.transport.onMessage(() => {
      if (++received === MESSAGES + 1) resolve((MESSAGES * 1000) / (performance.now() - start));
    });
    // One message first so that the connection exists before the clock starts.
    void a.transport.send(b.device, 'bench-warm', payload).then(() => {
      start = performance.now();
      for (let i = 0; i < MESSAGES; i++) void a.transport.send(b.device, 'bench-throughput', payload);
    });
  });
}

/** The same over a raw stream: length-prefixed messages of `size` bytes written one by one, waiting on drain. */
async function rawThroughput(a: LoggedDevice, b: LoggedDevice, size = SMALL): Promise<number> {
  const frame = new Uint8Array(4 + size);
  new DataView(frame.buffer).setUint32(0, size);
  const total = MESSAGES * frame.length;
  let bytes = 0;
  let done: (() => void) | undefined;
  const stream = await rawStream(a, b, (_stream, length) => {
    bytes += length;
    if (bytes >= total) done?.();
  });
  return new Promise((resolve) => {
    const start = performance.now();
    done = () => {
      resolve((MESSAGES * 1000) / (performance.now() - start));
    };
    void writeAll(stream, frame);
  });
}

async function writeAll(stream: Stream, frame: Uint8Array): Promise<void> {
  for (let i = 0; i < MESSAGES; i++) {
    if (!stream.send(frame)) await new Promise((resolve) => { stream.addEventListener('drain', resolve, { once: true }); });
  }
}

// rec L { A -> B: Ping(n: u64); B -> A: Pong(n: u64); continue L; }
const pingPong = protocol('BenchPingPong', {
  A: seq(rec('L', send('B', 'Ping', { n: 'u64' }), recv('B', 'Pong', { n: 'u64' }), jump('L'))),
  B: seq(rec('L', recv('A', 'Ping', { n: 'u64' }), send('A', 'Pong', { n: 'u64' }), jump('L'))),
});
// rec L { A -> B: Data(b: bytes); continue L; }
const stream = protocol('BenchStream', {
  A: seq(rec('L', send('B', 'Data', { b: 'bytes' }), jump('L'))),
  B: seq(rec('L', recv('A', 'Data', { b: 'bytes' }), jump('L'))),
});
const DATA = new Uint8Array(SMALL);

/** Bytes of one encoded envelope of `label` with `payload`, as the session benchmarks send it. */
function envelopeBytes(label: string, payload: Record<string, number | Uint8Array>): number {
  const session = randomIdentifier('session', new NodeRandom());
  return encodeFrame({ kind: 'message', session, protocol: pingPong.contentId, from: 'A', to: 'B', seq: 1_000, label, choice: null, payload }).length;
}

/** Runs A on device `a` and B on device `b` for `messages` messages each in a fresh session. */
async function runPair(proto: ProjectedProtocol, a: ChannelTransport, b: ChannelTransport, devices: readonly [LoggedDevice, LoggedDevice], messages: number): Promise<void> {
  const session = randomIdentifier('session', new NodeRandom());
  const roles = new Map([['A', devices[0].device], ['B', devices[1].device]]);
  a.addSession(session, roles);
  b.addSession(session, roles);
  let n = 0;
  const impl = { send: { Ping: () => ({ n: n++ }), Pong: () => ({ n: n++ }), Data: () => ({ b: DATA }) } };
  await Promise.all([runRole(proto, 'A', impl, a, { session, maxMessages: messages }), runRole(proto, 'B', impl, b, { session, maxMessages: messages })]);
  a.endSession(session);
  b.endSession(session);
}

/** Mean microseconds per round trip of Ping/Pong between two roles on two devices. */
function sessionRoundTrip(a: LoggedDevice, b: LoggedDevice): Promise<number> {
  return withSessions(a, b, async (ta, tb) => {
    await runPair(pingPong, ta, tb, [a, b], 40); // connection set up and warm
    const start = performance.now();
    await runPair(pingPong, ta, tb, [a, b], 2 * ROUND_TRIPS);
    return ((performance.now() - start) * 1000) / ROUND_TRIPS;
  });
}

/** Choreography messages per second from A to B, until B has received all of them. */
function sessionThroughput(a: LoggedDevice, b: LoggedDevice): Promise<number> {
  return withSessions(a, b, async (ta, tb) => {
    await runPair(stream, ta, tb, [a, b], 100);
    const start = performance.now();
    await runPair(stream, ta, tb, [a, b], MESSAGES);
    return (MESSAGES * 1000) / (performance.now() - start);
  });
}

async function withSessions<T>(a: LoggedDevice, b: LoggedDevice, measure: (ta: ChannelTransport, tb: ChannelTransport) => Promise<T>): Promise<T> {
  const ta = new ChannelTransport(a.transport);
  const tb = new ChannelTransport(b.transport);
  try {
    return await measure(ta, tb);
  } finally {
    ta.close();
    tb.close();
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'network/session round trip, Ping/Pong choreography messages',
    unit: 'µs',
    samples: 10,
    warmup: 2,
    target: '<= 1000 µs, ratio <= 1.5x',
    measure: () => withPair(sessionRoundTrip),
    baseline: { name: `raw libp2p stream echo, ${envelopeBytes('Ping', { n: 1_000 })}-byte messages (the encoded envelope)`, measure: () => withPair((a, b) => rawRoundTrip(a, b, envelopeBytes('Ping', { n: 1_000 }))) },
  },
  {
    name: 'network/session one-way throughput, 64-byte choreography payloads',
    unit: 'msgs/s',
    samples: 10,
    warmup: 2,
    target: '>= 20,000 msgs/s, ratio >= 0.67x',
    measure: () => withPair(sessionThroughput),
    baseline: { name: `raw libp2p stream, one write per ${envelopeBytes('Data', { b: DATA })}-byte message (the encoded envelope)`, measure: () => withPair((a, b) => rawThroughput(a, b, envelopeBytes('Data', { b: DATA }))) },
  },
  {
    name: 'network/choreo round trip, 64-byte message',
    unit: 'µs',
    samples: 10,
    warmup: 2,
    target: '<= 1000 µs, ratio <= 1.5x',
    measure: () => withPair(choreoRoundTrip),
    baseline: { name: 'raw libp2p stream echo', measure: () => withPair(rawRoundTrip) },
  },
  {
    name: 'network/choreo one-way throughput, 64-byte messages',
    unit: 'msgs/s',
    samples: 10,
    warmup: 2,
    target: '>= 20,000 msgs/s, ratio >= 0.67x',
    measure: () => withPair(choreoThroughput),
    baseline: { name: 'raw libp2p stream, one write per message', measure: () => withPair(rawThroughput) },
  },
];
