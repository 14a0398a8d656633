/**
 * Frames of the `/aura/choreo/1` libp2p protocol: the unit that carries opaque payloads (the
 * runtime's canonical envelopes) between two devices, with the sequence numbers and
 * acknowledgements that make delivery exactly-once and in order across reconnections.
 *
 * Byte layout (all integers big-endian; `seq` and `delivered` are u64 values below 2^53):
 *
 * ```
 * frame   = u32(len(body)) ‖ body             1 ≤ len(body) ≤ maxFrameBytes
 * HELLO   = 0x01 ‖ version u8 (= 1) ‖ link (16 bytes) ‖ device (32 bytes, DeviceId bytes)
 * WELCOME = 0x02 ‖ incarnation (16 bytes) ‖ delivered u64
 * DATA    = 0x03 ‖ seq u64 ‖ u8(len(channel)) ‖ channel (UTF-8, 1-255 bytes) ‖ payload
 * ACK     = 0x04 ‖ seq u64                    (cumulative: every seq ≤ this one arrived)
 * PING    = 0x05
 * PONG    = 0x06
 * ```
 *
 * A fixed binary layout (rather than DAG-CBOR) because every field has one encoding already and
 * the DATA header sits on the hot path; the payload inside is canonical DAG-CBOR from the runtime.
 * Decoding is strict: a wrong length, an unknown type, a bad version, invalid UTF-8 or an unsafe
 * integer is `network.frame-malformed`, never a guess.
 *
 * @module
 */
import { bytesEqual } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { IDENTIFIER_LENGTH, identifierBytes, identifierFromBytes, type DeviceId } from '../../core/identifiers.ts';

/** The libp2p protocol id of choreography frames. */
export const CHOREO_PROTOCOL = '/aura/choreo/1';
/** The HELLO version this code speaks. */
export const FRAME_VERSION = 1;
/** Bytes of the length prefix. */
export const LENGTH_PREFIX_BYTES = 4;
/** Default largest frame body accepted or sent: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;
/** Bytes of a link id (HELLO) and of an incarnation (WELCOME). */
export const NONCE_BYTES = 16;
/** Longest channel name in UTF-8 bytes. */
export const MAX_CHANNEL_BYTES = 255;

/** A sender opens its outbound stream with this: which device it is and which sequence space. */
export interface HelloFrame {
  readonly type: 'hello';
  /** Random id of the sender's outbound sequence space; a new one restarts numbering at 1. */
  readonly link: Uint8Array;
  /** The device the sender claims to be; checked against the authenticated peer. */
  readonly device: DeviceId;
}

/** The receiver's answer to a HELLO: who it is this run, and how much of the link it already has. */
export interface WelcomeFrame {
  readonly type: 'welcome';
  /** Random id of the receiver's process run; a change means it restarted and forgot the link. */
  readonly incarnation: Uint8Array;
  /** The highest sequence number of this link delivered so far (0: none). */
  readonly delivered: number;
}

/** One payload on a logical channel. */
export interface DataFrame {
  readonly type: 'data';
  /** Position in the link's sequence, from 1. */
  readonly seq: number;
  /** The logical channel (a session) the payload belongs to. */
  readonly channel: string;
  /** The opaque payload. */
  readonly payload: Uint8Array;
}

/** Cumulative acknowledgement of DATA frames. */
export interface AckFrame {
  readonly type: 'ack';
  /** Every DATA frame with a sequence number up to this one was delivered. */
  readonly seq: number;
}

/** Liveness probe and its answer. */
export interface ProbeFrame {
  readonly type: 'ping' | 'pong';
}

/** Any frame of the protocol. */
export type Frame = HelloFrame | WelcomeFrame | DataFrame | AckFrame | ProbeFrame;

const TYPE_CODES = { hello: 0x01, welcome: 0x02, data: 0x03, ack: 0x04, ping: 0x05, pong: 0x06 } as const;
const HELLO_BYTES = 2 + NONCE_BYTES + IDENTIFIER_LENGTH;
const WELCOME_BYTES = 1 + NONCE_BYTES + 8;
const DATA_HEADER_BYTES = 1 + 8 + 1;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of a channel name; empty or longer than 255 bytes is `network.bad-channel`. */
export function channelBytes(channel: string): Uint8Array {
  const bytes = utf8Encoder.encode(channel);
  if (bytes.length === 0 || bytes.length > MAX_CHANNEL_BYTES) {
    throw permanentError('network.bad-channel', `a channel name has 1 to ${MAX_CHANNEL_BYTES} UTF-8 bytes, got ${bytes.length}`, { context: { length: bytes.length } });
  }
  return bytes;
}

/** The body length a DATA frame with this channel and payload would have. */
export function dataBodyLength(channel: Uint8Array, payload: Uint8Array): number {
  return DATA_HEADER_BYTES + channel.length + payload.length;
}

/** The bytes on the wire of `frame`: length prefix and body. */
export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case 'hello': {
      const out = withBody(HELLO_BYTES, TYPE_CODES.hello);
      out[LENGTH_PREFIX_BYTES + 1] = FRAME_VERSION;
      out.set(nonce(frame.link, 'link'), LENGTH_PREFIX_BYTES + 2);
      out.set(identifierBytes(frame.device), LENGTH_PREFIX_BYTES + 2 + NONCE_BYTES);
      return out;
    }
    case 'welcome': {
      const out = withBody(WELCOME_BYTES, TYPE_CODES.welcome);
      out.set(nonce(frame.incarnation, 'incarnation'), LENGTH_PREFIX_BYTES + 1);
      writeU64(out, LENGTH_PREFIX_BYTES + 1 + NONCE_BYTES, frame.delivered);
      return out;
    }
    case 'data':
      return encodeDataFrame(frame.seq, channelBytes(frame.channel), frame.payload);
    case 'ack': {
      const out = withBody(9, TYPE_CODES.ack);
      writeU64(out, LENGTH_PREFIX_BYTES + 1, frame.seq);
      return out;
    }
    case 'ping':
    case 'pong':
      return withBody(1, TYPE_CODES[frame.type]);
  }
}

