import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { V8_FLAGS } from './v8-tuning.ts';

test('every flag Aura sets is one this Node\'s V8 knows (setFlagsFromString ignores unknown ones silently)', () => {
  const known = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  for (const flag of V8_FLAGS) {
    const name = flag.replace(/^--/, '').split('=')[0]!;
    assert.ok(known.includes(`--${name} `), `${name} is not among node --v8-options`);
  }
});

test('node accepts every flag on its command line', () => {
  const run = spawnSync(process.execPath, [...V8_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});
