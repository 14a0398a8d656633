/**
 * Fault injection middleware, for tests: a transport wrapper that drops, delays, duplicates or
 * corrupts protocol messages, or fails their send with a transient error, as a decision function
 * says (for example {@link randomFaults}, seeded). Abort notices pass untouched, so a test sees how
 * the monitor reacts to the fault, not a lost abort.
 *
 * What the receiving monitor makes of each: a dropped message is a sequence gap at the next one
 * (or a receive timeout); a duplicate is `runtime.violation.duplicate`; a corrupted payload is
 * `runtime.violation.payload`; a delay past later messages is a sequence gap; a failed send is
 * for the retry middleware.
 *
 * @module
 */
import type { RandomEffects, PhysicalTimeEffects } from '../core/effects.ts';
import { transientError } from '../core/errors.ts';
import { randomFloat } from '../core/random.ts';
import type { Envelope, Frame } from './frame.ts';
import type { Transport, TransportMiddleware } from './transport.ts';

/** What happens to one message. */
export type Fault =
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay'; /** How long, ms. */ readonly ms: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'corrupt' }
  | { readonly kind: 'fail' };

/** Decides the fate of each message: a fault, or `undefined` to pass it on. */
export type FaultPlan = (envelope: Envelope) => Fault | undefined;

/** Options of {@link faults}. */
export interface FaultOptions {
  /** Which messages get which fault. */
  readonly plan: FaultPlan;
  /** For delays. */
  readonly time?: PhysicalTimeEffects;
  /** For corrupted payloads (default: a fixed garbage payload). */
  readonly random?: RandomEffects;
}

/** Middleware applying `options.plan` to every message sent through the wrapped transport. */
export function faults(options: FaultOptions): TransportMiddleware {
  return (inner: Transport): Transport => ({
    open: (session, role, receiver) => {
      const port = inner.open(session, role, receiver);
      return {
        send: (frame: Frame) => {
          const fault = frame.kind === 'message' ? options.plan(frame) : undefined;
          if (fault === undefined || frame.kind !== 'message') return port.send(frame);
          return inject(fault, frame, (sent) => port.send(sent), options);
        },
        close: () => {
          port.close();
        },
      };
    },
  });
}

function inject(fault: Fault, envelope: Envelope, send: (frame: Frame) => Promise<void> | undefined, options: FaultOptions): Promise<void> | undefined {
  switch (fault.kind) {
    case 'drop':
      return undefined;
    case 'duplicate': {
      const first = send(envelope);
      const second = send(envelope);
      return first === undefined && second === undefined ? undefined : Promise.all([first, second]).then(() => undefined);
    }
    case 'corrupt':
      return send({ ...envelope, payload: options.random?.randomBytes(16) ?? new Uint8Array([0xde, 0xad]) });
    case 'delay': {
      if (options.time === undefined) throw transientError('faults.no-time', 'a delay fault needs options.time');
      // A delayed frame that then fails to send is lost, as if dropped: the monitor sees the gap.
      void options.time
        .sleep(fault.ms)
        .then(() => send(envelope))
        .catch(() => undefined);
      return undefined;
    }
    case 'fail':
      throw transientError('transport.unreachable', `injected send failure for ${envelope.label} to ${envelope.to}`);
  }
}

/** Probabilities of each fault per message, for {@link randomFaults}. */
export interface FaultRates {
  readonly drop?: number;
  readonly duplicate?: number;
  readonly corrupt?: number;
  readonly fail?: number;
  readonly delay?: { readonly rate: number; readonly ms: number };
}

/** A plan that draws each message's fate from `random` (seeded: the same faults every run). */
export function randomFaults(random: RandomEffects, rates: FaultRates): FaultPlan {
  const table: [number, Fault][] = [
    [rates.drop ?? 0, { kind: 'drop' }],
    [rates.duplicate ?? 0, { kind: 'duplicate' }],
    [rates.corrupt ?? 0, { kind: 'corrupt' }],
    [rates.fail ?? 0, { kind: 'fail' }],
    [rates.delay?.rate ?? 0, { kind: 'delay', ms: rates.delay?.ms ?? 0 }],
  ];
  return () => {
    let draw = randomFloat(random);
    for (const [rate, fault] of table) {
      if (draw < rate) return fault;
      draw -= rate;
    }
    return undefined;
  };
}
