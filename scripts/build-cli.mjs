// Bundles the `aura` command into dist/aura.mjs, so a process starts without tsx's per-module
// loader hooks (about 1.4 s of CPU per start, against 0.35 s bundled: the demo starts ~30 of them).
// Packages stay external; only src/ is bundled. bin/aura.js runs the bundle while it is fresh and
// falls back to the TypeScript sources otherwise, so editing a source never runs stale code.
//
// Modules that locate files next to themselves (protocol .choreo files, examples, the sweep worker)
// keep doing so: import.meta.dirname and import.meta.url are rewritten per source file to its own
// place in the checkout, found at run time from the bundle's location.
//
// Run by `npm ci` (prepare), by `npm run build`, and by the demo and the CLI tests before they spawn.
import { build } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
export const BUNDLE = join(ROOT, 'dist', 'aura.mjs');
export const INPUTS = join(ROOT, 'dist', 'aura.inputs.json');

const BANNER = `import { join as __auraJoin } from 'node:path';
import { pathToFileURL as __auraFileUrl } from 'node:url';
const __auraRoot = __auraJoin(import.meta.dirname, '..');
const __auraDir = (dir) => __auraJoin(__auraRoot, dir);
const __auraUrl = (file) => __auraFileUrl(__auraJoin(__auraRoot, file)).href;`;

/** Rewrites a source file's own-location lookups to its place under the checkout root. */
const ownLocation = {
  name: 'own-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const file = relative(ROOT, args.path).split(sep).join('/');
      const source = await readFile(args.path, 'utf8');
      const contents = source
        .replaceAll('import.meta.dirname', `__auraDir(${JSON.stringify(dirname(file))})`)
        .replaceAll('import.meta.url', `__auraUrl(${JSON.stringify(file)})`);
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds the bundle (written beside, then renamed, so a concurrent start never reads half of it). */
export async function buildCli() {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    banner: { js: BANNER },
    plugins: [ownLocation],
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  await mkdir(dirname(BUNDLE), { recursive: true });
  const partial = `${BUNDLE}.${process.pid}.tmp`;
  await writeFile(partial, result.outputFiles[0].contents);
  await writeFile(INPUTS, JSON.stringify(inputs));
  await rename(partial, BUNDLE);
}

if (process.argv[1] === import.meta.filename) await buildCli();
