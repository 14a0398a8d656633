// The bundled `aura` (dist/aura.mjs, made by scripts/build-cli.mjs) behaves as the TypeScript
// sources do, including where a module finds files next to itself: the example protocols a node
// serves by default, and the runtime a generated role API imports. And bin/aura.js runs the
// bundle only while it is newer than every source it was built from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AURA_ROOT } from '../src/cli/aura-process.ts';

const BUNDLE = join(AURA_ROOT, 'dist', 'aura.mjs');

function run(entry: readonly string[], args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...entry, ...args], { cwd: AURA_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const fromSources = (args: readonly string[]) => run(['--import', 'tsx', join(AURA_ROOT, 'src', 'cli', 'main.ts')], args);
const fromBundle = (args: readonly string[]) => run([BUNDLE], args);

test('the bundle is built, and locates files next to its modules as the sources do', () => {
  assert.equal(run([join(AURA_ROOT, 'scripts', 'build-cli.mjs')], []).status, 0);
  const help = ['node', '--help'];
  const bundled = fromBundle(help);
  assert.equal(bundled.status, 0);
  assert.ok(bundled.stdout.includes(join(AURA_ROOT, 'examples', 'choreo')), bundled.stdout);
  assert.equal(bundled.stdout, fromSources(help).stdout);

  const out = mkdtempSync(join(tmpdir(), 'aura-bundle-'));
  try {
    const gen = (file: string) => ['choreo', 'gen', 'examples/choreo/two-buyer.choreo', '--out', join(out, file)];
    assert.equal(fromBundle(gen('bundle.generated.ts')).status, 0);
    assert.equal(fromSources(gen('sources.generated.ts')).status, 0);
    const generated = readFileSync(join(out, 'bundle.generated.ts'), 'utf8');
    assert.match(generated, /src\/runtime\/index\.ts/);
    assert.equal(generated, readFileSync(join(out, 'sources.generated.ts'), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bin/aura.js runs the bundle only while it is newer than every source it was built from', () => {
  // A checkout of its own: bin/aura.js, a bundle and a source that each say who ran.
  const root = mkdtempSync(join(tmpdir(), 'aura-bin-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    copyFileSync(join(AURA_ROOT, 'bin', 'aura.js'), join(root, 'bin', 'aura.js'));
    symlinkSync(join(AURA_ROOT, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), "console.log('sources');\n");
    writeFileSync(join(root, 'dist', 'aura.mjs'), "console.log('bundle');\n");
    writeFileSync(join(root, 'dist', 'aura.inputs.json'), JSON.stringify(['src/cli/main.ts']));
    const ranBy = () => run([join(root, 'bin', 'aura.js')], []).stdout.trim();
    const at = (file: string, seconds: number) => {
      utimesSync(join(root, file), seconds, seconds);
    };

    at('src/cli/main.ts', 1_000);
    at('dist/aura.mjs', 2_000);
    assert.equal(ranBy(), 'bundle');
    at('src/cli/main.ts', 3_000);
    assert.equal(ranBy(), 'sources');
    rmSync(join(root, 'dist', 'aura.inputs.json'));
    at('src/cli/main.ts', 1_000);
    assert.equal(ranBy(), 'sources');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
