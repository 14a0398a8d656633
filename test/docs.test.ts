// Every ```ts block in docs/*.md and README.md runs, so the documentation cannot drift from the
// code. Imports written as './src/…' are resolved against the repository. A block whose fence
// says ```ts no-run is shown only (for snippets that need a network or a terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const FENCE = /^```ts([^\n]*)\n([\s\S]*?)^```/gm;

function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', ...docs];
}

for (const document of documents()) {
  const text = readFileSync(join(ROOT, document), 'utf8');
  const blocks = [...text.matchAll(FENCE)].filter((match) => !(match[1] ?? '').includes('no-run'));
  blocks.forEach((block, index) => {
    const line = text.slice(0, block.index).split('\n').length;
    test(`${document}:${line} example ${index + 1} runs`, () => {
      const code = (block[2] ?? '').replaceAll(/from '\.\/(src|examples)\//g, `from '${ROOT}/$1/`);
      const dir = mkdtempSync(join(tmpdir(), 'aura-doc-'));
      try {
        const file = join(dir, 'example.mts');
        writeFileSync(file, code);
        const result = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
        assert.equal(result.status, 0, `example at ${document}:${line} failed:\n${result.stderr}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
