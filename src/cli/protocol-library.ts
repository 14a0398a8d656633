/**
 * The protocols a node can run: the `.choreo` files of one directory (by default the repository's
 * `examples/choreo/`), loaded by file name and parameters, checked and projected, for the session
 * host of `aura node`. Every device of a session loads the same file and compares content ids, so
 * two nodes with different copies of a file refuse to run it together.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadProtocol, renderDiagnostics } from '../choreo/check.ts';
import type { ProjectedProtocol } from '../choreo/local-type.ts';
import { permanentError } from '../core/errors.ts';
import type { ProtocolLoader } from '../runtime/session-host.ts';
import { fileImportResolver } from './commands/choreo.ts';

/** The examples shipped with Aura. */
export const EXAMPLE_PROTOCOLS = resolve(import.meta.dirname, '..', '..', 'examples', 'choreo');

/** A plain file name: no directory part, so an invitation cannot name a file outside the library. */
const SOURCE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.choreo$/;

/**
 * Loads `source` from `dir` with the given parameters, once per (source, parameters). Errors:
 * `session.bad-source` (not a plain `.choreo` file name), `session.unknown-source` (no such file),
 * `session.protocol-invalid` (the file does not check, with its diagnostics).
 */
export function protocolLibrary(dir: string = EXAMPLE_PROTOCOLS): ProtocolLoader {
  const loaded = new Map<string, ProjectedProtocol>();
  return (source, params) => {
    if (!SOURCE_NAME.test(source)) throw permanentError('session.bad-source', `"${source}" is not the name of a .choreo file in the protocol library`, { context: { source } });
    const key = JSON.stringify([source, Object.entries(params).sort(([a], [b]) => a.localeCompare(b))]);
    const cached = loaded.get(key);
    if (cached !== undefined) return cached;
    const file = join(dir, source);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw permanentError('session.unknown-source', `no protocol ${source} in ${dir}`, { cause: error, context: { source } });
    }
    const result = loadProtocol(text, file, { params, resolveImport: fileImportResolver });
    if (result.projected === undefined) {
      throw permanentError('session.protocol-invalid', `${source} cannot run with ${JSON.stringify(params)}:\n${renderDiagnostics({ diagnostics: result.diagnostics, sources: new Map([[file, text]]) })}`, { context: { source } });
    }
    loaded.set(key, result.projected);
    return result.projected;
  };
}
