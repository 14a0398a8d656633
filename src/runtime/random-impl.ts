/**
 * A default implementation of any role: seeded random payloads of the declared types, seeded
 * random choices at each select, and local actions that do nothing. It lets a whole protocol run
 * in-process with no code written for it (`aura choreo run`), and the same seed replays the same
 * run. A named payload type has random values only when its codec in the given registry has a
 * `sample` method; otherwise a role sending one cannot use this implementation
 * (`runtime.missing-handler`).
 *
 * @module
 */
import type { Payload, ProjectedProtocol, RoleName, TypeExpr } from '../choreo/local-type.ts';
import type { RandomEffects } from '../core/effects.ts';
import { randomInt } from '../core/random.ts';
import { startError } from './errors.ts';
import { STRUCTURE_TYPES, mapValueType, type TypeRegistry, typeText } from './payload-codec.ts';
import type { RoleImpl } from './run-role.ts';
import { compileRole } from './program.ts';

/** Longest random string, byte string and list made. */
const MAX_RANDOM_LENGTH = 4;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * An implementation of `role` that draws every payload and choice from `random`; values of named
 * types come from the `sample` of their codec in `types`.
 */
export function randomImpl(protocol: ProjectedProtocol, role: RoleName, random: RandomEffects, types?: TypeRegistry): RoleImpl {
  const program = compileRole(protocol, role, STRUCTURE_TYPES);
  const send: Record<string, () => unknown> = {};
  for (const step of program.steps) {
    if (step.kind !== 'send' || step.payload === null || step.label in send) continue;
    const make = payloadMaker(step.payload, { role, label: step.label, types });
    send[step.label] = () => make(random);
  }
  const local = Object.fromEntries([...program.actions].map((action) => [action, () => undefined]));
  return { send, local, select: (labels) => labels[randomInt(random, labels.length)] ?? '' };
}

type Maker = (random: RandomEffects) => unknown;

/** Where a maker is made: for error messages, and the codecs of named types. */
interface MakerContext {
  readonly role: RoleName;
  readonly label: string;
  readonly types: TypeRegistry | undefined;
}

function payloadMaker(payload: Payload, context: MakerContext): Maker {
  if (payload.kind === 'type') return typeMaker(payload.type, context);
  const fields = payload.fields.map((field) => [field.name, typeMaker(field.type, context)] as const);
  return (random) => Object.fromEntries(fields.map(([name, make]) => [name, make(random)]));
}

function typeMaker(type: TypeExpr, context: MakerContext): Maker {
  if (type.kind === 'list') return listMaker(typeMaker(type.element, context));
  const [argument] = type.args;
  const bits = /^([ui])(8|16|32|64)$/.exec(type.name);
  if (bits !== null) {
    const width = Math.min(Number(bits[2]), 32);
    return bits[1] === 'u' ? (random) => randomInt(random, 2 ** width) : (random) => randomInt(random, 2 ** width) - 2 ** (width - 1);
  }
  if (type.name === 'bool') return (random) => randomInt(random, 2) === 1;
  if (type.name === 'string') return (random) => Array.from({ length: randomInt(random, MAX_RANDOM_LENGTH + 1) }, () => LETTERS[randomInt(random, LETTERS.length)]).join('');
  if (type.name === 'bytes') return (random) => random.randomBytes(randomInt(random, MAX_RANDOM_LENGTH + 1));
  if (type.name === 'List' && argument !== undefined) return listMaker(typeMaker(argument, context));
  if (type.name === 'Option' && argument !== undefined) {
    const inner = typeMaker(argument, context);
    return (random) => (randomInt(random, 2) === 0 ? null : inner(random));
  }
  if (type.name === 'Map') {
    const key = typeMaker({ kind: 'name', name: 'string', args: [] }, context);
    const value = typeMaker(mapValueType(type), context);
    return (random) => Object.fromEntries<unknown>(Array.from({ length: randomInt(random, MAX_RANDOM_LENGTH + 1) }, () => [String(key(random)), value(random)]));
  }
  const codec = context.types?.get(type.name);
  if (codec?.sample !== undefined) return (random) => codec.sample?.(random);
  const { role, label } = context;
  throw startError('missing-handler', `role ${role} sends ${label} with a ${typeText(type)}, which has no random values: give ${role} an implementation`);
}

function listMaker(element: Maker): Maker {
  return (random) => Array.from({ length: randomInt(random, MAX_RANDOM_LENGTH + 1) }, () => element(random));
}
