// The joint executor finds deadlocks and unexpected messages in hand-written local types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../handlers/random.ts';
import { executeJointly } from './joint-execution.ts';
import { END, type LocalType, type ProjectedProtocol } from './local-type.ts';

function protocol(locals: Record<string, LocalType>): ProjectedProtocol {
  return { name: 'T', contentId: 'none', roles: Object.keys(locals), params: {}, locals };
}
const message = { payload: null, annotations: {} };

test('two roles that both wait first deadlock', () => {
  const outcome = executeJointly(protocol({ A: { kind: 'recv', from: 'B', label: 'M', ...message, next: END }, B: { kind: 'recv', from: 'A', label: 'M', ...message, next: END } }), new SeededRandom('x'));
  assert.equal(outcome.kind, 'deadlock');
});

test('a receive that finds another label reports an unexpected message', () => {
  const outcome = executeJointly(protocol({ A: { kind: 'send', to: 'B', label: 'X', ...message, next: END }, B: { kind: 'recv', from: 'A', label: 'Y', ...message, next: END } }), new SeededRandom('x'));
  assert.equal(outcome.kind, 'unexpected');
});

test('a message nobody receives is reported', () => {
  const outcome = executeJointly(protocol({ A: { kind: 'send', to: 'B', label: 'X', ...message, next: END }, B: END }), new SeededRandom('x'));
  assert.ok(outcome.kind === 'deadlock' && /A->B: X/.test(outcome.detail));
});

test('labels travel with messages into branches', () => {
  const outcome = executeJointly(
    protocol({
      A: { kind: 'select', branches: { l: { kind: 'send', to: 'B', label: 'M', ...message, choice: ['l'], next: END } } },
      B: { kind: 'branch', from: 'A', branches: { l: { kind: 'recv', from: 'A', label: 'M', ...message, next: END } } },
    }),
    new SeededRandom('x'),
  );
  assert.equal(outcome.kind, 'ended');
});
