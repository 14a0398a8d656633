// The `aura` command and the demo, run as a user runs them: as separate processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function aura(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [resolve(ROOT, 'bin/aura.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

test('aura id new prints a parseable identifier, reproducibly with --seed', () => {
  const first = aura('id', 'new', 'device', '--seed', '7');
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout.trim(), /^device-[a-z2-7]{52}$/);
  assert.equal(aura('id', 'new', 'device', '--seed', '7').stdout, first.stdout);
  const parsed = aura('id', 'parse', first.stdout.trim(), '--json');
  assert.equal(parsed.status, 0, parsed.stderr);
  assert.equal((JSON.parse(parsed.stdout) as { kind: string }).kind, 'device');
});

test('a malformed identifier exits 1 with its error code', () => {
  const result = aura('id', 'parse', 'authority-xx');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /error\[id\.malformed\]/);
});

test('usage errors exit 2 and show the usage', () => {
  const result = aura('no-such-command');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Usage: aura/);
  assert.equal(aura('--help').status, 0);
});

test('the tour of the lower layers runs every check and exits 0 (the account demo: cli-demo.long.test.ts)', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/tour.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /(\d+) of \1 checks passed/);
});

test('a bad argument value is a usage error: exit 2 with a pointer to --help', () => {
  const result = aura('id', 'new', 'planet');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /error\[cli\.usage\]: unknown identifier kind "planet"/);
  assert.match(result.stderr, /aura id new --help/);
});
