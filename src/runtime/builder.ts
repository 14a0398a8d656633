/**
 * A small builder for {@link ProjectedProtocol} values by hand: for tests, benchmarks and docs,
 * until protocols come from `.choreo` files through the parser and projection.
 *
 * A local type is written as a sequence of parts, `seq(send(…), recv(…), …)`, ending in `end`
 * unless the last part is a `select`, `branch` or `jump` (which have no continuation of their
 * own, as in projected types). Payloads are written `{ n: 'u64', tags: '[string]' }` for named
 * fields, a type string such as `'bytes'` for one unnamed type, or nothing for a bare label.
 *
 * ```
 * const pingPong = protocol('PingPong', {
 *   Alice: seq(send('Bob', 'Ping', { n: 'u64' }), recv('Bob', 'Pong', { n: 'u64' })),
 *   Bob: seq(recv('Alice', 'Ping', { n: 'u64' }), send('Alice', 'Pong', { n: 'u64' })),
 * });
 * ```
 *
 * @module
 */
import { END, type Annotations, type GatherGroup, type LocalType, type Payload, type ProjectedProtocol, type RoleName, type TypeExpr } from '../choreo/local-type.ts';
import { contentId } from '../core/content-id.ts';
import { permanentError } from '../core/errors.ts';

/** A payload as written in the builder. */
export type PayloadSpec = string | Readonly<Record<string, string>> | undefined;

/** A piece of a local type waiting for what follows it. */
export interface Part {
  /** The local type of this part followed by `next`. */
  readonly then: (next: LocalType) => LocalType;
  /** True for parts with no continuation (select, branch, jump): they must come last. */
  readonly terminal: boolean;
}

/** Options of a send. */
export interface SendOptions {
  /** Branch labels the message carries, outermost first. */
  readonly choice?: readonly string[];
  /** Annotations (`flow_cost`, `guard_capability`, …). */
  readonly annotations?: Annotations;
}

/** The local type made of `parts` in order, ending in `end` unless the last part is terminal. */
export function seq(...parts: readonly Part[]): LocalType {
  parts.slice(0, -1).forEach((part, index) => {
    if (part.terminal) throw permanentError('builder.bad-sequence', `part ${index + 1} has no continuation and must come last`);
  });
  return parts.reduceRight<LocalType>((next, part) => part.then(next), END);
}

/** Send `label` to `to`. */
export function send(to: RoleName, label: string, payload?: PayloadSpec, options: SendOptions = {}): Part {
  return step((next) => ({ kind: 'send', to, label, payload: parsePayload(payload), annotations: options.annotations ?? {}, ...(options.choice ? { choice: options.choice } : {}), next }));
}

/** Receive `label` from `from`. */
export function recv(from: RoleName, label: string, payload?: PayloadSpec, annotations: Annotations = {}): Part {
  return step((next) => ({ kind: 'recv', from, label, payload: parsePayload(payload), annotations, next }));
}

/** Receive `label` from each of `members` (a gather), proceeding after `quorum` of them (default all). */
export function gather(members: readonly RoleName[], label: string, payload?: PayloadSpec, quorum = members.length, annotations: Annotations = {}): Part {
  const group: GatherGroup = { id: `${label}@${members.join(',')}`, quorum, members };
  return step((next) =>
    members.reduceRight<LocalType>((rest, from) => ({ kind: 'recv', from, label, payload: parsePayload(payload), annotations, gather: group, next: rest }), next),
  );
}

/** Run the local action `action`. */
export function local(action: string, args: readonly string[] = []): Part {
  return step((next) => ({ kind: 'local', action, args, next }));
}

/** Choose one of the branches (each a list of parts). */
export function select(branches: Readonly<Record<string, readonly Part[]>>): Part {
  return terminal(() => ({ kind: 'select', branches: mapBranches(branches) }));
}

/** Learn the branch from `from`'s next message. */
export function branch(from: RoleName, branches: Readonly<Record<string, readonly Part[]>>): Part {
  return terminal(() => ({ kind: 'branch', from, branches: mapBranches(branches) }));
}

/** `rec label { parts }`. */
export function rec(label: string, ...parts: readonly Part[]): Part {
  return terminal(() => ({ kind: 'rec', label, body: seq(...parts) }));
}

/** `continue label`: jump back to the enclosing `rec label`. */
export function jump(label: string): Part {
  return terminal(() => ({ kind: 'var', label }));
}

/** Run the parts concurrently (each a list of parts), then continue. */
export function par(...branches: readonly (readonly Part[])[]): Part {
  return step((next) => ({ kind: 'par', branches: branches.map((parts) => seq(...parts)), next }));
}

/** A projected protocol with the given local types; its content id is that of its canonical form. */
export function protocol(name: string, locals: Readonly<Record<RoleName, LocalType>>, params: Readonly<Record<string, number>> = {}): ProjectedProtocol {
  const roles = Object.keys(locals);
  return { name, contentId: contentId({ name, roles, params, locals }).toString(), roles, params, locals };
}

/** Parses a type as written in protocols: `u64`, `crypto.Share`, `[bytes]`, `Option<u64>`. */
export function parseType(text: string): TypeExpr {
  const [type, rest] = typeAt(text.replaceAll(/\s+/g, ''), 0);
  if (rest !== text.replaceAll(/\s+/g, '').length) throw permanentError('builder.bad-type', `cannot parse type "${text}"`);
  return type;
}

function typeAt(text: string, at: number): [TypeExpr, number] {
  if (text[at] === '[') {
    const [element, end] = typeAt(text, at + 1);
    if (text[end] !== ']') throw permanentError('builder.bad-type', `missing ] in type "${text}"`);
    return [{ kind: 'list', element }, end + 1];
  }
  const name = /^[A-Za-z_][\w.]*/.exec(text.slice(at))?.[0];
  if (name === undefined) throw permanentError('builder.bad-type', `expected a type name at ${at} in "${text}"`);
  let end = at + name.length;
  const args: TypeExpr[] = [];
  if (text[end] === '<') {
    do {
      const [arg, after] = typeAt(text, end + 1);
      args.push(arg);
      end = after;
    } while (text[end] === ',');
    if (text[end] !== '>') throw permanentError('builder.bad-type', `missing > in type "${text}"`);
    end += 1;
  }
  return [{ kind: 'name', name, args }, end];
}

function parsePayload(payload: PayloadSpec): Payload | null {
  if (payload === undefined) return null;
  if (typeof payload === 'string') return { kind: 'type', type: parseType(payload) };
  return { kind: 'fields', fields: Object.entries(payload).map(([name, type]) => ({ name, type: parseType(type) })) };
}

function mapBranches(branches: Readonly<Record<string, readonly Part[]>>): Record<string, LocalType> {
  return Object.fromEntries(Object.entries(branches).map(([label, parts]) => [label, seq(...parts)]));
}

function step(then: (next: LocalType) => LocalType): Part {
  return { then, terminal: false };
}

function terminal(make: () => LocalType): Part {
  return { then: make, terminal: true };
}
