// Sessions between real libp2p devices on 127.0.0.1: started by invitation, many at once, refused
// invitations, and a device that goes away in the middle of a session.
import '../handlers/network/promise-with-resolvers.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { protocolLibrary } from '../cli/protocol-library.ts';
import { introduce } from '../handlers/network/network-device.ts';
import { startLoopbackDevice, waitUntil, type LoggedDevice } from '../handlers/network/testing.ts';
import { WallClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { SessionHost, type SessionEvent } from './session-host.ts';

// Generous, so a loaded machine never starves a live peer past it; the gone-peer test waits this long.
const LIVENESS_MS = 3000;
const load = protocolLibrary();
const devices = await Promise.all([0, 1, 2].map(() => startLoopbackDevice({ limits: { livenessTimeoutMs: LIVENESS_MS } })));
const [a, b, c] = devices as [LoggedDevice, LoggedDevice, LoggedDevice];
for (const device of devices) introduce(device, ...devices.filter((other) => other !== device));

function host(device: LoggedDevice, seed: number, events: SessionEvent[] = []): SessionHost {
  return new SessionHost({ channel: device.transport, load, time: new WallClock(), random: new SeededRandom(seed), joinTimeoutMs: 5_000, events: (event) => events.push(event) });
}

const bEvents: SessionEvent[] = [];
const cEvents: SessionEvent[] = [];
const hosts = [host(a, 1), host(b, 2, bEvents), host(c, 3, cEvents)];
const [hostA] = hosts as [SessionHost];

after(async () => {
  for (const h of hosts) h.close();
  await Promise.all(devices.map((device) => device.stop()));
});

test('a ring of three devices runs to the end, started by invitation', async () => {
  const outcome = await hostA.start({ source: 'ring.choreo', params: { N: 3 }, roles: { 'Node[0]': a.device, 'Node[1]': b.device, 'Node[2]': c.device } });
  assert.deepEqual(outcome.roles.map((role) => [role.role, role.status, role.messages]), [['Node[0]', 'ended', 2]]);
  await waitUntil(() => [bEvents, cEvents].every((events) => events.some((e) => e.event === 'session-ended' && e.session === outcome.session)), 'B and C to end the ring');
  assert.equal(hostA.transport.sessionCount, 0, 'the ended session is forgotten');
});

test('many sessions run at once over the same pair of devices, one channel each', async () => {
  const outcomes = await Promise.all(
    Array.from({ length: 25 }, (_, i) => hostA.start({ source: i % 2 === 0 ? 'ping-pong.choreo' : 'streaming.choreo', roles: i % 2 === 0 ? { Client: a.device, Server: b.device } : { Producer: a.device, Consumer: b.device } })),
  );
  assert.equal(new Set(outcomes.map((outcome) => outcome.session)).size, 25);
  for (const outcome of outcomes) assert.equal(outcome.roles[0]?.status, 'ended');
});

test('one device may play several roles of a session', async () => {
  const outcome = await hostA.start({ source: 'ring.choreo', params: { N: 3 }, roles: { 'Node[0]': a.device, 'Node[1]': a.device, 'Node[2]': b.device } });
  assert.deepEqual(outcome.roles.map((role) => role.status), ['ended', 'ended']);
});

test('an invitation the invitee cannot serve is declined; bad specs are refused before inviting', async () => {
  // An initiator whose library has a file the invitee's lacks.
  const aliasing = new SessionHost({ channel: a.transport, load: (source, params) => load(source === 'alias.choreo' ? 'ping-pong.choreo' : source, params), time: new WallClock(), random: new SeededRandom(9), joinTimeoutMs: 1_000 });
  try {
    await assert.rejects(aliasing.start({ source: 'alias.choreo', roles: { Client: a.device, Server: b.device } }), (error) => isAuraError(error, 'session.declined') && /session\.unknown-source/.test(error.message));
  } finally {
    aliasing.close();
  }
  assert.ok(bEvents.some((e) => e.event === 'session-failed' && e.code === 'session.unknown-source'));
  await assert.rejects(hostA.start({ source: 'no-such.choreo', roles: {} }), (error) => isAuraError(error, 'session.unknown-source'));
  await assert.rejects(hostA.start({ source: '../secret.choreo', roles: {} }), (error) => isAuraError(error, 'session.bad-source'));
  await assert.rejects(hostA.start({ source: 'ping-pong.choreo', roles: { Client: a.device } }), (error) => isAuraError(error, 'session.bad-roles'));
});

test('a device gone in the middle of a session fails it on the others with the liveness diagnosis, then a new session works', async () => {
  const spare = await startLoopbackDevice({ limits: { livenessTimeoutMs: LIVENESS_MS } });
  introduce(a, spare);
  introduce(spare, a);
  const spareEvents: SessionEvent[] = [];
  const spareHost = host(spare, 4, spareEvents);
  const running = hostA.start({ source: 'streaming.choreo', roles: { Producer: spare.device, Consumer: a.device }, paceMs: 100 });
  await waitUntil(() => spareEvents.some((e) => e.event === 'session-started'), 'the session to be under way');
  spareHost.close();
  await spare.stop();
  await assert.rejects(running, (error) => isAuraError(error, 'session.peer-gone') && error.message.includes(`liveness timeout ${LIVENESS_MS} ms`));
  const again = await hostA.start({ source: 'ping-pong.choreo', roles: { Client: a.device, Server: b.device } });
  assert.equal(again.roles[0]?.status, 'ended');
});

test('an invitee that is gone fails the start with session.peer-gone before the join timeout', async () => {
  const absent = await startLoopbackDevice();
  introduce(a, absent);
  await absent.stop();
  const impatient = new SessionHost({ channel: a.transport, load, time: new WallClock(), random: new SeededRandom(5), joinTimeoutMs: 5_000 });
  try {
    await assert.rejects(impatient.start({ source: 'ping-pong.choreo', roles: { Client: a.device, Server: absent.device } }), (error) => isAuraError(error, 'session.peer-gone'));
  } finally {
    impatient.close();
  }
});
