/**
 * Adversarial roles: any role of a choreography replaced by a misbehaving implementation (issue 5,
 * item 3). A {@link RoleAdversary} changes a role's implementation, adds message-level adversaries
 * on its outgoing link, or schedules faults on its node; {@link simulateChoreo} applies them. Each
 * helper is a one-liner:
 *
 * | helper | the role… |
 * |---|---|
 * | `crashStop(role, at)` | stops for good at virtual time `at` |
 * | `omitting(role, selector)` | withholds some of its messages |
 * | `equivocating(role, misled)` | sends the peers in `misled` other payloads (well-typed) than the rest |
 * | `malformed(role, selector)` | sends bytes that are no frame (caught by the decoder) |
 * | `forging(role, selector)` | sends well-formed frames whose payload was altered after the fact, like a wrong signature |
 * | `replaying(role, selector)` | re-sends old messages of the same link |
 * | `delaying(role, ms, selector)` | holds some messages back by `ms` |
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { decodeFrame, encodeFrame } from '../runtime/envelope-codec.ts';
import { randomImpl } from '../runtime/random-impl.ts';
import { corrupt, delay, omit, replay, tamper, type Adversary, type MessageSelector } from './adversary.ts';
import { corruptPayload } from './corrupt.ts';
import type { RoleImplFactory } from './choreo-sim.ts';
import type { FaultPhase } from './faults.ts';

/** Which of a role's messages a helper affects: the selector without `from` (it is the role). */
export type RoleMessageSelector = Omit<MessageSelector, 'from'>;

/** How one role misbehaves. */
export interface RoleAdversary {
  /** The role. */
  readonly role: RoleName;
  /** Name for reports (`crash-stop(Seller)`). */
  readonly name: string;
  /** Replaces the role's implementation, given the one it would have had. */
  readonly impl?: (honest: RoleImplFactory) => RoleImplFactory;
  /** Message-level adversaries on the role's messages. */
  readonly adversaries?: readonly Adversary[];
  /** Faults on the role's node. */
  readonly faults?: readonly FaultPhase[];
}

/** The role stops for good at virtual time `at` (default 0: it never starts). */
export function crashStop(role: RoleName, at = 0): RoleAdversary {
  return { role, name: `crash-stop(${role})`, faults: [{ kind: 'crash', node: role, at }] };
}

/** The role withholds the selected messages. */
export function omitting(role: RoleName, selector: RoleMessageSelector = {}): RoleAdversary {
  return { role, name: `omitting(${role})`, adversaries: [omit({ ...selector, from: role })] };
}

/**
 * The role equivocates: to the peers in `misled` it sends payloads of its own making (seeded
 * random, of the right type), to the others what its implementation says.
 */
export function equivocating(role: RoleName, misled: readonly RoleName[]): RoleAdversary {
  const targets = new Set(misled);
  return {
    role,
    name: `equivocating(${role} to ${misled.join(', ')})`,
    impl: (honest) => (node, protocol, name, types) => {
      const impl = honest(node, protocol, name, types);
      const lies = randomImpl(protocol, name, node.effects.random, types).send ?? {};
      const send = Object.fromEntries(
        Object.entries(impl.send ?? {}).map(([label, handler]) => [label, (to: RoleName): unknown => (targets.has(to) ? lies[label]?.(to) : handler(to))]),
      );
      return { ...impl, send };
    },
  };
}

/** The role sends bytes that do not decode (a bit flipped on the selected messages). */
export function malformed(role: RoleName, selector: RoleMessageSelector = {}): RoleAdversary {
  return { role, name: `malformed(${role})`, adversaries: [corrupt({ ...selector, from: role })] };
}

/**
 * The role sends well-formed frames whose payload was altered after its implementation produced
 * it: what a wrongly signed or tampered message looks like to a receiver that checks only shape.
 */
export function forging(role: RoleName, selector: RoleMessageSelector = {}): RoleAdversary {
  const alter = (bytes: unknown, _to: string, draws: Parameters<typeof corruptPayload>[1]): unknown => {
    const frame = decodeFrame(bytes as Uint8Array);
    return frame.kind === 'message' ? encodeFrame({ ...frame, payload: corruptPayload(frame.payload, draws) as typeof frame.payload }) : bytes;
  };
  return { role, name: `forging(${role})`, adversaries: [tamper({ ...selector, from: role }, alter)] };
}

/** The role re-sends an old message of the same link after each selected one. */
export function replaying(role: RoleName, selector: RoleMessageSelector = {}): RoleAdversary {
  return { role, name: `replaying(${role})`, adversaries: [replay({ ...selector, from: role })] };
}

/** The role holds the selected messages back by `ms`. */
export function delaying(role: RoleName, ms: number, selector: RoleMessageSelector = {}): RoleAdversary {
  return { role, name: `delaying(${role}, ${ms} ms)`, adversaries: [delay({ ...selector, from: role }, ms)] };
}
