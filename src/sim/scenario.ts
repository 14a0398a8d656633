/**
 * Scenarios: a TOML file naming the workload, its participants and their role implementations,
 * the seed, network conditions, a schedule of fault phases (or a recipe for random ones),
 * message-level adversaries, and the properties to check. The format is documented with examples
 * in `docs/simulator.md` and `scenarios/`.
 *
 * Checking reports every problem at once, each with its line number: TOML syntax errors (from
 * `smol-toml`), unknown keys, wrong types, out-of-range values, and unknown workload, role,
 * implementation, node, fault, adversary or property names, naming what is known instead.
 *
 * A checked {@link Scenario} is plain JSON with every default filled in: it is what a trace
 * header carries, and it is checked again (without line numbers) when a trace is replayed.
 *
 * @module
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { permanentError } from '../core/errors.ts';
import { FAULT_KINDS, type FaultKind, type FaultPhase, type LinkSettings, type RandomFaultSpec } from './faults.ts';
import { LATENCY_KINDS, PERFECT_LINK, type LatencyDistribution } from './latency.ts';
import type { CausalStamping } from './trace.ts';
import type { Participant, Workload } from './workload.ts';
import { choreoWorkload, loadChoreography, type ChoreographySpec } from './workloads/choreo.ts';
import { WORKLOADS } from './workloads/index.ts';
import { dirname, resolve } from 'node:path';
import { toAuraError } from '../core/errors.ts';

/** The adversary kinds a scenario can name. */
export const ADVERSARY_KINDS = ['omit', 'delay', 'replay', 'corrupt', 'equivocate'] as const;

/** A message-level adversary as a scenario writes it. */
export interface AdversarySpec {
  /** Which helper of `adversary.ts`. */
  readonly kind: (typeof ADVERSARY_KINDS)[number];
  /** Only messages from this node (for `equivocate`: the equivocating node, required). */
  readonly from?: string;
  /** Only messages to these nodes (for `equivocate`, required: the peers told something else). */
  readonly to?: readonly string[];
  /** Only messages with these labels. */
  readonly labels?: readonly string[];
  /** Probability a selected message is affected (default 1). */
  readonly probability?: number;
  /** Extra delay in ms (for `delay`). */
  readonly ms?: number;
}

/** Network conditions as a scenario writes them: defaults for every link, then per-link rules. */
export interface NetworkSpec extends Required<LinkSettings> {
  /** Rules for some links, applied in order over the defaults. */
  readonly links: readonly (LinkSettings & { readonly from?: string; readonly to?: string })[];
}

/** A checked scenario, every default filled in. */
export interface Scenario {
  /** A name for people. */
  readonly name: string;
  /** Which workload runs (`choreo` for a choreography). */
  readonly workload: string;
  /** The protocol a `choreo` scenario runs. */
  readonly choreography?: ChoreographySpec;
  /** Default seed. */
  readonly seed: number;
  /** Virtual time limit in ms. */
  readonly until: number;
  /** Event limit: a run that reaches it counts as hung. */
  readonly max_events: number;
  /** Causal stamps in traces: `vector` (and Lamport) or `lamport` only, for runs with many nodes. */
  readonly stamping: CausalStamping;
  /** Workload parameters. */
  readonly params: Readonly<Record<string, number>>;
  /** Every node with its role and implementation. */
  readonly participants: readonly Participant[];
  /** Network conditions. */
  readonly network: NetworkSpec;
  /** Fault phases applied in every run. */
  readonly faults: readonly FaultPhase[];
  /** Random fault phases added per seed, if any. */
  readonly random_faults?: RandomFaultSpec;
  /** Message-level adversaries. */
  readonly adversaries: readonly AdversarySpec[];
  /** Properties to check: names from the workload. */
  readonly properties: { readonly invariants: readonly string[]; readonly outcomes: readonly string[] };
}

