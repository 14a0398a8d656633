/**
 * The capability frontier: what a holder may still do. Where facts only grow, capabilities only
 * shrink: combining two frontiers takes their {@link meet} (the intersection of permissions and
 * the earlier expiry), so delegation can attenuate and never widen. The meet is associative,
 * commutative and idempotent, and monotone (a meet is below both inputs), which the property
 * tests check. Biscuit tokens (`src/authz/`) will produce frontiers; this is their lattice.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import type { MeetSemilattice } from './crdt/lattice.ts';

/** Permissions (e.g. `journal:write`) and an expiry; `all` is the unrestricted top element. */
export interface CapabilityFrontier {
  /** Granted permissions, or `all`. */
  readonly permissions: 'all' | ReadonlySet<string>;
  /** Milliseconds since the epoch after which nothing is allowed; `undefined` never expires. */
  readonly expiresAt: number | undefined;
}

/** The top of the lattice: everything, forever. The identity of {@link meet}. */
export const TOP_FRONTIER: CapabilityFrontier = { permissions: 'all', expiresAt: undefined };

/** A frontier granting `permissions` until `expiresAt`. */
export function capabilityFrontier(permissions: Iterable<string>, expiresAt?: number): CapabilityFrontier {
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) throw permanentError('capability.invalid', `expiry must be a finite time, got ${expiresAt}`);
  return { permissions: new Set(permissions), expiresAt };
}

/** The greatest frontier below both: common permissions, earlier expiry. */
export function meet(a: CapabilityFrontier, b: CapabilityFrontier): CapabilityFrontier {
  return { permissions: intersect(a.permissions, b.permissions), expiresAt: earlier(a.expiresAt, b.expiresAt) };
}

/** True when `a` allows nothing that `b` does not (`a ≤ b`: `a` is an attenuation of `b`). */
export function isAttenuationOf(a: CapabilityFrontier, b: CapabilityFrontier): boolean {
  return isSubset(a.permissions, b.permissions) && earlier(a.expiresAt, b.expiresAt) === a.expiresAt;
}

type Permissions = CapabilityFrontier['permissions'];

function intersect(a: Permissions, b: Permissions): Permissions {
  if (a === 'all') return b;
  if (b === 'all') return a;
  return new Set([...a].filter((permission) => b.has(permission)));
}

function isSubset(a: Permissions, b: Permissions): boolean {
  if (b === 'all') return true;
  return a !== 'all' && [...a].every((permission) => b.has(permission));
}

/** The earlier of two expiries, `undefined` meaning never. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/** True when both frontiers allow exactly the same. */
export function sameFrontier(a: CapabilityFrontier, b: CapabilityFrontier): boolean {
  return isAttenuationOf(a, b) && isAttenuationOf(b, a);
}

/** True when `frontier` allows `permission` at time `nowMs`. */
export function allows(frontier: CapabilityFrontier, permission: string, nowMs: number): boolean {
  if (frontier.expiresAt !== undefined && nowMs > frontier.expiresAt) return false;
  return frontier.permissions === 'all' || frontier.permissions.has(permission);
}

/** Frontiers as a meet-semilattice, for meet-based replication (`crdt/coordinator.ts`). */
export const capabilityLattice: MeetSemilattice<CapabilityFrontier> = { top: () => TOP_FRONTIER, meet, equals: sameFrontier };
