/**
 * Effect interfaces: the only way protocol and journal code reaches randomness, time, crypto,
 * storage and the network. Production, test and simulation handlers implement the same
 * interfaces (see `src/handlers/` and `src/sim/`), so any run can be reproduced from a seed.
 *
 * @module
 */
import type { HashAlgorithm } from './hash.ts';
import type { AuthorityId, ContextId, DeviceId, SessionId } from './identifiers.ts';
import type { LogicalTime, OrderTime, PhysicalTime } from './time.ts';

/** A source of random bytes. Helpers in `random.ts` derive integers and floats from it. */
export interface RandomEffects {
  /** `length` fresh random bytes. */
  randomBytes(length: number): Uint8Array;
}

/** Wall-clock time and waiting. */
export interface PhysicalTimeEffects {
  /** The current time. */
  now(): PhysicalTime;
  /** Resolves once `ms` milliseconds have passed on this clock. */
  sleep(ms: number): Promise<void>;
}

/** A replica's logical clock (Lamport + vector). */
export interface LogicalClockEffects {
  /** The clock's reading, without advancing it. */
  current(): LogicalTime;
  /** Advances the clock for a local event (a send) and returns the new reading. */
  tick(): LogicalTime;
  /** Merges a received stamp into the clock, advances it, and returns the new reading. */
  observe(received: LogicalTime): LogicalTime;
}

/** Order tokens: a total order on events that says nothing about when they happened. */
export interface OrderClockEffects {
  /** A fresh order token. */
  orderTime(): OrderTime;
}

/** An Ed25519 key pair in raw RFC 8032 form. */
export interface SigningKeyPair {
  /** 32-byte secret seed. */
  readonly secretKey: Uint8Array;
  /** 32-byte compressed public key. */
  readonly publicKey: Uint8Array;
}

/** Hashing and single-key signatures. Threshold (FROST) operations live in `src/crypto/`. */
export interface CryptoEffects {
  /** The 32-byte digest of `data`. */
  hash(data: Uint8Array, algorithm?: HashAlgorithm): Uint8Array;
  /** A new Ed25519 key pair (from this handler's randomness). */
  generateSigningKey(): SigningKeyPair;
  /** The public key of a 32-byte Ed25519 secret seed. */
  publicKeyOf(secretKey: Uint8Array): Uint8Array;
  /** The Ed25519 signature of `message`. */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification; false for any malformed key or signature. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** One write in a {@link StorageEffects.batch}: `value: undefined` deletes the key. */
export interface StorageWrite {
  /** The key written. */
  readonly key: string;
  /** New value, or `undefined` to delete. */
  readonly value: Uint8Array | undefined;
}

/** Durable key-value storage. */
export interface StorageEffects {
  /** The value under `key`, or `undefined`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores `value` under `key`. */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Removes `key`; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Every key starting with `prefix`, in ascending order. */
  list(prefix: string): Promise<string[]>;
  /** Applies every write atomically: all of them or none, even across a crash. */
  batch(writes: readonly StorageWrite[]): Promise<void>;
}

/** Bytes received from a peer. */
export interface InboundMessage {
  /** The authenticated sender. */
  readonly from: DeviceId;
  /** The bytes as sent. */
  readonly bytes: Uint8Array;
}

/** Sending and receiving bytes between devices. */
export interface NetworkEffects {
  /** Sends `bytes` to `peer`; rejects with a transient error when the peer cannot be reached. */
  send(peer: DeviceId, bytes: Uint8Array): Promise<void>;
  /** The next message addressed to this device. */
  receive(): Promise<InboundMessage>;
}

/** Where effects run: a real deployment, a test, or the deterministic simulator. */
export type ExecutionMode = 'production' | 'testing' | 'simulation';

/** Who is acting and in which session: passed alongside effects to protocol code. */
export interface EffectContext {
  /** The authority on whose behalf the code runs. */
  readonly authority: AuthorityId;
  /** The relational context, when the operation belongs to one. */
  readonly context?: ContextId;
  /** The protocol session. */
  readonly session: SessionId;
  /** Which kind of handlers are behind the effects. */
  readonly mode: ExecutionMode;
}

/** The full set of effects a device's protocol code may use. */
export interface Effects {
  readonly random: RandomEffects;
  readonly time: PhysicalTimeEffects;
  readonly logicalClock: LogicalClockEffects;
  readonly orderClock: OrderClockEffects;
  readonly crypto: CryptoEffects;
  readonly storage: StorageEffects;
}
