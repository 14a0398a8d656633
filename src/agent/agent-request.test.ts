import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeCanonical } from '../core/canonical.ts';
import { toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import { SeededRandom } from '../handlers/random.ts';
import { decodeAgentMessage, encodeAgentMessage, MAX_CONTEXT_CHARS, MAX_SIGN_MESSAGE_BYTES, type AgentMessage } from './agent-request.ts';

test('agent messages round-trip through their wire form', () => {
  fc.assert(
    fc.property(fc.string(), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 5 }), (seed, message, n) => {
      const random = new SeededRandom(seed);
      const session = randomIdentifier('session', random);
      const messages: AgentMessage[] = [
        { t: 'request', request: { session, op: 'sign', roles: Array.from({ length: n }, () => randomIdentifier('device', random)), message } },
        { t: 'request', request: { session, op: 'derive', roles: Array.from({ length: n }, () => randomIdentifier('device', random)), context: `ctx ${seed}`.slice(0, MAX_CONTEXT_CHARS), app: 'app' } },
        { t: 'accept', session },
        { t: 'decline', session, code: 'agent.declined', reason: 'no' },
        { t: 'start', session },
        { t: 'abort', session, code: 'agent.guardian-declined', reason: `guardian-${n} declined`, by: randomIdentifier('device', random) },
      ];
      for (const m of messages) assert.deepEqual(decodeAgentMessage(encodeAgentMessage(m)), m);
    }),
    { numRuns: 30 },
  );
});

test('malformed agent messages are refused with agent.bad-message', () => {
  const session = randomIdentifier('session', new SeededRandom('bad'));
  const refuse = (value: unknown, pattern: RegExp): void => {
    assert.throws(() => decodeAgentMessage(encodeCanonical(value)), (e) => isAuraError(e, 'agent.bad-message') && pattern.test(e.message));
  };
  refuse({ t: 'launch', session }, /unknown agent message/);
  refuse({ t: 'request', session, op: 'mint', roles: [], body: {} }, /unknown operation/);
  refuse({ t: 'request', session, op: 'sign', roles: [], body: { message: new Uint8Array(1) } }, /roles/);
  refuse({ t: 'request', session, op: 'sign', roles: [randomIdentifier('device', new SeededRandom('d'))], body: { message: new Uint8Array(MAX_SIGN_MESSAGE_BYTES + 1) } }, /body.message/);
  const device = randomIdentifier('device', new SeededRandom('d'));
  refuse({ t: 'request', session, op: 'derive', roles: [device], body: { context: '', app: 'a' } }, /body.context must be 1 to 256 characters/);
  refuse({ t: 'request', session, op: 'derive', roles: [device], body: { context: 'c', app: 'a'.repeat(MAX_CONTEXT_CHARS + 1) } }, /body.app must be 1 to 256/);
  refuse({ t: 'request', session, op: 'derive', roles: [device], body: { context: 'c' } }, /body.app must be text/);
  refuse({ t: 'decline', session, code: 1, reason: 'x' }, /code must be text/);
  refuse({ t: 'abort', session, code: 'agent.guardian-declined', reason: 'x' }, /by must be text/);
  refuse([1, 2], /is a map/);
});

test('a membership change request round-trips, and a malformed one is refused naming the field', () => {
  const random = new SeededRandom('reshare');
  const session = randomIdentifier('session', random);
  const [a, b, c] = [0, 1, 2].map(() => randomIdentifier('device', random)) as [DeviceId, DeviceId, DeviceId];
  const group = { threshold: 2, groupPublicKey: ed25519PublicKey(random.randomBytes(32)), verifyingShares: { [deviceParticipantId(a)]: ed25519PublicKey(random.randomBytes(32)), [deviceParticipantId(b)]: ed25519PublicKey(random.randomBytes(32)) } };
  const add = [{ name: 'device-3', device: c, address: '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGyBoGfVLQfPCXPx9LHdzmB6phNxNyw5qNQp8nY3dRTCG', hpkePublicKey: random.randomBytes(32), signingPublicKey: random.randomBytes(32) }];
  const message: AgentMessage = { t: 'request', request: { session, op: 'reshare', roles: [a, b, c], dealers: [a, b], add, remove: [], threshold: 2, epoch: 3, group } };
  assert.deepEqual(decodeAgentMessage(encodeAgentMessage(message)), message);
  const body = { dealers: [a, b], add: [{ ...add[0], name: 'a name with spaces' }], remove: [], threshold: 2, epoch: 3, group };
  assert.throws(() => decodeAgentMessage(encodeCanonical({ t: 'request', session, op: 'reshare', roles: [a, b, c], body })), (e) => isAuraError(e, 'agent.bad-message') && /body.add\[0\].name/.test(e.message));
  assert.throws(() => decodeAgentMessage(encodeCanonical({ t: 'request', session, op: 'reshare', roles: [a, b, c], body: { ...body, add, threshold: 0 } })), (e) => isAuraError(e, 'agent.bad-message') && /body.threshold/.test(e.message));
  assert.throws(() => decodeAgentMessage(encodeCanonical({ t: 'request', session, op: 'reshare', roles: [a, b, c], body: { ...body, add, group: { ...group, threshold: 3 } } })), (e) => isAuraError(e, 'agent.bad-message') && /body.group/.test(e.message));
  // An authority with guardians: the request names its guardianship, checked like guardian setup's.
  const guardianship = { authority: randomIdentifier('authority', random), groupKey: toHex(group.groupPublicKey), threshold: 2, epoch: 3, cooldownMs: 1000, owners: [], guardians: [] };
  const guarded: AgentMessage = { t: 'request', request: { ...message.request, guardianship } as Extract<AgentMessage, { t: 'request' }>['request'] };
  assert.deepEqual(decodeAgentMessage(encodeAgentMessage(guarded)), guarded);
  assert.throws(() => decodeAgentMessage(encodeCanonical({ t: 'request', session, op: 'reshare', roles: [a, b, c], body: { ...body, add, guardianship: { ...guardianship, groupKey: 'zz' } } })), (e) => isAuraError(e, 'agent.bad-message') && /body.guardianship.groupKey/.test(e.message));
});
