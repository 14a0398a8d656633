// `aura choreo run`: every example runs to the end with the default implementation, the seed
// replays a run, a protocol that never ends stops at --max-steps as a success, and bad input fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aura } from '../../../test/support/cli.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'choreo');

function sends(stdout: string): number {
  return stdout.split('\n').filter((line) => / send /.test(line)).length;
}

test('every example runs to end: each role ends, and the trace has each message sent and received once', async () => {
  for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith('.choreo'))) {
    const run = await aura('choreo', 'run', join(EXAMPLES, file), '--param', 'N=3', '--seed', '7');
    assert.equal(run.status, 0, `${file}: ${run.stderr}`);
    const ended = /^ended: every role reached end after (\d+) messages$/m.exec(run.stdout);
    assert.ok(ended !== null, `${file}: ${run.stdout}`);
    const lines = run.stdout.split('\n');
    assert.equal(sends(run.stdout), Number(ended[1]), file);
    assert.equal(lines.filter((line) => / recv /.test(line)).length, Number(ended[1]), `${file}: every message sent was received`);
    const roles = /roles (.*)$/m.exec(run.stdout)?.[1]?.split(', ') ?? [];
    assert.ok(roles.length >= 2, file);
    for (const role of roles) assert.ok(lines.some((line) => line.includes(` ${role}#`) && line.endsWith(' end')), `${file}: ${role} ends`);
  }
});

test('the seed decides the run: the same seed prints the same trace, other seeds take other paths', async () => {
  const file = join(EXAMPLES, 'travel-agency.choreo');
  const first = await aura('choreo', 'run', file, '--seed', '11');
  assert.equal((await aura('choreo', 'run', file, '--seed', '11')).stdout, first.stdout);
  const counts = new Set<number>();
  for (let seed = 0; seed < 12; seed++) counts.add(sends((await aura('choreo', 'run', file, '--seed', String(seed))).stdout));
  assert.ok(counts.size > 2, `different seeds loop a different number of times: ${[...counts].join(', ')}`);
});

test('named types without a codec run as opaque bytes, and annotations are counted, both said in the output', async () => {
  const run = await aura('choreo', 'run', join(EXAMPLES, 'key-rotation.choreo'));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /note: RotationData has no codec here/);
  assert.match(run.stdout, /note: annotation guard_capability seen on 2 send\(s\)/);
  assert.match(run.stdout, /note: annotation flow_cost seen on 4 send\(s\)/);
});

test('a protocol that never ends stops at --max-steps with no violation, and that is a success', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aura-run-'));
  try {
    const file = join(dir, 'endless.choreo');
    writeFileSync(file, 'protocol Endless {\n  roles: A, B;\n  rec L {\n    A -> B: Tick(n: u64);\n    B -> A: Tock(ok: bool);\n    continue L;\n  }\n}\n');
    const run = await aura('choreo', 'run', file, '--max-steps', '50');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^bounded: reached --max-steps 50 messages with no violation/m);
    assert.equal(sends(run.stdout), 50);
    assert.doesNotMatch(run.stdout, /^ended/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: diagnostics and missing sizes fail (1); bad numbers, several protocols without --protocol are usage errors (2)', async () => {
  const invalid = await aura('choreo', 'run', join(EXAMPLES, 'must-fail', 'E022-uninformed-role.choreo'));
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /error\[E022\]/);
  const symbolic = await aura('choreo', 'run', join(EXAMPLES, 'ring.choreo'));
  assert.equal(symbolic.status, 1);
  assert.match(symbolic.stderr, /--param N=/);
  assert.equal((await aura('choreo', 'run', join(EXAMPLES, 'ping-pong.choreo'), '--seed', 'x')).status, 2);
  assert.equal((await aura('choreo', 'run', join(EXAMPLES, 'ping-pong.choreo'), '--max-steps', '0')).status, 2);
  assert.equal((await aura('choreo', 'run', join(EXAMPLES, 'no-such.choreo'))).status, 2);
  const dir = mkdtempSync(join(tmpdir(), 'aura-run-'));
  try {
    const file = join(dir, 'two.choreo');
    writeFileSync(file, 'protocol One {\n  roles: A, B;\n  A -> B: M;\n}\nprotocol Two {\n  roles: A, B;\n  B -> A: N;\n}\n');
    const several = await aura('choreo', 'run', file);
    assert.equal(several.status, 2);
    assert.match(several.stderr, /declares One, Two; choose one with --protocol/);
    const chosen = await aura('choreo', 'run', file, '--protocol', 'Two');
    assert.equal(chosen.status, 0, chosen.stderr);
    assert.match(chosen.stdout, /B#0 send N -> A/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
