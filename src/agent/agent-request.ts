/**
 * The messages by which a device asks the other devices of its authority to take part in a
 * protocol session, on the device channel {@link AGENT_CHANNEL} (each message the canonical
 * DAG-CBOR of one map, field `t` naming it):
 *
 * 1. the initiator registers the session and sends each participant a **request**
 *    `{ t: "request", session, op, roles: [device…], body }`: which operation (`sign`), the
 *    device playing each role in order (`roles[k]` plays `S[k]`, and `P[k]` for DKD), and the
 *    operation's inputs (for `sign`: `{ message: bytes }`; for `derive`: `{ context, app }`; for
 *    `guardian-setup`: `{ guardianship }`, see `guardianship.ts`);
 * 2. each participant checks the request (the sender and every device are members of its
 *    authority, it plays a role), asks its approval policy, registers the session (so early
 *    frames are held) and answers **accept** `{ t: "accept", session }` or **decline**
 *    `{ t: "decline", session, code, reason }`;
 * 3. once all accepted, the initiator sends **start** `{ t: "start", session }` and every
 *    participant runs its role.
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
import { permanentError, type AuraError } from '../core/errors.ts';
import { parseIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { guardianshipSchema, type Guardianship } from './guardianship.ts';

/** The device channel of agent requests. */
export const AGENT_CHANNEL = 'aura.agent/1';

/** Longest message a sign request may carry. */
export const MAX_SIGN_MESSAGE_BYTES = 64 << 10;

/** Longest context or app name of a derive request (the limit of the `dkd.Request` schema). */
export const MAX_CONTEXT_CHARS = 256;

/**
 * An operation and its inputs: FROST signing of a message, DKD of a context key, or guardian
 * setup (the guardianship being set up: its owners are the roles' first devices, its guardians
 * the rest).
 */
export type AgentOperation =
  | { readonly op: 'sign'; readonly message: Uint8Array }
  | { readonly op: 'derive'; readonly context: string; readonly app: string }
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
  | { readonly t: 'start'; readonly session: SessionId };

/** The wire bytes of `message`. */
export function encodeAgentMessage(message: AgentMessage): Uint8Array {
  if (message.t === 'request') {
    const request = message.request;
    const body = request.op === 'sign' ? { message: request.message } : request.op === 'derive' ? { context: request.context, app: request.app } : { guardianship: request.guardianship };
    return encodeCanonical({ t: 'request', session: request.session, op: request.op, roles: [...request.roles], body });
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
    case 'request': {
      if (value.op !== 'sign' && value.op !== 'derive' && value.op !== 'guardian-setup') throw bad(`unknown operation ${JSON.stringify(value.op)}`);
      if (!Array.isArray(value.roles) || value.roles.length === 0) throw bad('roles must be a list of devices');
      const roles = value.roles.map((device) => parseIdentifier('device', text(device, 'a role device')));
      const body = value.body;
      if (!isCanonicalMap(body)) throw bad('body must be a map');
      if (value.op === 'guardian-setup') {
        const reason = guardianshipSchema(body.guardianship, 'body.guardianship');
        if (reason !== undefined) throw bad(reason);
        return { t: 'request', request: { session, op: 'guardian-setup', roles, guardianship: body.guardianship as Guardianship } };
      }
      if (value.op === 'derive') return { t: 'request', request: { session, op: 'derive', roles, context: contextName(body.context, 'body.context'), app: contextName(body.app, 'body.app') } };
      if (!(body.message instanceof Uint8Array) || body.message.length > MAX_SIGN_MESSAGE_BYTES) throw bad(`body.message must be at most ${MAX_SIGN_MESSAGE_BYTES} bytes`);
      return { t: 'request', request: { session, op: 'sign', roles, message: body.message } };
    }
    default:
      throw bad(`unknown agent message ${JSON.stringify(value.t)}`);
  }
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
