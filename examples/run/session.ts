/**
 * What every runnable example shares: loading a protocol of `examples/choreo/` (checked and
 * projected, as `aura choreo run` does), and running all its roles in one process to `end`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectedProtocol, RoleName } from '../../src/choreo/local-type.ts';
import { loadProtocol, renderDiagnostics } from '../../src/choreo/check.ts';
import { randomIdentifier } from '../../src/core/identifiers.ts';
import { SeededRandom } from '../../src/handlers/random.ts';
import { MemoryTransport, runSession, type RoleImpl, type SessionRunOptions, type Transport } from '../../src/runtime/index.ts';

/** The folder of the example protocols. */
export const CHOREO_EXAMPLES = join(import.meta.dirname, '..', 'choreo');

/** The projection of `examples/choreo/<name>.choreo`, instantiated with `params`; throws on any error. */
export function loadExample(name: string, params: Readonly<Record<string, number>> = {}): ProjectedProtocol {
  const file = join(CHOREO_EXAMPLES, `${name}.choreo`);
  const text = readFileSync(file, 'utf8');
  const loaded = loadProtocol(text, file, { params });
  if (loaded.projected === undefined) throw new Error(renderDiagnostics({ diagnostics: loaded.diagnostics, sources: new Map([[file, text]]) }));
  return loaded.projected;
}

/** Options of {@link runToEnd}: a session's, with the transport (default: a fresh `MemoryTransport`). */
export interface ExampleRunOptions extends Omit<SessionRunOptions, 'session'> {
  readonly transport?: Transport;
  /** Seed of the session id (default 1). */
  readonly seed?: number;
}

/**
 * Runs every role of `protocol` with `impls` until all reach `end`; throws the first role's error
 * when the session fails, so an example's outcome is only read from a run that ended.
 */
export async function runToEnd(protocol: ProjectedProtocol, impls: Readonly<Record<RoleName, RoleImpl>>, options: ExampleRunOptions = {}): Promise<void> {
  const { transport = new MemoryTransport(), seed = 1, ...rest } = options;
  const outcome = await runSession(protocol, impls, transport, { ...rest, session: randomIdentifier('session', new SeededRandom(seed)) });
  if (outcome.status === 'ended') return;
  const failure = Object.values(outcome.roles).find((result) => result.status === 'rejected');
  throw failure === undefined ? new Error(`${protocol.name} stopped at its bound`) : (failure.reason as Error);
}
