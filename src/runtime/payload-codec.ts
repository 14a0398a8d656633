/**
 * Payload types: turning a message's declared payload (`Vote(vote: bool)`, `Data([bytes])`) into a
 * codec that checks a value against it and gives its wire form, on sending and on receipt.
 *
 * Built-in types: `u8` `u16` `u32` `u64` `i8` `i16` `i32` `i64` (a JS number when it is a safe
 * integer, a bigint otherwise, so that both transports deliver the same value), `bool`, `string`,
 * `bytes` (`Uint8Array`), lists `[T]` / `List<T>`, `Option<T>` (`null` or a T), maps
 * `Map<string, V>` (a plain object with any string keys: DAG-CBOR map keys are strings), and
 * records (a message's named fields: a plain object with exactly those keys). Any other name needs a
 * {@link TypeCodec} registered in a {@link TypeRegistry}; an unregistered name is an error when
 * the run starts (`runtime.unknown-type`), never at the first message.
 *
 * A codec returns the very value it was given when nothing needs normalizing, so checking a
 * typical payload allocates nothing.
 *
 * @module
 */
import type { Payload, TypeExpr } from '../choreo/local-type.ts';
import type { CanonicalValue } from '../core/canonical.ts';
import type { RandomEffects } from '../core/effects.ts';
import { startError } from './errors.ts';

/** How values of a named type are checked and put on the wire. Both directions throw on bad input. */
export interface TypeCodec {
  /** The wire form of an application value; throws (any error) when the value is not of the type. */
  encode(value: unknown): CanonicalValue;
  /** The application value of a wire form; throws (any error) when it is not of the type. */
  decode(wire: CanonicalValue): unknown;
  /** A random value of the type, for default implementations (`randomImpl`); optional. */
  sample?(random: RandomEffects): unknown;
}

/** Codecs of named payload types, by the dotted name used in protocols (`crypto.Share`). */
export class TypeRegistry {
  private readonly codecs = new Map<string, TypeCodec>();

  /** Registers `codec` for `name`; returns the registry for chaining. */
  register(name: string, codec: TypeCodec): this {
    this.codecs.set(name, codec);
    return this;
  }

  /** The codec of `name`, if registered. */
  get(name: string): TypeCodec | undefined {
    return this.codecs.get(name);
  }
}

/**
 * A registry that accepts every named type, passing values through unchecked: for tools that need
 * a protocol's structure but never its values (the API generator, random implementations). Never
 * run a session with it.
 */
class StructureTypes extends TypeRegistry {
  override get(name: string): TypeCodec {
    return super.get(name) ?? PASS_THROUGH;
  }
}

const PASS_THROUGH: TypeCodec = { encode: (value) => value as CanonicalValue, decode: (wire) => wire };

/** The one {@link StructureTypes} registry. */
export const STRUCTURE_TYPES: TypeRegistry = new StructureTypes();

/** A payload value that is not of its declared type: `path` says where. */
export class PayloadShapeError extends Error {
  constructor(
    /** Where in the payload (`payload.votes[2]`). */
    readonly path: string,
    /** What was expected there. */
    readonly expected: string,
    /** A short description of what was found. */
    readonly found: string,
  ) {
    super(`${path}: expected ${expected}, got ${found}`);
    this.name = 'PayloadShapeError';
  }
}

/** Checks one value and returns its normalized form (the same reference when unchanged). */
type Convert = (value: unknown, path: string, direction: Direction) => unknown;
type Direction = 'encode' | 'decode';

/** The compiled codec of one message's payload. */
export interface PayloadCodec {
  /** The type as written, for messages (`(vote: bool)`). */
  readonly text: string;
  /** Checks an outgoing value; returns its wire form. Throws {@link PayloadShapeError}. */
  encode(value: unknown): CanonicalValue;
  /** Checks a received wire value; returns the application value. Throws {@link PayloadShapeError}. */
  decode(wire: CanonicalValue): unknown;
}

/** The codec of a message payload (`null` payload: only `null` is accepted). */
export function compilePayload(payload: Payload | null, registry: TypeRegistry): PayloadCodec {
  const convert = payload === null ? bare : payload.kind === 'type' ? compileType(payload.type, registry) : compileFields(payload.fields, registry);
  const text = payloadText(payload);
  return {
    text,
    encode: (value) => convert(value, 'payload', 'encode') as CanonicalValue,
    decode: (wire) => convert(wire, 'payload', 'decode'),
  };
}

/** The payload as protocol text: `(a: u64, b: [bytes])`, `(bytes)` or empty for a bare label. */
export function payloadText(payload: Payload | null): string {
  if (payload === null) return '';
  if (payload.kind === 'type') return `(${typeText(payload.type)})`;
  return `(${payload.fields.map((field) => `${field.name}: ${typeText(field.type)}`).join(', ')})`;
}

/** A type expression as protocol text. */
export function typeText(type: TypeExpr): string {
  if (type.kind === 'list') return `[${typeText(type.element)}]`;
  return type.args.length === 0 ? type.name : `${type.name}<${type.args.map(typeText).join(', ')}>`;
}

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  u8: [0n, 255n],
  u16: [0n, 65535n],
  u32: [0n, 4294967295n],
  u64: [0n, 18446744073709551615n],
  i8: [-128n, 127n],
  i16: [-32768n, 32767n],
  i32: [-2147483648n, 2147483647n],
  i64: [-9223372036854775808n, 9223372036854775807n],
};

