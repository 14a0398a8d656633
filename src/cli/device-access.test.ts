import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentEvent } from '../agent/device-agent.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { formatAgentEvent, nodeEventLine } from './device-access.ts';

const random = new SeededRandom('device-access');
const authority = randomIdentifier('authority', random);
const session = randomIdentifier('session', random);

/** The events of a guardian's node and of a device change, which once printed as raw JSON in text mode. */
const events: readonly AgentEvent[] = [
  { event: 'guardianship-changed', authority, owners: 3, epoch: 4 },
  { event: 'recovery-failed', authority, request: '', code: 'protocols.lock-notice.aborted', message: 'device change: lock-notice attempt 0 aborted' },
  { event: 'membership-changed', session, epoch: 2, members: ['device-1', 'device-2', 'device-4'], threshold: 2 },
  { event: 'removed', device: randomIdentifier('device', random), epoch: 3 },
];

test('aura node prints a human line for every guardian and device-change event, and their JSON unchanged with --json', () => {
  const text = events.map((event) => nodeEventLine(event, false));
  for (const line of text) assert.doesNotMatch(line, /^\s*[{[]/, `not JSON: ${line}`);
  assert.deepEqual(text, [
    `the devices of ${authority} changed: this guardian holds a fresh recovery share (3 devices, epoch 4)`,
    `as a guardian of ${authority}: error[protocols.lock-notice.aborted]: device change: lock-notice attempt 0 aborted`,
    'devices changed: now device-1, device-2, device-4, 2 of 3 sign, epoch 2',
    'this device was removed from its authority at epoch 3 and destroyed its share',
  ]);
  for (const event of events) assert.deepEqual(JSON.parse(nodeEventLine(event, true)), event);
});

test('a failed recovery names its request; an event this version does not know prints as its JSON', () => {
  const request = 'ab'.repeat(32);
  assert.equal(formatAgentEvent({ event: 'recovery-failed', authority, request, code: 'protocols.recovery.disputed', message: 'disputed' }), `recovery ${request.slice(0, 16)} of ${authority} ended: error[protocols.recovery.disputed]: disputed`);
  assert.equal(formatAgentEvent({ event: 'stopped' }), 'stopped');
  const future = { event: 'from-a-newer-node', n: 1 };
  assert.equal(formatAgentEvent(future), JSON.stringify(future));
});
