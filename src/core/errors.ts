/**
 * One error type for the whole system.
 *
 * Every failure Aura reports is an {@link AuraError} with a `kind` that says what a caller can do
 * about it (retry, give up, or fix the machine) and a stable `code` that tests and programs can
 * match on. Messages are for people and may change; codes do not.
 *
 * @module
 */

/**
 * What a caller can do about an error.
 * - `transient`: the same call may succeed later (timeouts, a peer not reachable yet).
 * - `permanent`: retrying the same input fails again (malformed input, forged signature).
 * - `system`: the machine or an invariant is broken (disk full, a bug); not the caller's fault.
 */
export type ErrorKind = 'transient' | 'permanent' | 'system';

/** Structured, JSON-friendly details that help diagnose an error (never secrets). */
export type ErrorContext = Readonly<Record<string, string | number | boolean | bigint | null | undefined>>;

/** Options accepted by the {@link AuraError} constructor. */
export interface AuraErrorOptions {
  /** The lower-level error this one explains. */
  readonly cause?: unknown;
  /** Details for diagnosis: which input, which peer, which limit. */
  readonly context?: ErrorContext;
}

/** The single error class of Aura. Throw it, never strings. */
export class AuraError extends Error {
  /** What a caller can do about it. */
  readonly kind: ErrorKind;
  /** A stable, dotted identifier such as `cbor.non-canonical`. */
  readonly code: string;
  /** Details for diagnosis. */
  readonly context: ErrorContext;

  constructor(kind: ErrorKind, code: string, message: string, options: AuraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuraError';
    this.kind = kind;
    this.code = code;
    this.context = options.context ?? {};
  }

  /** A plain object for logs and `--json` output. */
  toJSON(): { kind: ErrorKind; code: string; message: string; context: ErrorContext } {
    return { kind: this.kind, code: this.code, message: this.message, context: this.context };
  }
}

/** Shorthand for a {@link AuraError} of kind `permanent`: bad input that will not get better. */
export function permanentError(code: string, message: string, options?: AuraErrorOptions): AuraError {
  return new AuraError('permanent', code, message, options);
}

/** Shorthand for a {@link AuraError} of kind `transient`: worth trying again later. */
export function transientError(code: string, message: string, options?: AuraErrorOptions): AuraError {
  return new AuraError('transient', code, message, options);
}

/** Shorthand for a {@link AuraError} of kind `system`: the machine or an invariant failed. */
export function systemError(code: string, message: string, options?: AuraErrorOptions): AuraError {
  return new AuraError('system', code, message, options);
}

/** True when `error` is an {@link AuraError}, optionally with the given code. */
export function isAuraError(error: unknown, code?: string): error is AuraError {
  return error instanceof AuraError && (code === undefined || error.code === code);
}

/** Node's error codes for network conditions that usually clear up by themselves. */
const TRANSIENT_SYSTEM_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAGAIN', 'EBUSY', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The kind of any thrown value: an {@link AuraError} keeps its own; a Node system error with a
 * network or busy code is `transient`; anything else is `system`, because an unknown failure must
 * not be retried blindly nor blamed on the input.
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof AuraError) return error.kind;
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && TRANSIENT_SYSTEM_CODES.has(code) ? 'transient' : 'system';
}

/** True when retrying the failed operation may succeed. */
export function isRetryable(error: unknown): boolean {
  return errorKind(error) === 'transient';
}

/** Wraps any thrown value in an {@link AuraError}, keeping an existing one as it is. */
export function toAuraError(error: unknown, code = 'internal.unexpected'): AuraError {
  if (error instanceof AuraError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AuraError(errorKind(error), code, message, { cause: error });
}