/** A DATA frame from already encoded channel bytes (the send path encodes the channel once). */
export function encodeDataFrame(seq: number, channel: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = withBody(dataBodyLength(channel, payload), TYPE_CODES.data);
  writeU64(out, LENGTH_PREFIX_BYTES + 1, seq);
  out[LENGTH_PREFIX_BYTES + 9] = channel.length;
  out.set(channel, LENGTH_PREFIX_BYTES + DATA_HEADER_BYTES);
  out.set(payload, LENGTH_PREFIX_BYTES + DATA_HEADER_BYTES + channel.length);
  return out;
}

/**
 * The frame in `body` (without its length prefix). Anything that is not exactly one well-formed
 * frame is `network.frame-malformed`, naming what is wrong.
 */
export function decodeFrameBody(body: Uint8Array): Frame {
  const type = body[0];
  switch (type) {
    case TYPE_CODES.hello: {
      expectLength(body, HELLO_BYTES, 'HELLO');
      if (body[1] !== FRAME_VERSION) throw malformed(`HELLO speaks version ${body[1] ?? '?'}, this node speaks ${FRAME_VERSION}`);
      return { type: 'hello', link: body.slice(2, 2 + NONCE_BYTES), device: identifierFromBytes('device', body.slice(2 + NONCE_BYTES)) };
    }
    case TYPE_CODES.welcome:
      expectLength(body, WELCOME_BYTES, 'WELCOME');
      return { type: 'welcome', incarnation: body.slice(1, 1 + NONCE_BYTES), delivered: readU64(body, 1 + NONCE_BYTES, 'WELCOME delivered') };
    case TYPE_CODES.data:
      return decodeData(body);
    case TYPE_CODES.ack:
      expectLength(body, 9, 'ACK');
      return { type: 'ack', seq: readU64(body, 1, 'ACK seq') };
    case TYPE_CODES.ping:
    case TYPE_CODES.pong:
      expectLength(body, 1, type === TYPE_CODES.ping ? 'PING' : 'PONG');
      return { type: type === TYPE_CODES.ping ? 'ping' : 'pong' };
    default:
      throw malformed(type === undefined ? 'empty frame body' : `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

function decodeData(body: Uint8Array): DataFrame {
  if (body.length < DATA_HEADER_BYTES + 1) throw malformed(`DATA frame of ${body.length} bytes is shorter than its header`);
  const seq = readU64(body, 1, 'DATA seq');
  if (seq === 0) throw malformed('DATA seq 0: sequence numbers start at 1');
  const channelLength = body[9]!; // length checked above
  if (channelLength === 0 || DATA_HEADER_BYTES + channelLength > body.length) throw malformed(`DATA channel length ${channelLength} does not fit a ${body.length}-byte frame`);
  return { type: 'data', seq, channel: channelName(body.subarray(DATA_HEADER_BYTES, DATA_HEADER_BYTES + channelLength)), payload: body.slice(DATA_HEADER_BYTES + channelLength) };
}

/**
 * The last channel name decoded and its bytes: consecutive DATA frames nearly always belong to
 * the same session, whose name is then neither validated nor decoded again (equal bytes, equal
 * name).
 */
let lastChannel: { readonly bytes: Uint8Array; readonly name: string } = { bytes: new Uint8Array(0), name: '' };

function channelName(bytes: Uint8Array): string {
  if (bytesEqual(bytes, lastChannel.bytes)) return lastChannel.name;
  let name: string;
  try {
    name = utf8Decoder.decode(bytes);
  } catch (error) {
    throw malformed('DATA channel name is not valid UTF-8', error);
  }
  lastChannel = { bytes: bytes.slice(), name };
  return name;
}

function withBody(length: number, typeCode: number): Uint8Array {
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + length);
  new DataView(out.buffer).setUint32(0, length);
  out[LENGTH_PREFIX_BYTES] = typeCode;
  return out;
}

function nonce(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length !== NONCE_BYTES) throw permanentError('network.bad-frame', `a ${what} id has ${NONCE_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

// u64 values as two u32 halves: a safe integer has at most 21 bits in the high half, so no
// BigInt is needed on the hot path (only to name an oversized value in the error).
const HIGH_HALF = 2 ** 32;
const MAX_SAFE_HIGH_HALF = Math.floor(Number.MAX_SAFE_INTEGER / HIGH_HALF);

function writeU64(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw permanentError('network.bad-frame', `sequence value ${value} is not a safe non-negative integer`);
  const view = new DataView(out.buffer, out.byteOffset);
  view.setUint32(offset, Math.floor(value / HIGH_HALF));
  view.setUint32(offset + 4, value % HIGH_HALF);
}

function readU64(body: Uint8Array, offset: number, what: string): number {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const high = view.getUint32(offset);
  if (high > MAX_SAFE_HIGH_HALF) throw malformed(`${what} ${view.getBigUint64(offset)} exceeds 2^53 - 1`);
  return high * HIGH_HALF + view.getUint32(offset + 4);
}

function expectLength(body: Uint8Array, expected: number, what: string): void {
  if (body.length !== expected) throw malformed(`${what} frame has ${expected} bytes, got ${body.length}`);
}

function malformed(message: string, cause?: unknown): Error {
  return permanentError('network.frame-malformed', message, cause === undefined ? undefined : { cause });
}