/** One problem in a scenario. */
export interface ScenarioDiagnostic {
  /** 1-based line, when known. */
  readonly line?: number;
  /** Where in the document, e.g. `faults[2].kind`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

type Path = readonly (string | number)[];

const DEFAULT_UNTIL = 60_000;
const DEFAULT_MAX_EVENTS = 1_000_000;

/**
 * Parses and checks a scenario file. Any problem throws `scenario.syntax` (malformed TOML) or
 * `scenario.invalid` (every problem listed, one per line, as `file:line: path: message`).
 */
export function parseScenario(source: string, file = 'scenario.toml'): Scenario {
  let document: unknown;
  try {
    document = parseToml(source);
  } catch (error) {
    if (error instanceof TomlError) {
      const headline = error.message.split('\n')[0] ?? error.message;
      throw permanentError('scenario.syntax', `${file}:${error.line}:${error.column}: ${headline}`, { cause: error, context: { file, line: error.line, column: error.column } });
    }
    throw error;
  }
  return checkedScenario(document, file, lineLocator(source), dirname(file));
}

/** Checks a scenario given as a value (a trace header's config); problems throw `scenario.invalid`. */
export function scenarioFromValue(value: unknown, file = 'scenario'): Scenario {
  return checkedScenario(value, file, () => undefined);
}

function checkedScenario(document: unknown, file: string, locate: (path: Path) => number | undefined, baseDir?: string): Scenario {
  const { scenario, diagnostics } = checkScenario(document, locate, baseDir);
  if (scenario !== undefined && diagnostics.length === 0) return scenario;
  const lines = diagnostics.map((d) => `${file}${d.line === undefined ? '' : `:${d.line}`}: ${d.path === '' ? '' : `${d.path}: `}${d.message}`);
  throw permanentError('scenario.invalid', `${diagnostics.length} problem(s) in ${file}:\n${lines.join('\n')}`, { context: { file, problems: diagnostics.length, firstLine: diagnostics[0]?.line } });
}

/** The workload a checked scenario runs. */
export function workloadOf(scenario: Scenario): Workload | undefined {
  return scenario.choreography === undefined ? WORKLOADS[scenario.workload] : choreoWorkload(loadChoreography(scenario.choreography));
}

/**
 * Checks a parsed document, returning every problem (the scenario only when there are none). A
 * choreography's file is resolved against `baseDir` (the scenario's folder).
 */
export function checkScenario(document: unknown, locate: (path: Path) => number | undefined = () => undefined, baseDir = '.'): { scenario?: Scenario; diagnostics: ScenarioDiagnostic[] } {
  const c = new Checker(locate);
  const root = c.table(document, []) ?? {};
  c.onlyKeys(root, [], ['name', 'workload', 'choreography', 'seed', 'until', 'max_events', 'stamping', 'params', 'participants', 'network', 'faults', 'random_faults', 'adversaries', 'properties']);
  const choreography = root.choreography === undefined ? undefined : checkChoreographySpec(c, root.choreography, baseDir);
  const workloadName = c.string(root, 'workload', [], choreography === undefined ? undefined : 'choreo');
  let workload = workloadName === undefined || choreography !== undefined ? undefined : WORKLOADS[workloadName];
  if (choreography !== undefined) {
    if (workloadName !== 'choreo') c.problem(['workload'], `a scenario with a [choreography] runs workload "choreo", not "${workloadName ?? ''}"`);
    try {
      workload = choreoWorkload(loadChoreography(choreography));
    } catch (error) {
      c.problem(['choreography'], toAuraError(error).message);
    }
  } else if (workloadName !== undefined && workload === undefined) c.problem(['workload'], `unknown workload "${workloadName}"; known: ${[...Object.keys(WORKLOADS), 'choreo (with a [choreography] table)'].join(', ')}`);
  const participants = checkParticipants(c, root.participants, workload);
  const names = participants.map((participant) => participant.name);
  const scenario: Scenario = {
    name: c.string(root, 'name', [], workloadName ?? 'scenario') ?? 'scenario',
    workload: workloadName ?? '',
    ...(choreography === undefined ? {} : { choreography }),
    seed: c.number(root, 'seed', [], { integer: true, min: 0, fallback: 0 }),
    until: c.number(root, 'until', [], { min: 0, fallback: DEFAULT_UNTIL }),
    max_events: c.number(root, 'max_events', [], { integer: true, min: 1, fallback: DEFAULT_MAX_EVENTS }),
    stamping: checkStamping(c, root),
    params: checkParams(c, root.params, workload),
    participants,
    network: checkNetwork(c, root.network, names),
    faults: c.list(root.faults, ['faults']).map((value, index) => checkFault(c, value, ['faults', index], names)),
    ...(root.random_faults === undefined ? {} : { random_faults: checkRandomFaults(c, root.random_faults) }),
    adversaries: c.list(root.adversaries, ['adversaries']).map((value, index) => checkAdversary(c, value, ['adversaries', index], names)),
    properties: checkProperties(c, root.properties, workload),
  };
  // Document order reads best; problems without a line go last.
  const diagnostics = [...c.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return diagnostics.length === 0 ? { scenario, diagnostics } : { diagnostics };
}

function checkChoreographySpec(c: Checker, value: unknown, baseDir: string): ChoreographySpec | undefined {
  const path = ['choreography'];
  const table = c.table(value, path);
  if (table === undefined) return undefined;
  c.onlyKeys(table, path, ['file', 'protocol', 'params']);
  const file = c.string(table, 'file', path);
  if (file === undefined) {
    c.problem(path, 'a [choreography] needs file = "….choreo"');
    return undefined;
  }
  const protocol = table.protocol === undefined ? undefined : c.string(table, 'protocol', path);
  const paramsTable = table.params === undefined ? {} : (c.table(table.params, [...path, 'params']) ?? {});
  const params = Object.fromEntries(Object.keys(paramsTable).map((key) => [key, c.number(paramsTable, key, [...path, 'params'], { integer: true, min: 1, fallback: 1 })]));
  return { file: resolve(baseDir, file), ...(protocol === undefined ? {} : { protocol }), params };
}

function checkStamping(c: Checker, root: Record<string, unknown>): CausalStamping {
  const stamping = c.string(root, 'stamping', [], 'vector');
  if (stamping === 'vector' || stamping === 'lamport') return stamping;
  c.problem(['stamping'], `unknown stamping "${stamping ?? ''}"; known: vector, lamport`);
  return 'vector';
}

function checkParticipants(c: Checker, value: unknown, workload: Workload | undefined): Participant[] {
  const path = ['participants'];
  if (value === undefined) {
    c.problem(path, 'a scenario needs [[participants]]');
    return [];
  }
  const participants = c.list(value, path).flatMap((entry, index) => {
    const at = [...path, index];
    const table = c.table(entry, at);
    if (table === undefined) return [];
    c.onlyKeys(table, at, ['name', 'prefix', 'count', 'role', 'impl']);
    const role = c.string(table, 'role', at);
    const roles = workload?.roles ?? {};
    const impls = role === undefined ? undefined : roles[role]?.impls;
    if (role !== undefined && workload !== undefined && impls === undefined) c.problem([...at, 'role'], `unknown role "${role}" in workload ${workload.name}; roles: ${Object.keys(roles).join(', ')}`);
    const impl = c.string(table, 'impl', at, impls?.[0] ?? 'default') ?? 'default';
    if (impls !== undefined && !impls.includes(impl)) c.problem([...at, 'impl'], `unknown implementation "${impl}" of role ${role ?? ''}; known: ${impls.join(', ')}`);
    const name = table.name === undefined ? undefined : c.string(table, 'name', at);
    const prefix = table.prefix === undefined ? undefined : c.string(table, 'prefix', at);
    if ((name === undefined) === (prefix === undefined)) {
      c.problem(at, 'give either name = "…" or prefix = "…" with count = N');
      return [];
    }
    if (name !== undefined) return [{ name, role: role ?? '', impl }];
    const count = c.number(table, 'count', at, { integer: true, min: 1, max: 100_000, fallback: 1 });
    return Array.from({ length: count }, (_, i) => ({ name: `${prefix ?? ''}${i}`, role: role ?? '', impl }));
  });
  const seen = new Set<string>();
  for (const participant of participants) {
    if (seen.has(participant.name)) c.problem(path, `participant ${participant.name} appears twice`);
    seen.add(participant.name);
  }
  for (const [role, spec] of Object.entries(workload?.roles ?? {})) {
    const count = participants.filter((participant) => participant.role === role).length;
    if (count < (spec.min ?? 0) || count > (spec.max ?? Infinity)) c.problem(path, `workload ${workload?.name ?? ''} needs ${spec.min ?? 0}${spec.max === undefined ? ' or more' : spec.max === spec.min ? '' : `..${spec.max}`} participant(s) with role "${role}", got ${count}`);
  }
  return participants;
}

function checkParams(c: Checker, value: unknown, workload: Workload | undefined): Record<string, number> {
  const defaults = workload?.params ?? {};
  const table = value === undefined ? {} : (c.table(value, ['params']) ?? {});
  if (workload !== undefined) c.onlyKeys(table, ['params'], Object.keys(defaults));
  const params: Record<string, number> = { ...defaults };
  for (const key of Object.keys(table)) params[key] = c.number(table, key, ['params'], { min: 0, fallback: defaults[key] ?? 0 });
  return params;
}

const LINK_KEYS = ['latency', 'loss', 'duplicate', 'corrupt', 'bandwidth', 'reorder'] as const;

function checkLinkSettings(c: Checker, table: Record<string, unknown>, path: Path): LinkSettings {
  const settings: { -readonly [K in keyof LinkSettings]: LinkSettings[K] } = {};
  if (table.latency !== undefined) settings.latency = checkLatency(c, table.latency, [...path, 'latency']);
  for (const key of ['loss', 'duplicate', 'corrupt'] as const) if (table[key] !== undefined) settings[key] = c.number(table, key, path, { min: 0, max: 1, fallback: 0 });
  if (table.bandwidth !== undefined) settings.bandwidth = c.number(table, 'bandwidth', path, { min: 0, fallback: 0 });
  if (table.reorder !== undefined) settings.reorder = c.boolean(table, 'reorder', path, false);
  return settings;
}

function checkLatency(c: Checker, value: unknown, path: Path): LatencyDistribution {
  const table = c.table(value, path) ?? {};
  const kind = c.string(table, 'kind', path);
  const field = (key: string): number => c.number(table, key, path, { min: 0, fallback: 0, required: true });
  switch (kind) {
    case 'constant':
      c.onlyKeys(table, path, ['kind', 'ms']);
      return { kind, ms: field('ms') };
    case 'uniform': {
      c.onlyKeys(table, path, ['kind', 'min', 'max']);
      const latency = { kind, min: field('min'), max: field('max') } as const;
      if (latency.min > latency.max) c.problem(path, `uniform latency needs min <= max (got ${latency.min} > ${latency.max})`);
      return latency;
    }
    case 'normal':
      c.onlyKeys(table, path, ['kind', 'mean', 'stddev']);
      return { kind, mean: field('mean'), stddev: field('stddev') };
    case 'exponential':
      c.onlyKeys(table, path, ['kind', 'mean']);
      return { kind, mean: field('mean') };
    default:
      if (kind !== undefined) c.problem([...path, 'kind'], `unknown latency distribution "${kind}"; known: ${LATENCY_KINDS.join(', ')}`);
      return PERFECT_LINK.latency;
  }
}

function checkNetwork(c: Checker, value: unknown, names: readonly string[]): NetworkSpec {
  const path = ['network'];
  const table = value === undefined ? {} : (c.table(value, path) ?? {});
  c.onlyKeys(table, path, [...LINK_KEYS, 'links']);
  const links = c.list(table.links, [...path, 'links']).map((entry, index) => {
    const at = [...path, 'links', index];
    const rule = c.table(entry, at) ?? {};
    c.onlyKeys(rule, at, [...LINK_KEYS, 'from', 'to']);
    return { ...c.nodeFields(rule, at, ['from', 'to'], names), ...checkLinkSettings(c, rule, at) };
  });
  return { ...PERFECT_LINK, ...checkLinkSettings(c, table, path), links };
}

function checkFault(c: Checker, value: unknown, path: Path, names: readonly string[]): FaultPhase {
  const table = c.table(value, path) ?? {};
  const kind = c.string(table, 'kind', path);
  const at = c.number(table, 'at', path, { min: 0, fallback: 0, required: true });
  const optional = (key: string): { [key: string]: number } => (table[key] === undefined ? {} : { [key]: c.number(table, key, path, { min: at, fallback: at }) });
  switch (kind) {
    case 'partition': {
      c.onlyKeys(table, path, ['kind', 'at', 'until', 'groups']);
      const groups = c.list(table.groups, [...path, 'groups']).map((group, index) => c.nodeList(group, [...path, 'groups', index], names));
      if (groups.length === 0) c.problem([...path, 'groups'], 'a partition needs groups = [["A", …], …]');
      return { kind, at, ...optional('until'), groups };
    }
    case 'crash':
      c.onlyKeys(table, path, ['kind', 'at', 'node', 'restart']);
      return { kind, at, node: c.node(table, 'node', path, names), ...optional('restart') };
    case 'degrade':
      c.onlyKeys(table, path, ['kind', 'at', 'until', 'from', 'to', ...LINK_KEYS]);
      return { kind, at, ...optional('until'), ...c.nodeFields(table, path, ['from', 'to'], names), ...checkLinkSettings(c, table, path) };
    case 'skew':
      c.onlyKeys(table, path, ['kind', 'at', 'node', 'offset', 'drift']);
      return { kind, at, node: c.node(table, 'node', path, names), offset: c.number(table, 'offset', path, { fallback: 0, required: true }), ...(table.drift === undefined ? {} : { drift: c.number(table, 'drift', path, { min: -0.5, max: 1, fallback: 0 }) }) };
    default:
      if (kind !== undefined) c.problem([...path, 'kind'], `unknown fault "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
      return { kind: 'crash', at, node: '' };
  }
}

function checkRandomFaults(c: Checker, value: unknown): RandomFaultSpec {
  const path = ['random_faults'];
  const table = c.table(value, path) ?? {};
  c.onlyKeys(table, path, ['count', 'horizon', 'max_duration', 'kinds']);
  const kinds = table.kinds === undefined ? FAULT_KINDS : c.stringList(table, 'kinds', path);
  for (const kind of kinds) if (!(FAULT_KINDS as readonly string[]).includes(kind)) c.problem([...path, 'kinds'], `unknown fault "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
  return {
    count: c.number(table, 'count', path, { integer: true, min: 0, max: 1000, fallback: 1 }),
    horizon: c.number(table, 'horizon', path, { integer: true, min: 1, fallback: 1000 }),
    max_duration: c.number(table, 'max_duration', path, { integer: true, min: 1, fallback: 500 }),
    kinds: kinds as FaultKind[],
  };
}

function checkAdversary(c: Checker, value: unknown, path: Path, names: readonly string[]): AdversarySpec {
  const table = c.table(value, path) ?? {};
  c.onlyKeys(table, path, ['kind', 'from', 'to', 'labels', 'probability', 'ms']);
  const kind = c.string(table, 'kind', path);
  if (kind !== undefined && !(ADVERSARY_KINDS as readonly string[]).includes(kind)) c.problem([...path, 'kind'], `unknown adversary "${kind}"; known: ${ADVERSARY_KINDS.join(', ')}`);
  if (kind === 'equivocate' && (table.from === undefined || table.to === undefined)) c.problem(path, 'equivocate needs from = "NODE" (who equivocates) and to = [...] (the peers who get a conflicting payload)');
  if (kind === 'delay' && table.ms === undefined) c.problem(path, 'delay needs ms = N (the extra delay)');
  return {
    kind: (kind ?? 'omit') as AdversarySpec['kind'],
    ...c.nodeFields(table, path, ['from'], names),
    ...(table.to === undefined ? {} : { to: c.nodeList(table.to, [...path, 'to'], names) }),
    ...(table.labels === undefined ? {} : { labels: c.stringList(table, 'labels', path) }),
    ...(table.probability === undefined ? {} : { probability: c.number(table, 'probability', path, { min: 0, max: 1, fallback: 1 }) }),
    ...(table.ms === undefined ? {} : { ms: c.number(table, 'ms', path, { min: 0, fallback: 0 }) }),
  };
}

function checkProperties(c: Checker, value: unknown, workload: Workload | undefined): Scenario['properties'] {
  const path = ['properties'];
  const table = value === undefined ? {} : (c.table(value, path) ?? {});
  c.onlyKeys(table, path, ['invariants', 'outcomes']);
  if (workload === undefined) return { invariants: [], outcomes: [] };
  const known = workload.properties;
  const pick = (key: 'invariants' | 'outcomes'): readonly string[] => {
    if (table[key] === undefined) return known[key];
    const names = c.stringList(table, key, path);
    for (const name of names) if (!known[key].includes(name)) c.problem([...path, key], `unknown ${key === 'invariants' ? 'invariant' : 'outcome'} "${name}" of workload ${workload.name}; known: ${known[key].join(', ') || 'none'}`);
    return names;
  };
  return { invariants: pick('invariants'), outcomes: pick('outcomes') };
}

/** Collects problems while reading an untyped document. */
class Checker {
  /** Every problem found so far. */
  readonly problems: ScenarioDiagnostic[] = [];

  constructor(private readonly locate: (path: Path) => number | undefined) {}

  /** Records a problem at `path` (with its line, when known). */
  problem(path: Path, message: string): void {
    const line = this.locate(path);
    this.problems.push({ ...(line === undefined ? {} : { line }), path: formatPath(path), message });
  }

  /** `value` as a table, or a problem. */
  table(value: unknown, path: Path): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problem(path, `expected a table, got ${describe(value)}`);
    return undefined;
  }

  /** `value` as a list (absent: empty), or a problem. */
  list(value: unknown, path: Path): unknown[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value as unknown[];
    this.problem(path, `expected a list, got ${describe(value)}`);
    return [];
  }

  /** A problem for each key of `table` not in `allowed`. */
  onlyKeys(table: Record<string, unknown>, path: Path, allowed: readonly string[]): void {
    for (const key of Object.keys(table)) if (!allowed.includes(key)) this.problem([...path, key], `unknown key "${key}"; expected one of ${allowed.join(', ')}`);
  }

  /** A string field; missing is a problem unless there is a fallback. */
  string(table: Record<string, unknown>, key: string, path: Path, fallback?: string): string | undefined {
    const value = table[key];
    if (value === undefined) {
      if (fallback === undefined) this.problem([...path, key], `missing ${key}`);
      return fallback;
    }
    if (typeof value === 'string') return value;
    this.problem([...path, key], `expected a string, got ${describe(value)}`);
    return fallback;
  }

  /** A list-of-strings field. */
  stringList(table: Record<string, unknown>, key: string, path: Path): string[] {
    const value = table[key];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    this.problem([...path, key], `expected a list of strings, got ${describe(value)}`);
    return [];
  }

  /** A number field within bounds; out of range or wrong type is a problem (and the fallback is used). */
  number(table: Record<string, unknown>, key: string, path: Path, options: { readonly fallback: number; readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly required?: boolean }): number {
    const raw = table[key];
    if (raw === undefined) {
      if (options.required === true) this.problem([...path, key], `missing ${key}`);
      return options.fallback;
    }
    const value = typeof raw === 'bigint' && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem([...path, key], `expected a number, got ${describe(raw)}`);
      return options.fallback;
    }
    if (options.integer === true && !Number.isSafeInteger(value)) this.problem([...path, key], `expected a whole number, got ${value}`);
    else if (options.min !== undefined && value < options.min) this.problem([...path, key], `must be at least ${options.min}, got ${value}`);
    else if (options.max !== undefined && value > options.max) this.problem([...path, key], `must be at most ${options.max}, got ${value}`);
    else return value;
    return options.fallback;
  }

  /** A boolean field. */
  boolean(table: Record<string, unknown>, key: string, path: Path, fallback: boolean): boolean {
    const value = table[key];
    if (typeof value === 'boolean') return value;
    this.problem([...path, key], `expected true or false, got ${describe(value)}`);
    return fallback;
  }

  /** A field naming a participant. */
  node(table: Record<string, unknown>, key: string, path: Path, names: readonly string[]): string {
    const name = this.string(table, key, path) ?? '';
    if (name !== '' && !names.includes(name)) this.problem([...path, key], unknownNode(name, names));
    return name;
  }

  /** The given optional fields, each naming a participant. */
  nodeFields(table: Record<string, unknown>, path: Path, keys: readonly string[], names: readonly string[]): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const key of keys) if (table[key] !== undefined) fields[key] = this.node(table, key, path, names);
    return fields;
  }

