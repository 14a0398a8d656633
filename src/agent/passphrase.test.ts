import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { PASSPHRASE_ENV, readPassphrase } from './passphrase.ts';

test('the passphrase comes from the file first, then the environment; with neither and no terminal it is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aura-pass-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  const file = join(dir, 'pass');
  writeFileSync(file, 'from file\nsecond line\n');
  assert.equal(await readPassphrase({ file, env: { [PASSPHRASE_ENV]: 'from env' } }), 'from file');
  assert.equal(await readPassphrase({ env: { [PASSPHRASE_ENV]: 'from env' } }), 'from env');
  if (!process.stdin.isTTY) await assert.rejects(readPassphrase({ env: {} }), (e) => isAuraError(e, 'agent.no-passphrase'));
  writeFileSync(file, '\n');
  await assert.rejects(readPassphrase({ file }), (e) => isAuraError(e, 'agent.passphrase-file') && /empty/.test(e.message));
  await assert.rejects(readPassphrase({ file: join(dir, 'missing') }), (e) => isAuraError(e, 'agent.passphrase-file'));
});
