/**
 * The messages between an authority's devices, its guardians and a device recovering it, on the
 * device channel {@link GUARDIAN_CHANNEL}. Unlike the agent requests of `agent-request.ts`, these
 * cross authorities: a guardian is its own authority, and a recovering device belongs to none
 * yet. Each exchange is one question and one answer (canonical DAG-CBOR maps):
 *
 * - `{ t: "ask", id, body }` → `{ t: "answer", id, body }` or `{ t: "refuse", id, code, reason }`;
 * - asks: `setup` (join a guardian-setup session: the guardianship, the group's key package and
 *   members), `submit` (a signed `recovery.requested` fact), `dispute` (a signed
 *   `recovery.disputed` fact), `recover` (join the recovery session of a request, with the
 *   approving guardians and the owner's surviving devices that take part, and the new device's
 *   name and address), `change` (join a change of the authority's devices: the membership change
 *   request of `agent-request.ts`, encoded, which names the guardianship; its recovery share is
 *   reshared with the devices' shares), `call-off` (the device that asked for a `change` calls it
 *   off, another guardian having declined: the agent message `abort` of `agent-request.ts`,
 *   encoded; the guardian stops its part at once);
 * - answers: `joined` (the session is registered and this device's role runs), `called-off` (its
 *   part of the change stopped), or `state` (what
 *   this guardian knows of a request: the guardianship, the key package, whether it approved and
 *   whether the owner disputed).
 *
 * Source: issue 11 item 2 (`aura guardian add`, `aura recovery …`).
 *
 * @module
 */
import { decodeCanonical, encodeCanonical, isCanonicalMap } from '../core/canonical.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { permanentError, toAuraError, transientError, type AuraError } from '../core/errors.ts';
import type { DeviceId } from '../core/identifiers.ts';
import { checkPublicKeyPackage, type PublicKeyPackage } from '../crypto/key-share.ts';
import { bool, bytes, bytesUpTo, identifier, list, literal, record, text, type Infer, type Schema } from '../journal/schema.ts';
import type { ChoreoTransport } from '../handlers/network/choreo-transport.ts';
import { recoveryRequestSchema } from '../protocols/payload-types.ts';
import { guardianshipSchema, MAX_GUARDIANS } from './guardianship.ts';

/** The device channel of guardian messages. */
export const GUARDIAN_CHANNEL = 'aura.guardian/1';

/** Longest encoded fact an ask carries. */
const MAX_FACT_BYTES = 4096;

/** Longest encoded membership change request a `change` ask carries (a key package and guardianship of up to 255 members). */
const MAX_CHANGE_BYTES = 65_536;

const packageSchema: Schema<PublicKeyPackage> = (value, path) => {
  if (!isCanonicalMap(value) || typeof value.threshold !== 'number' || !(value.groupPublicKey instanceof Uint8Array) || !isCanonicalMap(value.verifyingShares)) return `${path}: expected a key package`;
  if (Object.keys(value).length !== 3 || !Object.values(value.verifyingShares).every((v) => v instanceof Uint8Array)) return `${path}: expected a key package`;
  try {
    checkPublicKeyPackage(value as unknown as PublicKeyPackage);
    return undefined;
  } catch (error) {
    return `${path}: ${toAuraError(error).message}`;
  }
};

const askSchemas = {
  setup: record({ k: literal('setup'), session: identifier('session'), guardianship: guardianshipSchema, publicKeyPackage: packageSchema, members: list(record({ device: identifier('device'), hpkePublicKey: bytes(32) }), MAX_GUARDIANS) }),
  submit: record({ k: literal('submit'), fact: bytesUpTo(MAX_FACT_BYTES) }),
  dispute: record({ k: literal('dispute'), fact: bytesUpTo(MAX_FACT_BYTES) }),
  change: record({ k: literal('change'), request: bytesUpTo(MAX_CHANGE_BYTES) }),
  'call-off': record({ k: literal('call-off'), abort: bytesUpTo(MAX_CHANGE_BYTES) }),
  recover: record({ k: literal('recover'), session: identifier('session'), request: recoveryRequestSchema, approvers: list(identifier('device'), MAX_GUARDIANS), survivors: list(identifier('device'), MAX_GUARDIANS), name: text(64), address: text(512) }),
};
const answerSchemas = {
  joined: record({ k: literal('joined') }),
  'called-off': record({ k: literal('called-off') }),
  state: record({ k: literal('state'), guardianship: guardianshipSchema, publicKeyPackage: packageSchema, approved: bool, disputed: bool }),
};

/** What one device asks a guardian (or an owner's device, for `setup`). */
export type GuardianAsk = { [K in keyof typeof askSchemas]: Infer<(typeof askSchemas)[K]> }[keyof typeof askSchemas];
/** What it answers. */
export type GuardianAnswer = { [K in keyof typeof answerSchemas]: Infer<(typeof answerSchemas)[K]> }[keyof typeof answerSchemas];
/** The `state` answer. */
export type GuardianState = Extract<GuardianAnswer, { k: 'state' }>;

