/**
 * `Promise.withResolvers` (ES2024) for Node.js 20, which lacks it; js-libp2p (its yamux muxer, its
 * message streams) calls it. Entry points that create a libp2p node import this module once, first:
 * `src/cli/main.ts` (the `aura` bin), the network benchmarks and the network tests.
 * Importing it again is harmless: an existing implementation is never replaced.
 *
 * Source: the TC39 proposal-promise-with-resolvers specification text.
 *
 * @module
 */

declare global {
  /** What `Promise.withResolvers()` returns: a promise with its settle functions. */
  interface PromiseWithResolvers<T> {
    promise: Promise<T>;
    resolve: (value: T | PromiseLike<T>) => void;
    reject: (reason?: unknown) => void;
  }
  interface PromiseConstructor {
    /** A new promise together with the functions that settle it. */
    withResolvers<T>(): PromiseWithResolvers<T>;
  }
}

/** True when the running engine has `Promise.withResolvers` (natively or polyfilled). */
export function hasPromiseWithResolvers(): boolean {
  return typeof (Promise as { withResolvers?: unknown }).withResolvers === 'function';
}

/** Installs `Promise.withResolvers` when the engine lacks it; returns true when it installed it. */
export function installPromiseWithResolvers(): boolean {
  if (hasPromiseWithResolvers()) return false;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor): PromiseWithResolvers<T> {
      let resolve!: (value: T | PromiseLike<T>) => void; // assigned synchronously by the executor
      let reject!: (reason?: unknown) => void; // likewise
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
  return true;
}

installPromiseWithResolvers();
