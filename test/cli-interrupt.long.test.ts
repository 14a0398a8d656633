// Ctrl-C during `aura init` at various moments (AURA_LONG=1): whatever the moment, the account
// directory holds either every device directory, complete and openable, or none, and no staging
// directory is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRandom } from '../src/handlers/random.ts';
import { openDeviceDir } from '../src/agent/device-dir.ts';
import { spawnAura } from '../src/cli/aura-process.ts';

for (const delayMs of [500, 1500, 3000, 5000, 8000]) {
  test(`Ctrl-C ${delayMs} ms into aura init leaves all device directories or none`, async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'aura-interrupt-'));
    t.after(() => { rmSync(root, { recursive: true, force: true }); });
    const passFile = join(root, 'pass');
    writeFileSync(passFile, 'pw\n');
    const dir = join(root, 'account');
    const init = spawnAura(['init', '--devices', '3', '--threshold', '2', '--dir', dir, '--passphrase-file', passFile, '--kdf-log-n', '10', '--json']);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    init.child.kill('SIGINT');
    const code = await init.exited;
    const entries = existsSync(dir) ? readdirSync(dir) : [];
    assert.deepEqual(entries.filter((name) => name.startsWith('.init-')), [], 'no staging directory is left');
    if (code === 0) {
      assert.deepEqual(entries.sort(), ['device-1', 'device-2', 'device-3']);
      for (const name of entries) await (await openDeviceDir(join(dir, name), 'pw', new NodeRandom())).close();
    } else {
      assert.deepEqual(entries, [], `exit ${code}: nothing was created`);
    }
  });
}
