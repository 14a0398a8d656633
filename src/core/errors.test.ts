import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuraError, errorKind, isAuraError, isRetryable, permanentError, systemError, toAuraError, transientError } from './errors.ts';

test('an AuraError carries kind, code, message, context and cause', () => {
  const cause = new Error('disk');
  const error = new AuraError('system', 'store.io', 'cannot write', { cause, context: { path: '/x' } });
  assert.equal(error.kind, 'system');
  assert.equal(error.code, 'store.io');
  assert.equal(error.message, 'cannot write');
  assert.equal(error.cause, cause);
  assert.deepEqual(error.context, { path: '/x' });
  assert.deepEqual(error.toJSON(), { kind: 'system', code: 'store.io', message: 'cannot write', context: { path: '/x' } });
  assert.ok(error instanceof Error);
});

test('only transient errors are retryable', () => {
  assert.equal(isRetryable(transientError('net.timeout', 't')), true);
  assert.equal(isRetryable(permanentError('cbor.malformed', 'm')), false);
  assert.equal(isRetryable(systemError('store.io', 's')), false);
});

test('Node network error codes are transient, unknown errors are system', () => {
  const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  assert.equal(errorKind(reset), 'transient');
  assert.equal(errorKind(new TypeError('bug')), 'system');
  assert.equal(errorKind('a string'), 'system');
});

test('toAuraError keeps AuraErrors and wraps anything else with its cause', () => {
  const original = permanentError('id.malformed', 'bad');
  assert.equal(toAuraError(original), original);
  const wrapped = toAuraError(new RangeError('oops'), 'test.wrapped');
  assert.ok(isAuraError(wrapped, 'test.wrapped'));
  assert.equal(wrapped.kind, 'system');
  assert.equal(wrapped.message, 'oops');
  assert.ok(wrapped.cause instanceof RangeError);
});
