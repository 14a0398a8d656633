/**
 * Message-level adversaries on the simulated network. An adversary sees every message as it is
 * sent and decides what the network carries instead: nothing (omission), the message later
 * (selective delay), an altered copy (corruption, equivocation), or extra old messages (replay).
 * Helpers below make the common ones a one-liner; crash-stop is a fault (`faults.ts`).
 *
 * Adversaries run in the order they were added; each sees what the previous one let through.
 *
 * @module
 */
import { corruptPayload } from './corrupt.ts';
import type { RandomDraws } from './draws.ts';
import type { Envelope } from './envelope.ts';

/** Old messages kept per link for {@link replay}. */
const REPLAY_HISTORY = 64;

/** A message the adversary lets the network carry, with extra delay in ms. */
export interface Dispatch {
  /** The message (possibly altered). */
  readonly envelope: Envelope;
  /** Delay added on top of the link's latency. */
  readonly delay: number;
}

/** What an adversary can use: the seeded draws and the current virtual time. */
export interface AdversaryTools {
  /** Seeded randomness of the adversary. */
  readonly draws: RandomDraws;
  /** Virtual time now. */
  readonly now: number;
}

/** A message-level adversary. */
export interface Adversary {
  /** Name for traces (`omit(C)`, `replay`…). */
  readonly name: string;
  /** What the network carries for one sent message: an empty list drops it. */
  intercept(envelope: Envelope, tools: AdversaryTools): readonly Dispatch[];
}

/** Which messages a helper applies to. */
export interface MessageSelector {
  /** Only messages from this node. */
  readonly from?: string;
  /** Only messages to one of these nodes. */
  readonly to?: readonly string[];
  /** Only messages with one of these labels. */
  readonly labels?: readonly string[];
  /** Probability that a selected message is affected (default 1). */
  readonly probability?: number;
}

function selects(selector: MessageSelector, envelope: Envelope, draws: RandomDraws): boolean {
  return (
    (selector.from === undefined || selector.from === envelope.from) &&
    (selector.to === undefined || selector.to.includes(envelope.to)) &&
    (selector.labels === undefined || (envelope.label !== undefined && selector.labels.includes(envelope.label))) &&
    draws.chance(selector.probability ?? 1)
  );
}

function describe(kind: string, selector: MessageSelector): string {
  const parts = [selector.from === undefined ? undefined : `from ${selector.from}`, selector.to === undefined ? undefined : `to ${selector.to.join('/')}`, selector.labels === undefined ? undefined : `labels ${selector.labels.join('/')}`];
  const where = parts.filter((part) => part !== undefined).join(', ');
  return where === '' ? kind : `${kind}(${where})`;
}

/** Omission: selected messages are withheld (never sent). */
export function omit(selector: MessageSelector): Adversary {
  return { name: describe('omit', selector), intercept: (envelope, { draws }) => (selects(selector, envelope, draws) ? [] : [{ envelope, delay: 0 }]) };
}

/** Selective delay: selected messages arrive `ms` later than the link would deliver them. */
export function delay(selector: MessageSelector, ms: number): Adversary {
  return { name: describe('delay', selector), intercept: (envelope, { draws }) => [{ envelope, delay: selects(selector, envelope, draws) ? ms : 0 }] };
}

/** Rewrites a payload for one recipient; must return a new value, never modify its input. */
export type PayloadAlteration = (payload: unknown, to: string, draws: RandomDraws) => unknown;

/** Tampering: selected messages carry `alter(payload, to, draws)` instead (a copy; the original is untouched). */
export function tamper(selector: MessageSelector, alter: PayloadAlteration): Adversary {
  return {
    name: describe('tamper', selector),
    intercept: (envelope, { draws }) => [{ envelope: selects(selector, envelope, draws) ? { ...envelope, payload: alter(envelope.payload, envelope.to, draws) } : envelope, delay: 0 }],
  };
}

/** Malformed payloads: selected messages arrive damaged by {@link corruptPayload} (wrong signatures, bad encodings…). */
export function corrupt(selector: MessageSelector): Adversary {
  return { ...tamper(selector, (payload, _to, draws) => corruptPayload(payload, draws)), name: describe('corrupt', selector) };
}

/**
 * Equivocation: a node tells different peers different things. `variant(payload, to)` gives the
 * payload each recipient gets; a typical one keeps the original for some peers and a conflicting
 * value for the others.
 */
export function equivocate(node: string, variant: PayloadAlteration): Adversary {
  return { ...tamper({ from: node }, variant), name: `equivocate(${node})` };
}

/**
 * Replay: with the selector's probability, each selected message is followed by a copy of an
 * older message of the same sender to the same recipient (an attacker re-sending what it saw).
 */
export function replay(selector: MessageSelector): Adversary {
  const seen = new Map<string, Envelope[]>();
  return {
    name: describe('replay', selector),
    intercept: (envelope, { draws }) => {
      const key = `${envelope.from}\u0000${envelope.to}`;
      const history = seen.get(key) ?? [];
      const dispatches: Dispatch[] = [{ envelope, delay: 0 }];
      if (history.length > 0 && selects(selector, envelope, draws)) dispatches.push({ envelope: draws.pick(history), delay: 0 });
      history.push(envelope);
      if (history.length > REPLAY_HISTORY) history.shift();
      seen.set(key, history);
      return dispatches;
    },
  };
}
