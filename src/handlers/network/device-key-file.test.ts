import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuraError } from '../../core/errors.ts';
import { SeededRandom } from '../random.ts';
import { DEVICE_KEY_FILE, loadOrCreateDeviceKey } from './device-key-file.ts';
import { inTemporaryDirectory } from '../../../test/support/temporary-directory.ts';

test(
  'the first load creates a 0600 key file; later loads return the same key',
  inTemporaryDirectory('aura-key-', async (root) => {
    const dir = join(root, 'node');
    const first = await loadOrCreateDeviceKey(dir, new SeededRandom(1));
    assert.equal(first.created, true);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    const again = await loadOrCreateDeviceKey(dir, new SeededRandom(2));
    assert.equal(again.created, false);
    assert.deepEqual(again.secretKey, first.secretKey);
  }),
);

test(
  'a key file of the wrong size or readable by others is refused',
  inTemporaryDirectory('aura-key-', async (root) => {
    const dir = join(root, 'node');
    await loadOrCreateDeviceKey(dir, new SeededRandom(1));
    const path = join(dir, DEVICE_KEY_FILE);
    chmodSync(path, 0o644);
    await assert.rejects(loadOrCreateDeviceKey(dir, new SeededRandom(1)), (error: unknown) => isAuraError(error, 'network.key-file-exposed'));
    writeFileSync(path, new Uint8Array(31));
    chmodSync(path, 0o600);
    await assert.rejects(loadOrCreateDeviceKey(dir, new SeededRandom(1)), (error: unknown) => isAuraError(error, 'network.key-file-corrupt'));
  }),
);