const bare: Convert = (value, path) => {
  if (value !== null && value !== undefined) throw new PayloadShapeError(path, 'no payload', describe(value));
  return null;
};

function compileType(type: TypeExpr, registry: TypeRegistry): Convert {
  if (type.kind === 'list') return listOf(compileType(type.element, registry), typeText(type));
  const range = INTEGER_RANGES[type.name];
  if (range !== undefined && type.args.length === 0) return integer(type.name, range[0], range[1]);
  const arg = (index: number): Convert => {
    const argument = type.args[index];
    if (argument === undefined || type.args.length !== index + 1) throw startError('unknown-type', `type ${typeText(type)} takes exactly ${index + 1} argument(s)`);
    return compileType(argument, registry);
  };
  switch (type.name) {
    case 'bool':
      return primitive('bool', (value) => typeof value === 'boolean');
    case 'string':
      return primitive('string', (value) => typeof value === 'string');
    case 'bytes':
      return primitive('bytes', (value) => value instanceof Uint8Array);
    case 'List':
      return listOf(arg(0), typeText(type));
    case 'Option':
      return optionOf(arg(0));
    case 'Map':
      return mapOf(mapValueType(type), registry, typeText(type));
  }
  const codec = registry.get(type.name);
  if (codec === undefined) throw startError('unknown-type', `payload type ${typeText(type)} is neither built in nor registered in the type registry`);
  return named(type.name, codec);
}

function integer(name: string, min: bigint, max: bigint): Convert {
  const safeMin = min < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(min);
  const safeMax = max > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(max);
  return (value, path) => {
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= safeMin && value <= safeMax) return value;
      throw new PayloadShapeError(path, `${name} (a safe integer; use a bigint beyond 2^53)`, describe(value));
    }
    if (typeof value === 'bigint' && value >= min && value <= max) return value >= BigInt(safeMin) && value <= BigInt(safeMax) ? Number(value) : value;
    throw new PayloadShapeError(path, name, describe(value));
  };
}

function primitive(name: string, test: (value: unknown) => boolean): Convert {
  return (value, path) => {
    if (test(value)) return value;
    throw new PayloadShapeError(path, name, describe(value));
  };
}

function listOf(element: Convert, text: string): Convert {
  return (value, path, direction) => {
    if (!Array.isArray(value)) throw new PayloadShapeError(path, text, describe(value));
    const list = value as readonly unknown[];
    let result: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const converted = element(item, `${path}[${i}]`, direction);
      if (converted !== item) (result ??= list.slice())[i] = converted;
    }
    return result ?? list;
  };
}

function optionOf(inner: Convert): Convert {
  return (value, path, direction) => (value === null ? null : inner(value, path, direction));
}

/** The value type of `Map<string, V>`; any other key type or arity cannot be a DAG-CBOR map. */
export function mapValueType(type: TypeExpr & { readonly kind: 'name' }): TypeExpr {
  const [key, value] = type.args;
  if (type.args.length !== 2 || key?.kind !== 'name' || key.name !== 'string' || key.args.length > 0 || value === undefined) {
    throw startError('unknown-type', `type ${typeText(type)} is not Map<string, V>: map keys are strings on the wire`);
  }
  return value;
}

function mapOf(valueType: TypeExpr, registry: TypeRegistry, text: string): Convert {
  const convert = compileType(valueType, registry);
  return (value, path, direction) => {
    if (!isPlainObject(value)) throw new PayloadShapeError(path, text, describe(value));
    let result: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = value[key];
      const converted = convert(item, `${path}[${JSON.stringify(key)}]`, direction);
      if (converted !== item) (result ??= { ...value })[key] = converted;
    }
    return result ?? value;
  };
}

function compileFields(fields: readonly { readonly name: string; readonly type: TypeExpr }[], registry: TypeRegistry): Convert {
  const names = fields.map((field) => field.name);
  const converts = fields.map((field) => compileType(field.type, registry));
  const expected = `a record {${names.join(', ')}}`;
  // The fields' paths for the last `path` seen (always `payload` for a message's own fields), so
  // they are not joined anew for every message.
  let pathsFor: string | undefined;
  let paths: readonly string[] = [];
  return (value, path, direction) => {
    if (!isPlainObject(value)) throw new PayloadShapeError(path, expected, describe(value));
    // Counting with for-in allocates nothing; an inherited enumerable key only makes the count
    // too high, which refuses the value: the safe side.
    let count = 0;
    for (const _key in value) count++;
    if (count !== names.length) throw new PayloadShapeError(path, expected, `a record {${Object.keys(value).join(', ')}}`);
    if (path !== pathsFor) {
      paths = names.map((name) => `${path}.${name}`);
      pathsFor = path;
    }
    let result: Record<string, unknown> | undefined;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!; // i < names.length, and converts and paths have the same length
      if (!Object.hasOwn(value, name)) throw new PayloadShapeError(path, expected, `a record without ${name}`);
      const item = value[name];
      const converted = converts[i]!(item, paths[i]!, direction);
      if (converted !== item) (result ??= { ...value })[name] = converted;
    }
    return result ?? value;
  };
}

function named(name: string, codec: TypeCodec): Convert {
  return (value, path, direction) => {
    try {
      return direction === 'encode' ? codec.encode(value) : codec.decode(value as CanonicalValue);
    } catch (error) {
      if (error instanceof PayloadShapeError) throw error;
      throw new PayloadShapeError(path, `${name} (${(error as Error).message})`, describe(value));
    }
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
