import './promise-with-resolvers.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Stream } from '@libp2p/interface';
import { concat } from '../../core/bytes.ts';
import { isAuraError } from '../../core/errors.ts';
import { randomIdentifier } from '../../core/identifiers.ts';
import { NodeRandom } from '../random.ts';
import type { ChoreoMessage } from './choreo-transport.ts';
import { CHOREO_PROTOCOL, encodeFrame } from './frame.ts';
import { createAuraLibp2p, type AuraLibp2p } from './libp2p-node.ts';
import { introduce, peerEntryOfAddress } from './network-device.ts';
import { deviceIdOfPeer } from './peer-identity.ts';
import { startLoopbackDevice, waitUntil, type LoggedDevice } from './testing.ts';

// Generous enough that a loaded machine never starves a live peer past them; tests that wait for
// a timeout to fire wait this long.
const LIVENESS_MS = 2500;
const limits = { livenessTimeoutMs: LIVENESS_MS, helloTimeoutMs: 1000, maxFrameBytes: 4096 };
let a: LoggedDevice;
let b: LoggedDevice;
const atB: ChoreoMessage[] = [];

before(async () => {
  [a, b] = await Promise.all([startLoopbackDevice({ limits }), startLoopbackDevice({ limits })]);
  introduce(a, b);
  introduce(b, a);
  b.transport.onMessage((message) => atB.push(message));
});

after(async () => {
  await Promise.all([a.stop(), b.stop(), rogue?.stop()]);
});

function payload(n: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

function number(message: ChoreoMessage): number {
  return new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0);
}

/** Messages from A at B on `channel`, as numbers. */
function received(channel: string): number[] {
  return atB.filter((m) => m.from === a.device && m.channel === channel).map(number);
}

/**
 * A bare libp2p node that speaks the protocol by hand, to misbehave. One node serves every such
 * test, each on a new stream of the same connection (libp2p limits new connections per second).
 */
let rogue: AuraLibp2p | undefined;
async function rawStream(): Promise<{ node: AuraLibp2p; stream: Stream }> {
  rogue ??= await createAuraLibp2p({ deviceKey: new NodeRandom().randomBytes(32) });
  const stream = await rogue.dialProtocol(b.addresses()[0]!, CHOREO_PROTOCOL); // B listens on one address
  return { node: rogue, stream };
}

async function closedWith(code: string, act: (stream: Stream) => void): Promise<void> {
  const { stream } = await rawStream();
  act(stream);
  await waitUntil(() => b.logs.some((entry) => entry.code === code && entry.event === 'stream-closed'), `a stream closed with ${code}`);
  await waitUntil(() => stream.status !== 'open', 'the offending stream to close');
}

test('messages on many channels arrive once each, in send order per pair', async () => {
  const channels = ['session-1', 'session-2', 'session-3'];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) sends.push(a.transport.send(b.device, channels[i % 3]!, payload(i))); // i % 3 < 3
  await Promise.all(sends);
  await waitUntil(() => channels.every((c) => received(c).length === 100), 'all 300 messages');
  channels.forEach((channel, c) => { assert.deepEqual(received(channel), Array.from({ length: 100 }, (_, i) => 3 * i + c)); });
  await waitUntil(() => a.transport.unacknowledged(b.device) === 0, 'every message acknowledged');
});

test('a connection dropped mid-stream loses and duplicates nothing', async () => {
  const connections = a.transport.statistics.connections;
  const sends: Promise<void>[] = [];
  const big = (i: number): Uint8Array => concat(payload(i), new Uint8Array(3000));
  for (let i = 0; i < 3000; i++) sends.push(a.transport.send(b.device, 'reconnect', big(i)));
  await waitUntil(() => received('reconnect').length > 200, 'the stream to be under way');
  assert.ok(received('reconnect').length < 3000, 'the connection drops mid-stream');
  await a.node.hangUp(b.node.peerId);
  await Promise.all(sends);
  await waitUntil(() => received('reconnect').length >= 3000, 'all 3000 messages after the reconnection');
  assert.ok(a.transport.statistics.connections > connections, 'A reconnected');
  assert.deepEqual(
    received('reconnect'),
    Array.from({ length: 3000 }, (_, i) => i),
  );
});

test('a peer claiming another device is refused and logged; the real device still gets through', async () => {
  await closedWith('network.sender-spoofed', (stream) => {
    stream.send(encodeFrame({ type: 'hello', link: new Uint8Array(16), device: a.device }));
  });
  assert.match(b.logs.find((entry) => entry.code === 'network.sender-spoofed')?.message ?? '', /claims to be device/);
  await a.transport.send(b.device, 'after-spoof', payload(1));
  await waitUntil(() => received('after-spoof').length === 1, 'the genuine message');
});

test('an oversized frame closes the stream from its length prefix', async () => {
  await closedWith('network.frame-oversized', (stream) => {
    stream.send(new Uint8Array([0, 0, 0x10, 0x01]));
  });
});

test('garbage bytes close the stream as malformed', async () => {
  await closedWith('network.frame-malformed', (stream) => {
    stream.send(new Uint8Array([0, 0, 0, 3, 0xde, 0xad, 0xbe]));
  });
});

test('a stream that ends inside a frame is reported truncated', async () => {
  await closedWith('network.frame-truncated', (stream) => {
    stream.send(encodeFrame({ type: 'ping' }).subarray(0, 3));
    void stream.close();
  });
});

