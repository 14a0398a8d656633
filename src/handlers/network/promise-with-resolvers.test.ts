import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasPromiseWithResolvers, installPromiseWithResolvers } from './promise-with-resolvers.ts';

test('after import, Promise.withResolvers gives a promise and the functions that settle it', async () => {
  assert.ok(hasPromiseWithResolvers());
  const resolved = Promise.withResolvers<number>();
  resolved.resolve(7);
  assert.equal(await resolved.promise, 7);
  const rejected = Promise.withResolvers<number>();
  rejected.reject(new Error('no'));
  await assert.rejects(rejected.promise, /no/);
});

test('installing again never replaces an existing implementation', () => {
  const before: unknown = Object.getOwnPropertyDescriptor(Promise, 'withResolvers')?.value;
  assert.equal(installPromiseWithResolvers(), false);
  assert.equal(Object.getOwnPropertyDescriptor(Promise, 'withResolvers')?.value, before);
});
