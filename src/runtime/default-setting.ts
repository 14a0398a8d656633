/**
 * The setting in which any protocol can run without application code: what `aura choreo run` and
 * the simulator's default roles (`randomImpl`) run in. A default run knows no application codecs
 * and no guard chain, so it stands in for both, and says so:
 *
 * - every named payload type without a registered codec travels as opaque random bytes (the
 *   monitor still checks that what goes out comes in unchanged);
 * - every annotation the protocol uses (`guard_capability`, `flow_cost`, …) gets a hook that
 *   records it and enforces nothing.
 *
 * {@link DefaultRunSetting.notes} lists what was stood in for, for the run's output.
 *
 * @module
 */
import type { ProjectedProtocol } from '../choreo/local-type.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { ExtensionRegistry } from './extensions.ts';
import { TypeRegistry, type TypeCodec } from './payload-codec.ts';
import { compileRole } from './program.ts';

/** Length of the random byte strings that stand in for values of named types. */
const OPAQUE_BYTES = 8;

/** Built-in types, and every other named type as opaque bytes. */
export class OpaqueTypes extends TypeRegistry {
  /** The named types that were given the opaque codec. */
  readonly opaque = new Set<string>();

  override get(name: string): TypeCodec {
    const codec = super.get(name);
    if (codec !== undefined) return codec;
    this.opaque.add(name);
    return OPAQUE;
  }
}

/** The type registry and extension hooks of a default run of one protocol. */
export class DefaultRunSetting {
  /** Built-in codecs; named types as opaque bytes. */
  readonly types = new OpaqueTypes();
  /** A recording hook for every annotation the protocol's sends carry. */
  readonly extensions = new ExtensionRegistry();
  private readonly annotations = new Map<string, number>();

  constructor(protocol: ProjectedProtocol) {
    for (const role of protocol.roles) {
      for (const name of compileRole(protocol, role, this.types).hookNames) {
        if (this.annotations.has(name)) continue;
        this.annotations.set(name, 0);
        this.extensions.register(name, () => void this.annotations.set(name, (this.annotations.get(name) ?? 0) + 1));
      }
    }
  }

  /** What the run stood in for: opaque named types, annotations recorded but not enforced. */
  notes(): string[] {
    return [
      ...[...this.types.opaque].map((name) => `${name} has no codec here: its values run as opaque random bytes`),
      ...[...this.annotations].map(([name, times]) => `annotation ${name} seen on ${times} send(s): recorded, not enforced (the guard chain enforces it)`),
    ];
  }
}

const OPAQUE: TypeCodec = {
  encode: opaqueBytes,
  decode: opaqueBytes,
  sample: (random: RandomEffects) => random.randomBytes(OPAQUE_BYTES),
};

function opaqueBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw permanentError('runtime.opaque-value', 'a value of an opaque named type is a byte string');
}
