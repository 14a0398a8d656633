/**
 * Host-side work the simulator waits for: the platform's asynchronous crypto requests (WebCrypto
 * and `node:crypto` jobs run on libuv's thread pool, as HPKE's X25519 and HKDF do), seen through
 * `node:async_hooks`. Such a request completes on the real event loop, after a real delay, so
 * the scheduler must not advance virtual time while one is in flight: otherwise the code awaiting
 * it resumes at whatever virtual time the run has reached by then, and a run is no longer a
 * function of its seed. See `Scheduler.run` and `docs/simulator.md` (Host work).
 *
 * One process-wide hook, enabled while at least one simulation runs (reference counted), counts
 * the requests created and not yet called back. A request of another simulation running at the
 * same time is counted too: that only makes a run wait a little longer, never changes its order.
 *
 * @module
 */
import { createHook, type AsyncHook } from 'node:async_hooks';

/**
 * The `async_hooks` resource types of Node's crypto jobs (every one whose name ends in `REQUEST`
 * except `HTTPCLIENTREQUEST`): the host work a protocol's code may await.
 */
export const HOST_WORK_TYPES: ReadonlySet<string> = new Set([
  'CHECKPRIMEREQUEST',
  'CIPHERREQUEST',
  'DERIVEBITSREQUEST',
  'HASHREQUEST',
  'KEYEXPORTREQUEST',
  'KEYGENREQUEST',
  'KEYPAIRGENREQUEST',
  'PBKDF2REQUEST',
  'RANDOMBYTESREQUEST',
  'RANDOMPRIMEREQUEST',
  'SCRYPTREQUEST',
  'SIGNREQUEST',
  'VERIFYREQUEST',
]);

/** Requests created and not yet called back, by async id. */
const inFlight = new Map<number, object>();
let users = 0;
let hook: AsyncHook | undefined;

function settled(id: number): void {
  inFlight.delete(id);
}

/** Starts counting host work (one call per running simulation; pair it with {@link releaseHostWork}). */
export function watchHostWork(): void {
  users++;
  hook ??= createHook({
    init: (id, type, _trigger, resource: object) => {
      if (HOST_WORK_TYPES.has(type)) inFlight.set(id, resource);
    },
    // `after` runs once the request's callback (which settles the awaited promise) has returned.
    // Node calls every crypto request back; a `destroy` hook would make every promise tracked for
    // garbage collection, which costs more than the runs themselves.
    after: settled,
  });
  if (users === 1) hook.enable();
}

/** Stops counting for one simulation; the hook is disabled when none is left. */
export function releaseHostWork(): void {
  users = Math.max(0, users - 1);
  if (users > 0) return;
  hook?.disable();
  inFlight.clear();
}

/**
 * How many host requests are in flight now. Node runs some crypto jobs synchronously (a key
 * import, an export): those never call back. An asynchronous job gets its `ondone` callback in the
 * same synchronous block that creates it, so a request without one, seen from any later point,
 * was a synchronous job that is over.
 */
export function hostWorkInFlight(): number {
  for (const [id, resource] of inFlight) {
    if (typeof (resource as { ondone?: unknown }).ondone !== 'function') inFlight.delete(id);
  }
  return inFlight.size;
}