test('a frame out of place (DATA before HELLO) is refused', async () => {
  await closedWith('network.unexpected-frame', (stream) => {
    stream.send(encodeFrame({ type: 'data', seq: 1, channel: 'x', payload: new Uint8Array(1) }));
  });
});

test('a sequence gap is refused', async () => {
  const { node, stream } = await rawStream();
  const self = deviceIdOfPeer(node.peerId)!; // the raw node has an Ed25519 key
  const hello = encodeFrame({ type: 'hello', link: new Uint8Array(16).fill(3), device: self });
  stream.send(concat(hello, encodeFrame({ type: 'data', seq: 2, channel: 'x', payload: new Uint8Array(1) })));
  await waitUntil(() => b.logs.some((entry) => entry.code === 'network.sequence-gap'), 'the gap to be refused');
});

test('a stream that never says HELLO is closed after the hello timeout', async () => {
  await closedWith('network.hello-timeout', () => undefined);
});

test('a peer opening streams it never uses is capped and cleaned up, and others are served meanwhile', async () => {
  rogue ??= await createAuraLibp2p({ deviceKey: new NodeRandom().randomBytes(32) });
  const node = rogue;
  const before = b.logs.filter((entry) => entry.code === 'network.hello-timeout').length;
  const streams = await Promise.all(Array.from({ length: 8 }, () => node.dialProtocol(b.addresses()[0]!, CHOREO_PROTOCOL))); // B listens on one address
  await a.transport.send(b.device, 'while-flooded', payload(7));
  await waitUntil(() => received('while-flooded').length === 1, 'a genuine message while the idle streams are open');
  await waitUntil(() => streams.every((stream) => stream.status !== 'open'), 'every idle stream to be closed');
  const timedOut = b.logs.filter((entry) => entry.code === 'network.hello-timeout').length - before;
  // libp2p resets the streams beyond B's limit at once; B closes the rest when they fail to say HELLO.
  assert.ok(timedOut >= 1 && timedOut <= 4, `${timedOut} idle streams were accepted on one connection`);
});

test('a peer that never reads: its sends back up, it is reported gone, others are not starved', async () => {
  const silent = await createAuraLibp2p({ deviceKey: new NodeRandom().randomBytes(32) });
  const opened: Stream[] = [];
  // It accepts the stream and never reads a byte, never answers HELLO.
  await silent.handle(CHOREO_PROTOCOL, (stream) => void opened.push(stream));
  const entry = peerEntryOfAddress(silent.getMultiaddrs()[0]!.toString()); // it listens on one address
  a.directory.register(entry);
  const gone: string[] = [];
  const unsubscribe = a.transport.onPeerGone((event) => gone.push(event.reason));
  const stuck: Promise<unknown>[] = [];
  try {
    for (let i = 0; i < 5000; i++) stuck.push(a.transport.send(entry.device, 'flood', new Uint8Array(1000)).catch((error: unknown) => error));
    // Meanwhile A's traffic to B flows.
    for (let i = 0; i < 50; i++) await a.transport.send(b.device, 'meanwhile', payload(i));
    await waitUntil(() => received('meanwhile').length === 50, 'traffic to B while the silent peer is stuck');
    await waitUntil(() => gone.length > 0, 'the silent peer to be reported gone');
    assert.match(gone[0] ?? '', /liveness timeout/);
    const outcomes = await Promise.all(stuck);
    assert.ok(outcomes.some((outcome) => isAuraError(outcome, 'network.peer-gone')), 'sends waiting on the full window fail with network.peer-gone');
    assert.ok(a.logs.some((log) => log.event === 'peer-gone' && log.device === entry.device));
  } finally {
    unsubscribe();
    await silent.stop();
  }
});

test('a stopped peer is reported gone after the liveness timeout', async () => {
  const c = await startLoopbackDevice({ limits });
  introduce(a, c);
  introduce(c, a);
  await a.transport.send(c.device, 'x', payload(1));
  await waitUntil(() => a.transport.unacknowledged(c.device) === 0, 'the message to be acknowledged');
  const gone = new Promise<{ reason: string; at: number }>((resolve) => {
    const unsubscribe = a.transport.onPeerGone((event) => {
      if (event.device !== c.device) return;
      unsubscribe();
      resolve({ reason: event.reason, at: Date.now() });
    });
  });
  const stoppedAt = Date.now();
  await c.node.stop();
  const event = await gone;
  await c.transport.stop();
  assert.match(event.reason, new RegExp(`no frame from it for \\d+ ms \\(liveness timeout ${LIVENESS_MS} ms\\)`));
  assert.ok(event.at - stoppedAt >= LIVENESS_MS - 50, 'not reported before the timeout');
});

test('bad sends are refused before touching the network', async () => {
  const unknown = randomIdentifier('device', new NodeRandom());
  await assert.rejects(a.transport.send(unknown, 'x', payload(1)), (error: unknown) => isAuraError(error, 'network.unknown-device'));
  await assert.rejects(a.transport.send(a.device, 'x', payload(1)), (error: unknown) => isAuraError(error, 'network.self-send'));
  await assert.rejects(a.transport.send(b.device, 'x', new Uint8Array(5000)), (error: unknown) => isAuraError(error, 'network.frame-too-large'));
  await assert.rejects(a.transport.send(b.device, '', payload(1)), (error: unknown) => isAuraError(error, 'network.bad-channel'));
});
