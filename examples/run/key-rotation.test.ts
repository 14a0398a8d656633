import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../../src/core/errors.ts';
import { SeededRandom } from '../../src/handlers/random.ts';
import { BytesMemoryTransport, ExtensionRegistry, PayloadShapeError, compilePayload, parseType, randomImpl } from '../../src/runtime/index.ts';
import { KEY_ROTATION_TYPES, keyRotation } from './key-rotation.ts';
import { loadExample, runToEnd } from './session.ts';

const random = new SeededRandom('key-rotation');
const GRANTED = { capabilities: new Set(['key_rotation:rotate']), budget: 30 };

test('key-rotation: both witnesses accept the next epoch and learn the commit; the hooks charge each send', async () => {
  const outcome = await keyRotation(4, { epoch: 5, groupKey: random.randomBytes(32) }, GRANTED, [], { transport: new BytesMemoryTransport() });
  assert.deepEqual(outcome, { decision: 'commit', epoch: 5, witnesses: { Witness1: 'commit 5', Witness2: 'commit 5' }, spent: { Initiator: 20, Witness1: 5, Witness2: 5 } });
});

test('key-rotation: a stale epoch or a revoked key is voted down, and every witness learns the abort', async () => {
  const key = random.randomBytes(32);
  assert.equal((await keyRotation(4, { epoch: 9, groupKey: key }, GRANTED)).decision, 'abort');
  const revoked = await keyRotation(4, { epoch: 5, groupKey: key }, GRANTED, [key]);
  assert.deepEqual(revoked.witnesses, { Witness1: 'abort', Witness2: 'abort' });
});

test('key-rotation: without the capability, or over budget, the proposal is refused before it leaves and the session aborts', async () => {
  const proposal = { epoch: 5, groupKey: random.randomBytes(32) };
  await assert.rejects(keyRotation(4, proposal, { ...GRANTED, capabilities: new Set() }), (error: unknown) => isAuraError(error) && /lacks capability key_rotation:rotate/.test(error.message));
  await assert.rejects(keyRotation(4, proposal, { ...GRANTED, budget: 15 }), (error: unknown) => isAuraError(error) && /would spend 20 of its flow budget 15/.test(error.message));
});

test('RotationData: the codec refuses a malformed value on either side, and samples values the default implementation can send', async () => {
  const codec = compilePayload({ kind: 'type', type: parseType('RotationData') }, KEY_ROTATION_TYPES);
  assert.throws(() => codec.encode({ epoch: 1, groupKey: new Uint8Array(31) }), (error: unknown) => error instanceof PayloadShapeError && /32 bytes/.test(error.message));
  assert.throws(() => codec.decode({ epoch: -1, group_key: new Uint8Array(32) }), (error: unknown) => error instanceof PayloadShapeError && /epoch/.test(error.message));
  assert.throws(() => codec.decode({ epoch: 1, group_key: new Uint8Array(32), extra: 0 }), PayloadShapeError);
  const protocol = loadExample('key-rotation');
  const impls = Object.fromEntries(protocol.roles.map((role) => [role, randomImpl(protocol, role, random.fork(role), KEY_ROTATION_TYPES)]));
  const extensions = new ExtensionRegistry().register('guard_capability', () => undefined).register('flow_cost', () => undefined);
  await runToEnd(protocol, impls, { types: KEY_ROTATION_TYPES, extensions, transport: new BytesMemoryTransport() });
});
