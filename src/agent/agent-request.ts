/**
 * The messages by which a device asks the other devices of its authority to take part in a
 * protocol session, on the device channel {@link AGENT_CHANNEL} (each message the canonical
 * DAG-CBOR of one map, field `t` naming it):
 *
 * 1. the initiator registers the session and sends each participant a **request**
 *    `{ t: "request", session, op, roles: [device…], body }`: which operation (`sign`), the
 *    device playing each role in order (`roles[k]` plays `S[k]`, and `P[k]` for DKD), and the
 *    operation's inputs (for `sign`: `{ message: bytes }`; for `derive`: `{ context, app }`; for
 *    `reshare`, a membership change: `{ dealers, add, remove, threshold, epoch, group }`, where
 *    `roles` are the members after the change in role order (`R[k]`, `S[k]`), `dealers` the
 *    members before it that deal (`D[i]`), `add` the new devices
 *    `[{ name, device, address, hpkePublicKey, signingPublicKey }]`, `remove` the devices that
 *    leave, `threshold` the new threshold, `epoch` the authority epoch the change starts from and
 *    `group` the current public key package, which a new device has no other way to learn; and,
 *    when the authority has guardians, `guardianship`: they take part, and a new device records
 *    it); for
 *    `guardian-setup`: `{ guardianship }` (see `guardianship.ts`);
 * 2. each participant checks the request (the sender and every device are members of its
 *    authority, it plays a role), asks its approval policy, registers the session (so early
 *    frames are held) and answers **accept** `{ t: "accept", session }` or **decline**
 *    `{ t: "decline", session, code, reason }`;
 * 3. once all accepted, the initiator sends **start** `{ t: "start", session }` and every
 *    participant runs its role;
 * 4. when the initiator calls the run off after that (a guardian declined a membership change
 *    that every member had accepted), it sends **abort** `{ t: "abort", session, code, reason, by }`:
 *    `by` the device that caused it (the guardian), `code` and `reason` the initiator's error.
 *    Each participant stops its roles at once ({@link calledOff}; its sessions' peers get the
 *    runtime's abort notices), instead of waiting out its receive timeout.
 *
 * Unlike the session host of `src/runtime/` (which plays example protocols with random
 * payloads), these sessions run the real role logic of `src/protocols/` with the device's own
 * key share.
 *
 * Source: issue 11 item 2 (`aura node` "serves this device's part of any session its authority
 * starts, under an approval policy").
 *
 * @module
 */