type Message = { readonly t: 'ask'; readonly id: number; readonly body: GuardianAsk } | { readonly t: 'answer'; readonly id: number; readonly body: GuardianAnswer } | { readonly t: 'refuse'; readonly id: number; readonly code: string; readonly reason: string };

/** Decodes one message strictly. Errors: `cbor.*`, `agent.bad-message` naming the field. */
export function decodeGuardianMessage(encoded: Uint8Array): Message {
  const value = decodeCanonical(encoded);
  if (!isCanonicalMap(value) || typeof value.id !== 'number' || !Number.isSafeInteger(value.id) || value.id < 0) throw bad('a guardian message is a map with a numeric id');
  const keys = Object.keys(value).sort().join(',');
  if (value.t === 'refuse') {
    if (keys !== 'code,id,reason,t' || typeof value.code !== 'string' || typeof value.reason !== 'string') throw bad('a refusal has exactly t, id, code and reason');
    return { t: 'refuse', id: value.id, code: value.code, reason: value.reason };
  }
  if ((value.t !== 'ask' && value.t !== 'answer') || keys !== 'body,id,t' || !isCanonicalMap(value.body)) throw bad('an ask or answer has exactly t, id and a map body');
  const schemas: Readonly<Record<string, Schema<unknown>>> = value.t === 'ask' ? askSchemas : answerSchemas;
  const check = typeof value.body.k === 'string' && Object.hasOwn(schemas, value.body.k) ? schemas[value.body.k] : undefined;
  if (check === undefined) throw bad(`unknown ${value.t} ${JSON.stringify(value.body.k)}`);
  const reason = check(value.body, 'body');
  if (reason !== undefined) throw bad(reason);
  return value.t === 'ask' ? { t: 'ask', id: value.id, body: value.body as GuardianAsk } : { t: 'answer', id: value.id, body: value.body as GuardianAnswer };
}

function bad(reason: string): AuraError {
  return permanentError('agent.bad-message', `bad guardian message: ${reason}`);
}

/** Answers asks: the answer, or an error (sent back as `refuse` with its code). */
export type GuardianHandler = (ask: GuardianAsk, from: DeviceId) => Promise<GuardianAnswer>;

/** Asks and answers on one device's transport. */
export class GuardianLink {
  private next = 1;
  private readonly waiting = new Map<number, { readonly to: DeviceId; readonly resolve: (answer: GuardianAnswer) => void; readonly reject: (error: AuraError) => void }>();
  private readonly stop: () => void;

  constructor(
    private readonly transport: ChoreoTransport,
    private readonly time: PhysicalTimeEffects,
    handler?: GuardianHandler,
  ) {
    this.stop = transport.onMessage((message) => {
      if (message.channel === GUARDIAN_CHANNEL) void this.receive(message.from, message.payload, handler);
    });
  }

  /**
   * Asks `to` and waits up to `timeoutMs` for its answer. Errors: `agent.guardian-timeout`, the
   * refusal's own code, the transport's.
   */
  async ask(to: DeviceId, body: GuardianAsk, timeoutMs: number): Promise<GuardianAnswer> {
    const id = this.next++;
    const answered = new Promise<GuardianAnswer>((resolve, reject) => this.waiting.set(id, { to, resolve, reject }));
    const state = { settled: false };
    const timeout = (async () => {
      const deadline = this.time.now().ms + timeoutMs;
      while (!state.settled && this.time.now().ms < deadline) await this.time.sleep(50);
      if (!state.settled) throw transientError('agent.guardian-timeout', `${to} did not answer "${body.k}" within ${timeoutMs} ms`, { context: { device: to } });
    })();
    try {
      await this.transport.send(to, GUARDIAN_CHANNEL, encodeCanonical({ t: 'ask', id, body }));
      return await Promise.race([answered, timeout as Promise<never>]);
    } finally {
      state.settled = true;
      this.waiting.delete(id);
    }
  }

  /** Stops listening; pending asks fail. */
  close(): void {
    this.stop();
    for (const waiter of this.waiting.values()) waiter.reject(transientError('agent.stopped', 'the device stopped'));
  }

  private async receive(from: DeviceId, payload: Uint8Array, handler: GuardianHandler | undefined): Promise<void> {
    let message: Message;
    try {
      message = decodeGuardianMessage(payload);
    } catch {
      return; // a malformed message names no ask to refuse
    }
    if (message.t !== 'ask') {
      const waiter = this.waiting.get(message.id);
      if (waiter === undefined || waiter.to !== from) return; // late, or not from whom it was asked
      if (message.t === 'answer') waiter.resolve(message.body);
      else waiter.reject(permanentError(message.code, `${from} refused: ${message.reason}`, { context: { device: from } }));
      return;
    }
    let reply: Record<string, unknown>;
    try {
      if (handler === undefined) throw permanentError('agent.not-a-guardian', 'this device answers no guardian asks');
      reply = { t: 'answer', id: message.id, body: await handler(message.body, from) };
    } catch (error) {
      const failure = toAuraError(error);
      reply = { t: 'refuse', id: message.id, code: failure.code, reason: failure.message };
    }
    await this.transport.send(from, GUARDIAN_CHANNEL, encodeCanonical(reply)).catch(() => undefined); // the asker may be gone
  }
}
