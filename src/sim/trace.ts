/**
 * Simulation traces: what happened, when (virtual ms) and in which causal order, one JSON object
 * per line (JSON lines). The first line is a header carrying the seed and the full configuration,
 * so a trace alone is enough to re-run the simulation (`replay.ts`). The schema is documented in
 * `docs/simulator.md`.
 *
 * Causal stamps: the recorder keeps a Lamport counter and (unless told to keep Lamport time
 * only) a vector clock per node. A node's own event ticks its clock; a send carries the sender's
 * stamp; a delivery merges it into the receiver's clock (the textbook rules of
 * `core/logical-clock.ts`). Environment events (drops, faults) carry no stamp: no node performed
 * them. Vector stamps grow with the number of nodes, so large runs may keep Lamport time only.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import { lamportObserve, lamportTick, mergeVectors, vectorIncrement, type VectorClock } from '../core/logical-clock.ts';

/** Version of the trace format written in every header. */
export const TRACE_VERSION = 1;

/** The kinds of trace events. */
export type TraceEventType =
  | 'send'
  | 'deliver'
  | 'drop'
  | 'duplicate'
  | 'corrupt'
  | 'timeout'
  | 'choice'
  | 'local'
  | 'fault'
  | 'crash'
  | 'restart'
  | 'property'
  | 'stall'
  | 'end';

/** A causal stamp: Lamport time and vector clock of the node at the event. */
export interface CausalStamp {
  /** Lamport counter. */
  readonly lamport: number;
  /** Vector clock, by node name (absent when the trace keeps Lamport time only). */
  readonly vector?: VectorClock;
}

/** Which causal stamps a trace records. */
export type CausalStamping = 'vector' | 'lamport';

/** What a caller says about an event; the recorder adds `seq`, `t` and the stamp. */
export interface TraceEventFields {
  /** Event kind. */
  readonly type: TraceEventType;
  /** The node that performed or suffered it. */
  readonly node?: string;
  /** Sender, for message events. */
  readonly from?: string;
  /** Recipient, for message events. */
  readonly to?: string;
  /** Message id (unique per run), for message events. */
  readonly msg?: number;
  /** Message label, when the sender gave one. */
  readonly label?: string;
  /** Message size in bytes. */
  readonly size?: number;
  /** Why: the cause of a drop, the fault applied, the property checked… */
  readonly reason?: string;
  /** Free-form detail (an error message, a choice made, a diagnosis). */
  readonly detail?: string;
  /** Outcome of a property check. */
  readonly ok?: boolean;
}

/** One recorded event. */
export interface TraceEvent extends TraceEventFields {
  /** Position in the trace, from 0. */
  readonly seq: number;
  /** Virtual time in ms. */
  readonly t: number;
  /** Causal stamp, for events a node performed. */
  readonly stamp?: CausalStamp;
}

/** The first line of a trace. */
export interface TraceHeader {
  /** Always `header`. */
  readonly type: 'header';
  /** {@link TRACE_VERSION}. */
  readonly version: number;
  /** The run's seed. */
  readonly seed: number;
  /** Everything else needed to re-run: for scenarios, the resolved scenario. */
  readonly config: unknown;
}

const ZERO: CausalStamp = { lamport: 0, vector: {} };

/** Field order of an event line: fixed, so equal events always serialize to equal bytes. */
const FIELD_ORDER = ['seq', 't', 'type', 'node', 'from', 'to', 'msg', 'label', 'size', 'reason', 'detail', 'ok', 'stamp'] as const;

/** Collects events and causal stamps during one run. */
export class TraceRecorder {
  /** Recorded events, in order. */
  readonly events: TraceEvent[] = [];
  private readonly clocks = new Map<string, CausalStamp>();

  /** A recorder stamping events with vector clocks too, or with Lamport time only. */
  constructor(private readonly stamping: CausalStamping = 'vector') {}

  /** Records an environment event (no stamp). */
  record(time: number, fields: TraceEventFields): void {
    this.push(time, fields, fields.node, undefined);
  }

  /** Records an event performed by `node`, ticking its causal clock; returns the stamp. */
  recordLocal(time: number, node: string, fields: TraceEventFields): CausalStamp {
    const stamp = this.tick(node);
    this.push(time, fields, node, stamp);
    return stamp;
  }

  /** Records the delivery of a message stamped `sent` to `node`, merging the stamps. */
  recordReceive(time: number, node: string, sent: CausalStamp | undefined, fields: TraceEventFields): void {
    const own = this.clocks.get(node) ?? ZERO;
    const lamport = sent === undefined ? lamportTick(own.lamport) : lamportObserve(own.lamport, sent.lamport);
    const stamp = this.stamping === 'lamport' ? { lamport } : { lamport, vector: vectorIncrement(mergeVectors(own.vector ?? {}, sent?.vector ?? {}), node) };
    this.clocks.set(node, stamp);
    this.push(time, fields, node, stamp);
  }