import { decodeCanonical, encodeCanonical, isCanonicalMap } from '../core/canonical.ts';
import { isAuraError, permanentError, type AuraError } from '../core/errors.ts';
import { parseIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { checkPublicKeyPackage, type PublicKeyPackage } from '../crypto/key-share.ts';
import { memberIndex } from '../protocols/attempts.ts';
import { guardianshipSchema, type Guardianship } from './guardianship.ts';

/** The device channel of agent requests. */
export const AGENT_CHANNEL = 'aura.agent/1';

/** Longest message a sign request may carry. */
export const MAX_SIGN_MESSAGE_BYTES = 64 << 10;

/** Longest context or app name of a derive request (the limit of the `dkd.Request` schema). */
export const MAX_CONTEXT_CHARS = 256;

/** Most members a membership change may name (add or remove). */
export const MAX_CHANGED_MEMBERS = 16;

/** A device joining the authority, as the members learn of it. */
export interface NewMember {
  /** A name for people (`device-4`). */
  readonly name: string;
  /** Its device id (derived from its signing key). */
  readonly device: DeviceId;
  /** Where it listens: a multiaddr ending in `/p2p/<peer id>`. */
  readonly address: string;
  /** Its X25519 HPKE public key (32 bytes): its sub-shares are sealed to it. */
  readonly hpkePublicKey: Uint8Array;
  /** Its Ed25519 device key (32 bytes): the key of its tree leaf. */
  readonly signingPublicKey: Uint8Array;
}

/** A membership change: resharing the group key onto `roles` (see the module comment). */
export interface MembershipChangeBody {
  /** The current members that deal, in dealing order (`D[i]`). */
  readonly dealers: readonly DeviceId[];
  /** The devices that join. */
  readonly add: readonly NewMember[];
  /** The devices that leave. */
  readonly remove: readonly DeviceId[];
  /** The threshold after the change. */
  readonly threshold: number;
  /** The authority epoch the change starts from. */
  readonly epoch: number;
  /** The current group: key and verifying shares. */
  readonly group: PublicKeyPackage;
  /**
   * The authority's guardianship before the change, when it has guardians: they take part (their
   * recovery shares are reshared too), and a joining device records it.
   */
  readonly guardianship?: Guardianship;
}

/**
 * An operation and its inputs: FROST signing of a message, DKD of a context key, a membership
 * change, or guardian setup (the guardianship being set up: its owners are the roles' first
 * devices, its guardians the rest).
 */
export type AgentOperation =
  | { readonly op: 'sign'; readonly message: Uint8Array }
  | { readonly op: 'derive'; readonly context: string; readonly app: string }
  | ({ readonly op: 'reshare' } & MembershipChangeBody)
  | { readonly op: 'guardian-setup'; readonly guardianship: Guardianship };

/** The operations a device can be asked to take part in. */
export type AgentOp = AgentOperation['op'];

/** A request to take part in a session. */
export type AgentRequest = AgentOperation & {
  /** The session. */
  readonly session: SessionId;
  /** The device of each role, in role order. */
  readonly roles: readonly DeviceId[];
};

/** One agent message. */
export type AgentMessage =
  | { readonly t: 'request'; readonly request: AgentRequest }
  | { readonly t: 'accept'; readonly session: SessionId }
  | { readonly t: 'decline'; readonly session: SessionId; readonly code: string; readonly reason: string }
  | { readonly t: 'start'; readonly session: SessionId }
  | { readonly t: 'abort'; readonly session: SessionId; readonly code: string; readonly reason: string; readonly by: DeviceId };

/**
 * The error with which a participant stops the run `abort` called off, sent by its initiator
 * (named `initiator`): `agent.called-off`, naming in `context.by` the device that caused it (a
 * guardian that declined) and in `context.code` the initiator's error code.
 */
export function calledOff(abort: Extract<AgentMessage, { t: 'abort' }>, initiator: string): AuraError {
  return permanentError('agent.called-off', `${initiator} called the session off: ${abort.reason} (${abort.code})`, { context: { session: abort.session, by: abort.by, code: abort.code } });
}

/** The device playing `role` in `request`: `D[i]` is the i-th dealer of a change, any other `F[k]` the k-th of the roles. */
export function deviceOfRole(request: AgentRequest, role: string): DeviceId | undefined {
  return (request.op === 'reshare' && role.startsWith('D[') ? request.dealers : request.roles)[memberIndex(role)];
}

/** The wire bytes of `message`. */
export function encodeAgentMessage(message: AgentMessage): Uint8Array {
  if (message.t === 'request') {
    const request = message.request;
    return encodeCanonical({ t: 'request', session: request.session, op: request.op, roles: [...request.roles], body: bodyOf(request) });
  }
  return encodeCanonical(message);
}

/** Decodes one agent message strictly. Errors: `cbor.*`, `agent.bad-message` naming the field. */
export function decodeAgentMessage(bytes: Uint8Array): AgentMessage {
  const value = decodeCanonical(bytes);
  if (!isCanonicalMap(value)) throw bad('an agent message is a map');
  const session = parseIdentifier('session', text(value.session, 'session'));
  switch (value.t) {
    case 'accept':
    case 'start':
      return { t: value.t, session };
    case 'decline':
      return { t: 'decline', session, code: text(value.code, 'code'), reason: text(value.reason, 'reason') };
    case 'abort':
      return { t: 'abort', session, code: text(value.code, 'code'), reason: text(value.reason, 'reason'), by: parseIdentifier('device', text(value.by, 'by')) };
    case 'request': {
      if (value.op !== 'sign' && value.op !== 'derive' && value.op !== 'reshare' && value.op !== 'guardian-setup') throw bad(`unknown operation ${JSON.stringify(value.op)}`);
      const roles = devices(value.roles, 'roles', 1);
      const body = value.body;
      if (!isCanonicalMap(body)) throw bad('body must be a map');
      if (value.op === 'reshare') return { t: 'request', request: { session, op: 'reshare', roles, ...membershipChangeBody(body) } };
      if (value.op === 'guardian-setup') {
        return { t: 'request', request: { session, op: 'guardian-setup', roles, guardianship: guardianshipOf(body.guardianship, 'body.guardianship') } };
      }
      if (value.op === 'derive') return { t: 'request', request: { session, op: 'derive', roles, context: contextName(body.context, 'body.context'), app: contextName(body.app, 'body.app') } };
      if (!(body.message instanceof Uint8Array) || body.message.length > MAX_SIGN_MESSAGE_BYTES) throw bad(`body.message must be at most ${MAX_SIGN_MESSAGE_BYTES} bytes`);
      return { t: 'request', request: { session, op: 'sign', roles, message: body.message } };
    }
    default:
      throw bad(`unknown agent message ${JSON.stringify(value.t)}`);
  }
}

function bodyOf(request: AgentRequest): Record<string, unknown> {
  switch (request.op) {
    case 'sign':
      return { message: request.message };
    case 'derive':
      return { context: request.context, app: request.app };
    case 'reshare':
      return {
        dealers: [...request.dealers],
        add: request.add.map((m) => ({ name: m.name, device: m.device, address: m.address, hpkePublicKey: m.hpkePublicKey, signingPublicKey: m.signingPublicKey })),
        remove: [...request.remove],
        threshold: request.threshold,
        epoch: request.epoch,
        group: { threshold: request.group.threshold, groupPublicKey: request.group.groupPublicKey, verifyingShares: { ...request.group.verifyingShares } },
        ...(request.guardianship === undefined ? {} : { guardianship: request.guardianship }),
      };
    case 'guardian-setup':
      return { guardianship: request.guardianship };
  }
}

function membershipChangeBody(body: Record<string, unknown>): MembershipChangeBody {
  if (!Array.isArray(body.add) || body.add.length > MAX_CHANGED_MEMBERS) throw bad(`body.add must be a list of at most ${MAX_CHANGED_MEMBERS} devices`);
  const add = body.add.map((m, k): NewMember => {
    if (!isCanonicalMap(m)) throw bad(`body.add[${k}] must be a map`);
    return {
      name: memberName(m.name, `body.add[${k}].name`),
      device: parseIdentifier('device', text(m.device, `body.add[${k}].device`)),
      address: text(m.address, `body.add[${k}].address`),
      hpkePublicKey: key32(m.hpkePublicKey, `body.add[${k}].hpkePublicKey`),
      signingPublicKey: key32(m.signingPublicKey, `body.add[${k}].signingPublicKey`),
    };
  });
  return {
    dealers: devices(body.dealers, 'body.dealers', 1),
    add,
    remove: devices(body.remove, 'body.remove', 0),
    threshold: count(body.threshold, 'body.threshold', 1),
    epoch: count(body.epoch, 'body.epoch', 0),
    group: groupPackage(body.group),
    ...(body.guardianship === undefined ? {} : { guardianship: guardianshipOf(body.guardianship, 'body.guardianship') }),
  };
}

function guardianshipOf(value: unknown, field: string): Guardianship {
  const reason = guardianshipSchema(value, field);
  if (reason !== undefined) throw bad(reason);
  return value as Guardianship;
}

function groupPackage(value: unknown): PublicKeyPackage {
  if (!isCanonicalMap(value) || !isCanonicalMap(value.verifyingShares)) throw bad('body.group must be a public key package');
  const shares = value.verifyingShares;
  if (!Object.values(shares).every((v) => v instanceof Uint8Array)) throw bad('body.group.verifyingShares must map participants to bytes');
  const pkg = { threshold: count(value.threshold, 'body.group.threshold', 1), groupPublicKey: key32(value.groupPublicKey, 'body.group.groupPublicKey'), verifyingShares: shares as PublicKeyPackage['verifyingShares'] };
  try {
    return checkPublicKeyPackage(pkg);
  } catch (error) {
    if (isAuraError(error)) throw bad(`body.group: ${error.message}`);
    throw error;
  }
}

function devices(value: unknown, field: string, least: number): DeviceId[] {
  if (!Array.isArray(value) || value.length < least || value.length > 255) throw bad(`${field} must be a list of ${least} to 255 devices`);
  return value.map((device) => parseIdentifier('device', text(device, `a device of ${field}`)));
}

function count(value: unknown, field: string, least: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) throw bad(`${field} must be a whole number of at least ${least}`);
  return value;
}

function key32(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw bad(`${field} must be 32 bytes`);
  return value;
}

/** What a member name is: 1 to 64 letters, digits, `-`, `_` and `.`. */
export const MEMBER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

function memberName(value: unknown, field: string): string {
  const name = text(value, field);
  if (!MEMBER_NAME.test(name)) throw bad(`${field} must be 1 to 64 letters, digits, "-", "_" or "."`);
  return name;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw bad(`${field} must be text`);
  return value;
}

/** A context or app name: text of 1 to {@link MAX_CONTEXT_CHARS} characters. */
function contextName(value: unknown, field: string): string {
  const name = text(value, field);
  if (name.length === 0 || name.length > MAX_CONTEXT_CHARS) throw bad(`${field} must be 1 to ${MAX_CONTEXT_CHARS} characters`);
  return name;
}

function bad(message: string): AuraError {
  return permanentError('agent.bad-message', `bad agent message: ${message}`);
}
