import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesMemoryTransport } from '../../src/runtime/index.ts';
import { pingPong } from './ping-pong.ts';

test('ping-pong: the server answers the next sequence number, over objects and over canonical bytes', async () => {
  assert.equal(await pingPong(41), 42);
  assert.equal(await pingPong(0, { transport: new BytesMemoryTransport() }), 1);
});
