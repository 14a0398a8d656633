/**
 * Payload schemas: small composable checks of decoded DAG-CBOR values, each naming the path of the
 * first thing that is wrong (`payload.publicKey: expected 32 bytes, got 31`). The fact-type
 * registry (`fact-registry.ts`) validates every payload with one before a fact is admitted.
 *
 * A schema is a plain function from a value and its path to a reason, or `undefined` when the
 * value conforms; `Infer<S>` gives the TypeScript type a schema accepts.
 *
 * @module
 */
import { identifierKind, parseIdentifier, type Identifier, type IdentifierKind } from '../core/identifiers.ts';
import { isAuraError } from '../core/errors.ts';

/** A check of a decoded value; returns why `value` (at `path`) does not conform, or `undefined`. */
export type Schema<T> = ((value: unknown, path: string) => string | undefined) & { readonly __type?: T };

/** The type of the values a schema accepts. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

function schema<T>(check: (value: unknown, path: string) => string | undefined): Schema<T> {
  return check;
}

/** A UTF-8 string of at most `maxLength` characters. */
export function text(maxLength = 1024): Schema<string> {
  return schema((value, path) => {
    if (typeof value !== 'string') return `${path}: expected a string, got ${describe(value)}`;
    return value.length > maxLength ? `${path}: string longer than ${maxLength} characters` : undefined;
  });
}

/** A non-negative safe integer no greater than `max`. */
export function uint(max = Number.MAX_SAFE_INTEGER): Schema<number> {
  return schema((value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `${path}: expected a non-negative integer, got ${describe(value)}`;
    return value > max ? `${path}: ${value} exceeds the maximum ${max}` : undefined;
  });
}

/** A boolean. */
export const bool: Schema<boolean> = schema((value, path) => (typeof value === 'boolean' ? undefined : `${path}: expected a boolean, got ${describe(value)}`));

/** A byte string of exactly `length` bytes, or of any length when `length` is omitted. */
export function bytes(length?: number): Schema<Uint8Array> {
  return schema((value, path) => {
    if (!(value instanceof Uint8Array)) return `${path}: expected bytes, got ${describe(value)}`;
    return length !== undefined && value.length !== length ? `${path}: expected ${length} bytes, got ${value.length}` : undefined;
  });
}

/** A byte string of at most `maxLength` bytes. */
export function bytesUpTo(maxLength: number): Schema<Uint8Array> {
  return schema((value, path) => {
    if (!(value instanceof Uint8Array)) return `${path}: expected bytes, got ${describe(value)}`;
    return value.length > maxLength ? `${path}: longer than ${maxLength} bytes` : undefined;
  });
}

/** The text form of an identifier of kind `kind`. */
export function identifier<K extends IdentifierKind>(kind: K): Schema<Identifier<K>> {
  return schema((value, path) => {
    if (typeof value !== 'string') return `${path}: expected ${kind} identifier, got ${describe(value)}`;
    try {
      parseIdentifier(kind, value);
      return undefined;
    } catch (error) {
      return `${path}: ${isAuraError(error) ? error.message : String(error)}`;
    }
  });
}

/** The text form of an identifier of any of the given kinds. */
export function identifierOf<K extends IdentifierKind>(...kinds: K[]): Schema<Identifier<K>> {
  return schema((value, path) => {
    const kind = typeof value === 'string' ? identifierKind(value) : undefined;
    if (kind === undefined || !(kinds as IdentifierKind[]).includes(kind)) return `${path}: expected ${kinds.join(' or ')} identifier, got ${describe(value)}`;
    return identifier(kind)(value, path);
  });
}

/** One of the given literal strings. */
export function literal<L extends string>(...values: L[]): Schema<L> {
  return schema((value, path) =>
    typeof value === 'string' && (values as string[]).includes(value) ? undefined : `${path}: expected one of ${values.map((v) => `"${v}"`).join(', ')}, got ${describe(value)}`,
  );
}

/** A list of at most `maxLength` items, each conforming to `item`. */
export function list<T>(item: Schema<T>, maxLength = 4096): Schema<readonly T[]> {
  return schema((value, path) => {
    if (!Array.isArray(value)) return `${path}: expected a list, got ${describe(value)}`;
    if (value.length > maxLength) return `${path}: list longer than ${maxLength} items`;
    for (let i = 0; i < value.length; i++) {
      const reason = item(value[i], `${path}[${i}]`);
      if (reason !== undefined) return reason;
    }
    return undefined;
  });
}

/** Fields of a record schema: required ones, and optional ones marked with {@link optional}. */
export type Fields = Readonly<Record<string, Schema<unknown>>>;

const OPTIONAL = Symbol('optional');
type OptionalSchema<T> = Schema<T> & { readonly [OPTIONAL]: true };

/** Marks a record field as optional: absent is fine, present must conform. */
export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return Object.assign(schema<T>((value, path) => inner(value, path)), { [OPTIONAL]: true as const });
}

type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema<unknown> ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema<unknown> ? K : never }[keyof F];
/** The record type of a record schema's fields. */
export type RecordOf<F extends Fields> = { readonly [K in RequiredKeys<F>]: Infer<F[K]> } & { readonly [K in OptionalKeys<F>]?: Infer<F[K]> };

/** A map with exactly the given fields (no others), each conforming to its schema. */
export function record<F extends Fields>(fields: F): Schema<RecordOf<F>> {
  // Listed once here rather than per check: records are checked on every message and fact.
  const checks = Object.entries(fields).map(([key, check]) => ({ key, check, optional: OPTIONAL in check }));
  // The fields' paths for the last `path` seen: a record is checked at the same path again and
  // again (each message of one type), so they are not joined anew on every check.
  let pathsFor: string | undefined;
  let paths: readonly string[] = [];
  return schema((value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return `${path}: expected a map, got ${describe(value)}`;
    const entries = value as Record<string, unknown>;
    for (const key of Object.keys(entries)) if (!Object.hasOwn(fields, key)) return `${path}: unexpected field "${key}"`;
    if (path !== pathsFor) {
      paths = checks.map(({ key }) => `${path}.${key}`);
      pathsFor = path;
    }
    for (let i = 0; i < checks.length; i++) {
      const { key, check, optional } = checks[i]!; // i < checks.length
      if (!(key in entries)) {
        if (optional) continue;
        return `${path}: missing field "${key}"`;
      }
      const reason = check(entries[key], paths[i]!); // paths has one entry per check
      if (reason !== undefined) return reason;
    }
    return undefined;
  });
}

/** A tagged union: a map whose `kind` field picks the record schema the rest must match. */
export function variant<V extends Readonly<Record<string, Fields>>>(cases: V): Schema<{ [K in keyof V]: { readonly kind: K } & RecordOf<V[K]> }[keyof V]> {
  const records = new Map(Object.entries(cases).map(([kind, fields]) => [kind, record({ ...fields, kind: literal(kind) })]));
  return schema((value, path) => {
    const kind = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).kind : undefined;
    const check = typeof kind === 'string' ? records.get(kind) : undefined;
    if (check === undefined) return `${path}.kind: expected one of ${[...records.keys()].map((k) => `"${k}"`).join(', ')}, got ${describe(kind)}`;
    return check(value, path);
  });
}

/** A short description of a value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 37) + '…' : value}"`;
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}