  /** Forgets a node's causal clock (its memory is gone after a crash). */
  resetClock(node: string): void {
    this.clocks.delete(node);
  }

  /** Every event has the same object shape (absent fields undefined): cheap to build and to keep. */
  private push(time: number, fields: TraceEventFields, node: string | undefined, stamp: CausalStamp | undefined): void {
    this.events.push({
      seq: this.events.length,
      t: time,
      type: fields.type,
      node,
      from: fields.from,
      to: fields.to,
      msg: fields.msg,
      label: fields.label,
      size: fields.size,
      reason: fields.reason,
      detail: fields.detail,
      ok: fields.ok,
      stamp,
    });
  }

  private tick(node: string): CausalStamp {
    const own = this.clocks.get(node) ?? ZERO;
    const lamport = lamportTick(own.lamport);
    const stamp = this.stamping === 'lamport' ? { lamport } : { lamport, vector: vectorIncrement(own.vector ?? {}, node) };
    this.clocks.set(node, stamp);
    return stamp;
  }
}

/** One event as a JSON line, fields in a fixed order, vector keys sorted. */
export function eventLine(event: TraceEvent): string {
  const ordered: Record<string, unknown> = {};
  for (const field of FIELD_ORDER) {
    const value = event[field];
    if (value === undefined) continue;
    ordered[field] = field === 'stamp' ? sortedStamp(value as CausalStamp) : value;
  }
  return JSON.stringify(ordered);
}

function sortedStamp(stamp: CausalStamp): CausalStamp {
  if (stamp.vector === undefined) return { lamport: stamp.lamport };
  const vector: Record<string, number> = {};
  for (const key of Object.keys(stamp.vector).sort()) vector[key] = stamp.vector[key] ?? 0;
  return { lamport: stamp.lamport, vector };
}

/** A whole trace as JSON lines (header first), each line ending in a newline. */
export function traceText(header: TraceHeader, events: readonly TraceEvent[]): string {
  return [JSON.stringify(header), ...events.map(eventLine)].join('\n') + '\n';
}

/** A trace read back: the header and the event lines as written. */
export interface ParsedTrace {
  /** The header. */
  readonly header: TraceHeader;
  /** Each event line, verbatim. */
  readonly lines: readonly string[];
}

/**
 * Reads a trace. A line that is not JSON, a missing or wrong header, or an event without `seq`,
 * `t` and `type` is `sim.trace-malformed`, naming the file and line.
 */
export function parseTrace(text: string, file = 'trace'): ParsedTrace {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw permanentError('sim.trace-malformed', `${file}: empty trace (expected a header line)`, { context: { file, line: 1 } });
  const values = lines.map((line, index) => parseLine(line, file, index + 1));
  const header = values[0];
  if (!isHeader(header)) throw permanentError('sim.trace-malformed', `${file}:1: the first line is not a trace header ({"type":"header","version":${TRACE_VERSION},"seed":…,"config":…})`, { context: { file, line: 1 } });
  if (header.version !== TRACE_VERSION) throw permanentError('sim.trace-version', `${file}:1: trace version ${header.version} is not supported (expected ${TRACE_VERSION})`, { context: { file, line: 1 } });
  values.slice(1).forEach((value, index) => {
    if (!isEventShape(value)) throw permanentError('sim.trace-malformed', `${file}:${index + 2}: an event needs "seq", "t" and "type"`, { context: { file, line: index + 2 } });
  });
  return { header, lines: lines.slice(1) };
}

function parseLine(line: string, file: string, number: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    throw permanentError('sim.trace-malformed', `${file}:${number}: not a JSON line (${(error as Error).message})`, { cause: error, context: { file, line: number } });
  }
}

function isHeader(value: unknown): value is TraceHeader {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return record.type === 'header' && typeof record.version === 'number' && typeof record.seed === 'number' && 'config' in record;
}

function isEventShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.seq === 'number' && typeof record.t === 'number' && typeof record.type === 'string';
}

/** Where two traces first differ. */
export interface TraceDifference {
  /** Line number in the trace file (the header is line 1). */
  readonly line: number;
  /** The recorded line, or `undefined` when the recorded trace ended first. */
  readonly expected: string | undefined;
  /** The re-run's line, or `undefined` when the re-run ended first. */
  readonly actual: string | undefined;
}

/** The first event line where `actual` departs from `expected`, or `undefined` when identical. */
export function firstDifference(expected: readonly string[], actual: readonly string[]): TraceDifference | undefined {
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    if (expected[i] !== actual[i]) return { line: i + 2, expected: expected[i], actual: actual[i] };
  }
  return undefined;
}
