/**
 * The canonical wire form of a {@link Frame}, for transports that carry bytes. Usable on its own
 * by any byte transport (the libp2p one frames these bytes with a length prefix).
 *
 * Byte format: the canonical DAG-CBOR (`core/canonical.ts`) of one map,
 *
 * ```
 * message: { v: 1, kind: "message", session, protocol, from, to, seq, label, choice?, payload }
 * abort:   { v: 1, kind: "abort",   session, protocol, from, to, code, reason }
 * ```
 *
 * where `session` is the text form of a `SessionId`, `protocol` the protocol's CID text, `seq` an
 * unsigned integer below 2^53, `choice` a non-empty list of branch labels (absent when the message
 * carries none) and `payload` any canonical value. Decoding is strict: the bytes must be the one
 * canonical encoding, within the size limit, with exactly these keys and types.
 *
 * Errors: `envelope.too-large`, `envelope.malformed`, and the `cbor.*` codes of
 * `decodeCanonical` (`cbor.truncated`, `cbor.malformed`, `cbor.non-canonical`).
 *
 * @module
 */
import { decodeCanonical, encodeCanonical, isCanonicalMap, type CanonicalValue } from '../core/canonical.ts';
import { permanentError } from '../core/errors.ts';
import { parseIdentifier, type SessionId } from '../core/identifiers.ts';
import type { AbortNotice, Envelope, Frame } from './frame.ts';
import { describe } from './payload-codec.ts';
import { BoundedSet } from '../core/bounded-memo.ts';

/** The envelope format version written in every frame. */
export const ENVELOPE_VERSION = 1;

/** Default largest encoded frame, in bytes (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

/** Longest role name, label, branch label or protocol id accepted, in characters. */
export const MAX_NAME_LENGTH = 256;

/** Longest abort reason accepted, in characters. */
export const MAX_REASON_LENGTH = 4096;

/** Limits applied when encoding and decoding. */
export interface FrameLimits {
  /** Largest frame in bytes. */
  readonly maxFrameBytes?: number;
}

const MESSAGE_KEYS = ['v', 'kind', 'session', 'protocol', 'from', 'to', 'seq', 'label', 'payload'];
const CHOICE_MESSAGE_KEYS = [...MESSAGE_KEYS, 'choice'];
const ABORT_KEYS = ['v', 'kind', 'session', 'protocol', 'from', 'to', 'code', 'reason'];

/**
 * Session ids already parsed: every message of a session names the same one, and parsing it
 * (base32 and its canonical check) would otherwise be a good part of decoding a small envelope.
 * Bounded: forgotten all at once when full, since a forgotten id is only parsed again.
 */
const KNOWN_SESSIONS_LIMIT = 1024;
const knownSessions = new BoundedSet<string>(KNOWN_SESSIONS_LIMIT);

/** The canonical bytes of `frame`. Errors: `envelope.too-large`, `cbor.unencodable`. */
export function encodeFrame(frame: Frame, limits: FrameLimits = {}): Uint8Array {
  const bytes = encodeCanonical(wireForm(frame));
  checkSize(bytes.length, limits);
  return bytes;
}

/** The frame that `bytes` encode, checked strictly (see the module comment for the errors). */
export function decodeFrame(bytes: Uint8Array, limits: FrameLimits = {}): Frame {
  checkSize(bytes.length, limits);
  const value = decodeCanonical(bytes);
  if (!isCanonicalMap(value)) throw malformed(`a frame is a map, got ${describe(value)}`);
  if (value.v !== ENVELOPE_VERSION) throw malformed(`unsupported envelope version ${describe(value.v)}, expected ${ENVELOPE_VERSION}`);
  if (value.kind === 'message') return decodeEnvelope(value);
  if (value.kind === 'abort') return decodeAbort(value);
  throw malformed(`unknown frame kind ${describe(value.kind)}`);
}

function wireForm(frame: Frame): Record<string, CanonicalValue> {
  const { kind, session, protocol, from, to } = frame;
  if (kind === 'abort') return { v: ENVELOPE_VERSION, kind, session, protocol, from, to, code: frame.code, reason: frame.reason };
  const base = { v: ENVELOPE_VERSION, kind, session, protocol, from, to, seq: frame.seq, label: frame.label, payload: frame.payload };
  return frame.choice === null ? base : { ...base, choice: frame.choice };
}

function decodeEnvelope(value: Record<string, unknown>): Envelope {
  const hasChoice = 'choice' in value;
  checkKeys(value, hasChoice ? CHOICE_MESSAGE_KEYS : MESSAGE_KEYS);
  const seq = value.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw malformed(`seq must be an unsigned integer below 2^53, got ${describe(seq)}`);
  return {
    kind: 'message',
    ...routing(value),
    seq,
    label: name(value, 'label'),
    choice: hasChoice ? choiceLabels(value.choice) : null,
    payload: value.payload as CanonicalValue,
  };
}

function decodeAbort(value: Record<string, unknown>): AbortNotice {
  checkKeys(value, ABORT_KEYS);
  const reason = value.reason;
  if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH) throw malformed(`reason must be a string of at most ${MAX_REASON_LENGTH} characters`);
  return { kind: 'abort', ...routing(value), code: name(value, 'code'), reason };
}

function routing(value: Record<string, unknown>): Pick<Envelope, 'session' | 'protocol' | 'from' | 'to'> {
  const session = value.session;
  if (typeof session !== 'string') throw malformed(`session must be a session identifier, got ${describe(session)}`);
  return { session: sessionId(session), protocol: name(value, 'protocol'), from: name(value, 'from'), to: name(value, 'to') };
}

function sessionId(text: string): SessionId {
  if (knownSessions.has(text)) return text as SessionId; // parsed before: it is a session id
  let id: SessionId;
  try {
    id = parseIdentifier('session', text);
  } catch (error) {
    throw malformed(`session: ${(error as Error).message}`, error);
  }
  knownSessions.add(id);
  return id;
}

function choiceLabels(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) throw malformed('choice must be a non-empty list of branch labels');
  return value.map((label, index) => {
    if (typeof label !== 'string' || label.length === 0 || label.length > MAX_NAME_LENGTH) throw malformed(`choice[${index}] must be a branch label`);
    return label;
  });
}

function name(value: Record<string, unknown>, key: string): string {
  const text = value[key];
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_NAME_LENGTH) {
    throw malformed(`${key} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters, got ${describe(text)}`);
  }
  return text;
}

function checkKeys(value: Record<string, unknown>, expected: readonly string[]): void {
  const keys = Object.keys(value);
  // The common case, without building lists: as many keys as expected, and each expected one there.
  if (keys.length === expected.length && expected.every((key) => key in value)) return;
  const missing = expected.filter((key) => !(key in value));
  const extra = keys.filter((key) => !expected.includes(key));
  if (missing.length > 0 || extra.length > 0) {
    throw malformed(`${String(value.kind)} frame: ${[missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `unknown ${extra.join(', ')}` : ''].filter(Boolean).join('; ')}`);
  }
}

function checkSize(length: number, limits: FrameLimits): void {
  const max = limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (length > max) throw permanentError('envelope.too-large', `frame of ${length} bytes exceeds the limit of ${max} bytes`, { context: { length, max } });
}

function malformed(message: string, cause?: unknown): Error {
  return permanentError('envelope.malformed', `malformed envelope: ${message}`, { cause });
}