  /** A list of participant names. */
  nodeList(value: unknown, path: Path, names: readonly string[]): string[] {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.problem(path, `expected a list of node names, got ${describe(value)}`);
      return [];
    }
    for (const name of value) if (!names.includes(name)) this.problem(path, unknownNode(name, names));
    return value;
  }
}

function unknownNode(name: string, names: readonly string[]): string {
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
  return `unknown node "${name}"; participants: ${shown}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'object':
      return 'a table';
    case 'string':
      return `"${value}"`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    default:
      return typeof value;
  }
}

function formatPath(path: Path): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/**
 * Line numbers of a TOML document by path: table headers (`[a.b]`, `[[a]]`, counting array
 * entries) and `key =` lines under them. A path with no line of its own gets its nearest
 * ancestor's line (an inline table's fields get the line of the key holding it).
 */
export function lineLocator(source: string): (path: Path) => number | undefined {
  const lines = new Map<string, number>();
  const counts = new Map<string, number>();
  let table: Path = [];
  source.split('\n').forEach((text, index) => {
    const line = index + 1;
    const header = /^\s*(\[\[?)\s*([A-Za-z0-9_.\-" ]+?)\s*\]\]?\s*(#.*)?$/.exec(text);
    if (header !== null) {
      const parts = (header[2] ?? '').split('.').map((part) => part.trim().replaceAll('"', ''));
      if (header[1] === '[[') {
        const key = parts.join('.');
        const count = counts.get(key) ?? 0;
        counts.set(key, count + 1);
        table = [...parts, count];
      } else {
        table = parts;
      }
      if (!lines.has(JSON.stringify(table))) lines.set(JSON.stringify(table), line);
      return;
    }
    const assignment = /^\s*([A-Za-z0-9_-]+|"[^"]*")\s*=/.exec(text);
    if (assignment !== null) {
      const key = (assignment[1] ?? '').replaceAll('"', '');
      lines.set(JSON.stringify([...table, key]), line);
    }
  });
  return (path) => {
    for (let length = path.length; length >= 0; length--) {
      const line = lines.get(JSON.stringify(path.slice(0, length)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}
