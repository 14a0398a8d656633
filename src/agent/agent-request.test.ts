import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
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
  refuse([1, 2], /is a map/);
});
