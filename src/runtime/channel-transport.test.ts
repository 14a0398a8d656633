// The choreography transport over real libp2p devices on 127.0.0.1, and its bad input at the
// envelope level: frames for unknown sessions, from outsiders, with a spoofed sender role, or
// garbage from a participant. Each is logged; only a participant's misbehaviour fails a session.
import '../handlers/network/promise-with-resolvers.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { protocolLibrary } from '../cli/protocol-library.ts';
import { introduce } from '../handlers/network/network-device.ts';
import { startLoopbackDevice, waitUntil, type LoggedDevice } from '../handlers/network/testing.ts';
import { SeededRandom } from '../handlers/random.ts';
import { ChannelTransport, type ChannelRejection } from './channel-transport.ts';
import { encodeFrame } from './envelope-codec.ts';
import type { Envelope } from './frame.ts';
import { randomImpl } from './random-impl.ts';
import { runRole } from './run-role.ts';

const ring = protocolLibrary()('ring.choreo', { N: 3 });
const random = new SeededRandom('channel-transport');
const devices = await Promise.all([0, 1, 2, 3].map(() => startLoopbackDevice()));
const [a, b, c, outsider] = devices as [LoggedDevice, LoggedDevice, LoggedDevice, LoggedDevice];
for (const device of devices) introduce(device, ...devices.filter((other) => other !== device));
const rejections: ChannelRejection[] = [];
const transports = devices.map((device) => new ChannelTransport(device.transport, { log: (rejection) => rejections.push(rejection) }));
const [ta, tb, tc] = transports as [ChannelTransport, ChannelTransport, ChannelTransport];

after(async () => {
  for (const transport of transports) transport.close();
  await Promise.all(devices.map((device) => device.stop()));
});

function newRing(): { session: ReturnType<typeof randomIdentifier<'session'>>; roles: Map<string, LoggedDevice['device']> } {
  const session = randomIdentifier('session', random);
  const roles = new Map([['Node[0]', a.device], ['Node[1]', b.device], ['Node[2]', c.device]]);
  for (const transport of [ta, tb, tc]) transport.addSession(session, roles);
  return { session, roles };
}

function token(session: Envelope['session'], from: string, to: string): Uint8Array {
  return encodeFrame({ kind: 'message', session, protocol: ring.contentId, from, to, seq: 0, label: 'Token', choice: null, payload: { hops: 1 } });
}

test('a ring runs over three devices through the transport; the session is forgotten when it ends', async () => {
  const { session } = newRing();
  const results = await Promise.all(
    ([[ta, 'Node[0]'], [tb, 'Node[1]'], [tc, 'Node[2]']] as const).map(([transport, role]) => runRole(ring, role, randomImpl(ring, role, random), transport, { session })),
  );
  assert.deepEqual(results.map((result) => result.status), ['ended', 'ended', 'ended']);
  for (const transport of [ta, tb, tc]) transport.endSession(session);
  assert.equal(ta.sessionCount, 0);
});

test('frames for an unknown session and from an outsider are dropped and logged; the session is undisturbed', async () => {
  const { session } = newRing();
  const unknown = randomIdentifier('session', random);
  await outsider.transport.send(a.device, unknown, token(unknown, 'Node[2]', 'Node[0]'));
  await outsider.transport.send(a.device, session, token(session, 'Node[2]', 'Node[0]'));
  await waitUntil(() => rejections.filter((r) => r.device === outsider.device).length === 2, 'both frames to be refused');
  assert.deepEqual(rejections.filter((r) => r.device === outsider.device).map((r) => [r.code, r.channel]), [['session.unknown', unknown], ['session.outsider', session]]);
  const results = await Promise.all(
    ([[ta, 'Node[0]'], [tb, 'Node[1]'], [tc, 'Node[2]']] as const).map(([transport, role]) => runRole(ring, role, randomImpl(ring, role, random), transport, { session })),
  );
  assert.deepEqual(results.map((result) => result.status), ['ended', 'ended', 'ended']);
});

test('a participant claiming another role fails the session with session.sender-spoofed', async () => {
  const { session } = newRing();
  // B plays Node[1] and claims to be Node[2], whose token Node[0] waits for.
  const waiting = runRole(ring, 'Node[0]', { send: { Token: () => ({ hops: 0 }) } }, ta, { session });
  await b.transport.send(a.device, session, token(session, 'Node[2]', 'Node[0]'));
  await assert.rejects(waiting, (error) => isAuraError(error, 'session.sender-spoofed') && error.message.includes('claiming to be role Node[2]'));
  assert.ok(rejections.some((r) => r.code === 'session.sender-spoofed' && r.device === b.device && r.channel === session));
});

test('garbage from a participant fails only its session', async () => {
  const broken = newRing();
  const healthy = newRing();
  const waiting = runRole(ring, 'Node[1]', { send: { Token: () => ({ hops: 0 }) } }, tb, { session: broken.session });
  await a.transport.send(b.device, broken.session, new Uint8Array([0xff, 0x00, 0x13]));
  await assert.rejects(waiting, (error) => isAuraError(error) && error.code.startsWith('cbor.'));
  const results = await Promise.all(
    ([[ta, 'Node[0]'], [tb, 'Node[1]'], [tc, 'Node[2]']] as const).map(([transport, role]) => runRole(ring, role, randomImpl(ring, role, random), transport, { session: healthy.session })),
  );
  assert.deepEqual(results.map((result) => result.status), ['ended', 'ended', 'ended']);
});

test('registering a session this device plays no role in, or twice, is refused', () => {
  const session = randomIdentifier('session', random);
  const roles = new Map([['Node[0]', b.device]]);
  assert.throws(() => { ta.addSession(session, roles); }, (error) => isAuraError(error, 'session.not-a-participant'));
  tb.addSession(session, roles);
  assert.throws(() => { tb.addSession(session, roles); }, (error) => isAuraError(error, 'session.already-registered'));
  assert.throws(() => ta.open(session, 'Node[0]', { deliver: () => undefined, fail: () => undefined }), (error) => isAuraError(error, 'session.not-local'));
});
