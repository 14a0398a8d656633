/**
 * Loading the protocols of this folder: each `.choreo` file is read once, checked and projected
 * for the family sizes asked for (`loadProtocol` of `src/choreo/`), and the projection cached by
 * its parameters. A file that does not check is a `protocols.invalid-choreography` error with the
 * rendered diagnostics: the product never runs a protocol its own checker refuses. An `import` names
 * another file of this folder (`import "commit-reveal.choreo";`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { loadProtocol } from '../choreo/index.ts';
import type { ProjectedProtocol } from '../choreo/local-type.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import type { RoleObserver } from '../runtime/role-event.ts';
import type { RoleImpl, RunOptions as RoleRunOptions } from '../runtime/run-role.ts';
import type { SessionId } from '../core/identifiers.ts';
import { PROTOCOL_TYPES } from './payload-types.ts';

const sources = new Map<string, string>();
/** Projections by file and protocol, then by parameters: every protocol run asks for its projection. */
const projections = new Map<string, Map<string, ProjectedProtocol>>();

/** The text of `src/protocols/<file>`, read once. */
export function protocolSource(file: string): string {
  let text = sources.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
    sources.set(file, text);
  }
  return text;
}

/** The checked projection of `protocol` in `file` with these parameters (cached). */
export function projectedProtocol(file: string, protocol: string, params: Readonly<Record<string, number>>): ProjectedProtocol {
  const fileKey = `${file}\u0000${protocol}`;
  let byParams = projections.get(fileKey);
  if (byParams === undefined) projections.set(fileKey, (byParams = new Map<string, ProjectedProtocol>()));
  let key = '';
  for (const name in params) key += `${name}=${params[name]};`;
  const cached = byParams.get(key);
  if (cached !== undefined) return cached;
  const resolveImport = (path: string) => ({ file: path, text: protocolSource(path) });
  const { diagnostics, projected } = loadProtocol(protocolSource(file), file, { protocol, params, resolveImport });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (projected === undefined || errors.length > 0) {
    throw permanentError('protocols.invalid-choreography', `${file} (${protocol}, ${JSON.stringify(params)}) does not check: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  }
  byParams.set(key, projected);
  return projected;
}

/** The role name of member `index` of the family `family` (`P[2]`), as instantiation names it. */
export function familyRole(family: string, index: number): string {
  return `${family}[${index}]`;
}

/** Options of a protocol run: time for receive timeouts (so a silent member aborts the session), tracing. */
export interface RunOptions {
  /** Time source for `receiveTimeoutMs`. */
  readonly time?: PhysicalTimeEffects;
  /** Bound on each receive, in ms. */
  readonly receiveTimeoutMs?: number;
  /** Watches the role. */
  readonly observer?: RoleObserver;
  /**
   * Replaces the honest role logic of an attempt: for fault tests, which play byzantine members
   * by wrapping the honest implementation.
   */
  readonly roleImpl?: (honest: RoleImpl, attempt: number) => RoleImpl;
}

/**
 * The runtime's options for a role of this folder's protocols in `session`: `options` (only the
 * ones given) and the protocols' payload types. Built field by field, not by spreading: every
 * role of every run makes one.
 */
export function runOptions(options: RunOptions, session: SessionId): RoleRunOptions {
  const run: { -readonly [K in keyof RoleRunOptions]: RoleRunOptions[K] } = { session, types: PROTOCOL_TYPES };
  if (options.time !== undefined) run.time = options.time;
  if (options.receiveTimeoutMs !== undefined) run.receiveTimeoutMs = options.receiveTimeoutMs;
  if (options.observer !== undefined) run.observer = options.observer;
  return run;
}
