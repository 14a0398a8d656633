/**
 * `examples/choreo/key-rotation.choreo`, driven: the initiator proposes a new key epoch to two
 * witnesses, each votes on it, and the initiator commits when both agree. The proposal's payload
 * is the named type `RotationData`, whose codec is registered here; the `guard_capability` and
 * `flow_cost` annotations are checked by extension hooks before each send (a stand-in for the
 * guard chain of a later issue: a set of granted capabilities and a flow budget per role).
 *
 * @module
 */
import type { CanonicalValue } from '../../src/core/canonical.ts';
import type { RandomEffects } from '../../src/core/effects.ts';
import { ExtensionRegistry, TypeRegistry, type RoleImpl, type TypeCodec } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** A proposed rotation: the next epoch and its group public key (32 bytes). */
export interface RotationData {
  readonly epoch: number;
  readonly groupKey: Uint8Array;
}

/** `value` as a {@link RotationData}; throws naming what is wrong. */
function rotationData(value: unknown): RotationData {
  const data = value as Partial<RotationData> | null;
  if (typeof data?.epoch !== 'number' || !Number.isSafeInteger(data.epoch) || data.epoch < 0) throw new Error('epoch must be a non-negative integer');
  if (!(data.groupKey instanceof Uint8Array) || data.groupKey.length !== 32) throw new Error('groupKey must be 32 bytes');
  return { epoch: data.epoch, groupKey: data.groupKey };
}

/** The codec of `RotationData`: on the wire `{ epoch, group_key }`, checked both ways. */
export const ROTATION_DATA: TypeCodec = {
  encode: (value) => {
    const data = rotationData(value);
    return { epoch: data.epoch, group_key: data.groupKey };
  },
  decode: (wire: CanonicalValue) => {
    if (typeof wire !== 'object' || wire === null || Object.keys(wire).length !== 2 || !('group_key' in wire)) throw new Error('expected { epoch, group_key }');
    return rotationData({ epoch: wire.epoch, groupKey: wire.group_key });
  },
  sample: (random: RandomEffects) => ({ epoch: random.randomBytes(1)[0] ?? 0, groupKey: random.randomBytes(32) }),
};

/** The codecs of the named types of the key-rotation protocol. */
export const KEY_ROTATION_TYPES = new TypeRegistry().register('RotationData', ROTATION_DATA);

/** What each role may do: the capabilities granted, and a flow budget per role. */
export interface Policy {
  readonly capabilities: ReadonlySet<string>;
  readonly budget: number;
}

/** How the rotation ended, as each witness saw it. */
export interface RotationOutcome {
  /** `commit` with the new epoch, or `abort`. */
  readonly decision: 'commit' | 'abort';
  readonly epoch?: number;
  /** Each witness's view of the decision. */
  readonly witnesses: Readonly<Record<string, string>>;
  /** Flow units each role spent. */
  readonly spent: Readonly<Record<string, number>>;
}

/**
 * Proposes `proposal` at current epoch `current`; a witness votes yes when the proposal is the
 * next epoch and its key is not `revoked`.
 */
export async function keyRotation(current: number, proposal: RotationData, policy: Policy, revoked: readonly Uint8Array[] = [], options: ExampleRunOptions = {}): Promise<RotationOutcome> {
  const spent: Record<string, number> = {};
  const extensions = new ExtensionRegistry()
    .register('guard_capability', ({ role, value }) => {
      if (!policy.capabilities.has(String(value))) throw new Error(`${role} lacks capability ${String(value)}`);
    })
    .register('flow_cost', ({ role, value }) => {
      const total = (spent[role] ?? 0) + Number(value);
      if (total > policy.budget) throw new Error(`${role} would spend ${total} of its flow budget ${policy.budget}`);
      spent[role] = total;
    });
  const votes: boolean[] = [];
  const witnesses: Record<string, string> = {};
  const initiator: RoleImpl = {
    send: { Proposal: () => ({ data: proposal }), Commit: () => ({ epoch: proposal.epoch }) },
    recv: { Vote: (payload) => void votes.push((payload as { vote: boolean }).vote) },
    select: () => (votes.length === 2 && votes.every(Boolean) ? 'commit' : 'abort'),
  };
  const witness = (name: string): RoleImpl => {
    let seen: RotationData | undefined;
    const fresh = (key: Uint8Array): boolean => !revoked.some((old) => old.length === key.length && old.every((byte, i) => byte === key[i]));
    return {
      recv: {
        Proposal: (payload) => void (seen = (payload as { data: RotationData }).data),
        Commit: (payload) => void (witnesses[name] = `commit ${(payload as { epoch: number }).epoch}`),
        Abort: () => void (witnesses[name] = 'abort'),
      },
      send: { Vote: () => ({ vote: seen !== undefined && seen.epoch === current + 1 && fresh(seen.groupKey) }) },
    };
  };
  await runToEnd(loadExample('key-rotation'), { Initiator: initiator, Witness1: witness('Witness1'), Witness2: witness('Witness2') }, { ...options, types: KEY_ROTATION_TYPES, extensions });
  const committed = Object.values(witnesses).every((view) => view.startsWith('commit'));
  return committed ? { decision: 'commit', epoch: proposal.epoch, witnesses, spent } : { decision: 'abort', witnesses, spent };
}
