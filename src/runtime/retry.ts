/**
 * Retry middleware: a transport wrapper that retries a send failing with a *transient* error
 * (`isRetryable`), with capped exponential backoff and full jitter: before attempt k (k >= 1) it
 * sleeps a uniform random delay in `[0, min(maxDelayMs, baseDelayMs * 2^(k-1))]`, drawn from the
 * random effect and slept on the time effect, so a simulated run retries identically. A permanent
 * error, or the last attempt's error, goes to the caller.
 *
 * While a frame is being retried, later frames of the same port wait behind it, so the order per
 * ordered pair (and with it the receiver's sequence check) is kept.
 *
 * @module
 */
import type { PhysicalTimeEffects, RandomEffects } from '../core/effects.ts';
import { isRetryable } from '../core/errors.ts';
import { randomInt } from '../core/random.ts';
import type { Frame } from './frame.ts';
import type { Port, Transport, TransportMiddleware } from './transport.ts';

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Sleeps between attempts. */
  readonly time: PhysicalTimeEffects;
  /** Jitter. */
  readonly random: RandomEffects;
  /** Attempts in all, the first included (default 5). */
  readonly attempts?: number;
  /** Backoff before the second attempt, ms (default 10). */
  readonly baseDelayMs?: number;
  /** Largest backoff, ms (default 1000). */
  readonly maxDelayMs?: number;
}

/** Middleware retrying transient send failures with backoff. */
export function retry(options: RetryOptions): TransportMiddleware {
  return (inner: Transport): Transport => ({
    open: (session, role, receiver) => new RetryingPort(inner.open(session, role, receiver), options),
  });
}

class RetryingPort implements Port {
  /** Settles when every frame handed over so far has been sent (or failed). */
  private tail: Promise<void> | undefined;

  constructor(
    private readonly inner: Port,
    private readonly options: RetryOptions,
  ) {}

  send(frame: Frame): Promise<void> | undefined {
    if (this.tail !== undefined) return this.queue(this.tail.then(() => this.sendWithRetry(frame)));
    let result: Promise<void> | undefined;
    try {
      result = this.inner.send(frame);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      return this.queue(this.retryFrom(frame, error));
    }
    return result === undefined ? undefined : this.queue(result.catch((error: unknown) => this.retryFrom(frame, error)));
  }

  close(): void {
    this.inner.close();
  }

  /** Makes `sending` the frame later sends wait for, until it settles. */
  private queue(sending: Promise<void>): Promise<void> {
    const release = (): void => {
      if (this.tail === settled) this.tail = undefined;
    };
    const settled: Promise<void> = sending.then(release, release);
    this.tail = settled;
    return sending;
  }


  private async sendWithRetry(frame: Frame): Promise<void> {
    try {
      await this.inner.send(frame);
    } catch (error) {
      await this.retryFrom(frame, error);
    }
  }

  /** Attempts 2..n after the first failed with `first`. */
  private async retryFrom(frame: Frame, first: unknown): Promise<void> {
    const { attempts = 5, baseDelayMs = 10, maxDelayMs = 1000 } = this.options;
    let error = first;
    for (let attempt = 1; attempt < attempts && isRetryable(error); attempt++) {
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await this.options.time.sleep(randomInt(this.options.random, ceiling + 1));
      try {
        await this.inner.send(frame);
        return;
      } catch (next) {
        error = next;
      }
    }
    throw error;
  }
}
