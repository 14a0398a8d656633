// The layer rule of DESIGN.md: nothing under src/ imports from a higher layer (or from a folder of
// its own layer that the table does not allow). Tests may import anything, so *.test.ts is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** For each folder of src/, the folders it may import from (besides itself), per DESIGN.md. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  crypto: ['core'],
  choreo: ['core'],
  journal: ['core', 'crypto'],
  authz: ['core', 'crypto', 'journal'],
  runtime: ['core', 'crypto', 'choreo', 'journal', 'authz'],
  handlers: ['core', 'crypto', 'choreo', 'journal', 'authz'],
  sim: ['core', 'crypto', 'choreo', 'journal', 'authz', 'runtime', 'handlers', 'vm'],
  vm: ['core', 'crypto', 'choreo', 'journal', 'authz', 'runtime', 'handlers', 'sim'],
  protocols: ['core', 'crypto', 'choreo', 'journal', 'authz', 'runtime', 'handlers', 'sim', 'vm'],
  agent: ['core', 'crypto', 'choreo', 'journal', 'authz', 'runtime', 'handlers', 'sim', 'vm', 'protocols'],
  cli: ['core', 'crypto', 'choreo', 'journal', 'authz', 'runtime', 'handlers', 'sim', 'vm', 'protocols', 'agent'],
};

const SRC = resolve(import.meta.dirname, '..', 'src');
const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function topFolder(path: string): string {
  return relative(SRC, path).split(/[\\/]/)[0] ?? '';
}

/** The violations of the layer rule in the source text of `file`. */
function layerViolations(file: string, text: string): string[] {
  const from = topFolder(file);
  const allowed = ALLOWED[from];
  if (allowed === undefined) return [`${relative(SRC, file)}: folder src/${from}/ is not in the layer table of DESIGN.md`];
  const violations: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (!specifier.startsWith('.')) continue;
    const target = topFolder(resolve(dirname(file), specifier));
    if (target !== from && !allowed.includes(target)) {
      violations.push(`${relative(SRC, file)} imports "${specifier}": src/${from}/ may not use src/${target}/ (allowed: ${allowed.join(', ') || 'npm packages only'})`);
    }
  }
  return violations;
}

test('no source file imports from a higher layer', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 0, 'no source files found');
  const violations = files.flatMap((file) => layerViolations(file, readFileSync(file, 'utf8')));
  assert.deepEqual(violations, []);
});

test('the check catches an upward import and names it', () => {
  const file = join(SRC, 'core', 'example.ts');
  assert.deepEqual(layerViolations(file, "import { x } from '../journal/fact.ts';\nimport type { Y } from './bytes.ts';"), [
    'core/example.ts imports "../journal/fact.ts": src/core/ may not use src/journal/ (allowed: npm packages only)',
  ]);
  assert.equal(layerViolations(join(SRC, 'crypto', 'frost.ts'), "export * from '../choreo/ast.ts';").length, 1);
  assert.equal(layerViolations(join(SRC, 'runtime', 'a.ts'), "const m = await import('../sim/scheduler.ts');").length, 1);
  assert.deepEqual(layerViolations(join(SRC, 'cli', 'main.ts'), "import { run } from '../runtime/run.ts';"), []);
});

test('a folder missing from the table is reported', () => {
  assert.equal(layerViolations(join(SRC, 'mystery', 'a.ts'), '').length, 1);
});
