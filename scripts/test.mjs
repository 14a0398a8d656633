// Runs every *.test.ts file under src/, test/ and examples/ with node:test (through tsx).
// Node 20's --test takes no globs, so the files are listed here. AURA_LONG=1 also runs *.long.test.ts;
// `npm test -- PATH...` runs only the named files and folders (after the type-check and lint).
// The `aura` bundle is rebuilt first, so spawned commands start fast and run the current sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildCli } from './build-cli.mjs';

const roots = ['src', 'test', 'examples'];
const includeLong = process.env.AURA_LONG === '1';

/** @param {string} dir @returns {string[]} */
function testFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'fixtures' ? [] : testFiles(path);
    if (!name.endsWith('.test.ts')) return [];
    return name.endsWith('.long.test.ts') && !includeLong ? [] : [path];
  });
}

const requested = process.argv.slice(2);
const files = (requested.length > 0 ? requested : roots).flatMap((path) => (statSync(path).isDirectory() ? testFiles(path) : [path])).sort();
// Tests that spawn `aura` run the bundle, as a user after `npm ci` does (bin/aura.js).
await buildCli();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
