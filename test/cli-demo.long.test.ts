// `npm run demo`, the account story of issue 11, run as a user runs it (AURA_LONG=1: it starts
// about fifteen processes). test/cli-account.test.ts covers the same commands in the normal suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

test('the account demo passes every check and exits 0', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/demo.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /(\d+) of \1 checks passed/);
  assert.match(result.stdout, /node:crypto verifies the signature under the group key/);
});
