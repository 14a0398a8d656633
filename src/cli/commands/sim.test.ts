// `aura sim …` run as a user runs it: a separate process, files in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const FLAKY = join(ROOT, 'scenarios', 'request-response-flaky.toml');

function aura(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'aura.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
}

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'aura-sim-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sim run writes a trace that sim replay reproduces; an edited trace is caught at its line', () => {
  withTempDir((dir) => {
    const run = aura(dir, 'sim', 'run', FLAKY, '--seed', '3', '--trace', 'run.jsonl');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /seed 3, 5 nodes, workload request-response/);
    assert.match(run.stdout, /PASS: every property holds/);
    const replay = aura(dir, 'sim', 'replay', 'run.jsonl');
    assert.equal(replay.status, 0, replay.stdout + replay.stderr);
    assert.match(replay.stdout, /^identical: run\.jsonl replays event for event/);
    const lines = readFileSync(join(dir, 'run.jsonl'), 'utf8').split('\n');
    lines[3] = (lines[3] ?? '').replace('"seq":2', '"seq":2,"extra":1');
    writeFileSync(join(dir, 'edited.jsonl'), lines.join('\n'));
    const edited = aura(dir, 'sim', 'replay', 'edited.jsonl');
    assert.equal(edited.status, 1);
    assert.match(edited.stdout, /first difference at edited\.jsonl:4/);
    assert.match(edited.stderr, /error\[sim\.replay-mismatch\]/);
  });
});

test('a failing run exits 1 and prints the waits-for report', () => {
  withTempDir((dir) => {
    const result = aura(dir, 'sim', 'run', join(ROOT, 'scenarios', 'patient-client-stall.toml'));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /fault-induced stall: client waits/);
    assert.match(result.stdout, /client waits for "Reply" from server/);
    assert.match(result.stderr, /error\[sim\.run-failed\]: seed 1 failed all-answered/);
  });
});

test('sim sweep reports failing seeds, shrinks the first and prints commands that replay it', () => {
  withTempDir((dir) => {
    const result = aura(dir, 'sim', 'sweep', FLAKY, '--seeds', '24', '--out', 'failures');
    assert.equal(result.status, 1, result.stdout + result.stderr);
    const counts = /24 seeds in [\d.]+ s \([\d.]+ seeds\/s\): (\d+) passed, (\d+) failed/.exec(result.stdout);
    assert.ok(counts !== null, result.stdout);
    assert.equal(Number(counts[1]) + Number(counts[2]), 24);
    const seed = /failing seeds: (\d+)/.exec(result.stdout)?.[1];
    assert.ok(seed !== undefined);
    assert.match(result.stdout, new RegExp(`replay seed ${seed}: aura sim run .*request-response-flaky\\.toml --seed ${seed}`));
    const shrunkFile = join('failures', `request-response-flaky-seed-${seed}.toml`);
    assert.match(result.stdout, /shrunk in \d+ runs to \d+ fault phase\(s\)/);
    assert.ok(existsSync(join(dir, shrunkFile)), readdirSync(dir).join(','));
    const rerun = aura(dir, 'sim', 'run', shrunkFile);
    assert.equal(rerun.status, 1, 'the shrunk schedule still fails');
    assert.match(rerun.stderr, /failed all-answered/);
  });
});

test('a malformed scenario exits 1 with the line of each problem', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'bad.toml'), 'workload = "request-response"\n[[participants]]\nname = "S"\nrole = "server"\n[[faults]]\nkind = "earthquake"\nat = 1\n');
    const result = aura(dir, 'sim', 'run', 'bad.toml');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /error\[scenario\.invalid\]/);
    assert.match(result.stderr, /bad\.toml:6: faults\[0\]\.kind: unknown fault "earthquake"/);
    assert.match(result.stderr, /needs 1 or more participant\(s\) with role "client", got 0/);
  });
});
