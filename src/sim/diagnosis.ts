/**
 * Liveness diagnosis: when no event can fire and some node still waits, the waits-for picture.
 * Each waiting node says what it waits for (a message from whom, with which label, in its own
 * words); the diagnosis follows those edges, finds cycles, and tells a protocol bug from a
 * fault-induced stall:
 *
 * - `fault-induced`: the awaited node crashed, is cut off by a partition, or messages between it
 *   and the waiter were lost, cut or withheld: the protocol may be right and the faults too strong.
 * - `deadlock`: the waiter is on a cycle of nodes each waiting for the next (a protocol bug).
 * - `orphaned-wait`: the awaited node is not waiting and will never send (a protocol bug), or
 *   the wait names no sender and no fault touched the waiter.
 *
 * Choreography roles (`choreo-sim.ts`) describe each wait with the role, the step and the protocol.
 *
 * @module
 */
import type { WaitInfo } from './node.ts';

/** Why one node is stuck. */
export type StallCause = 'fault-induced' | 'deadlock' | 'orphaned-wait';

/** One stuck node and why. */
export interface StalledNode extends WaitInfo {
  /** The classification. */
  readonly cause: StallCause;
  /** One sentence on why. */
  readonly explanation: string;
}

/** The waits-for report of a stalled run. */
export interface StallReport {
  /** Every waiting node, in name order. */
  readonly nodes: readonly StalledNode[];
  /** Cycles of the waits-for graph, each starting at its smallest name. */
  readonly cycles: readonly (readonly string[])[];
  /** True when some stuck node is explained by faults; false means the protocol itself is stuck. */
  readonly faultInduced: boolean;
  /** One line for people. */
  readonly summary: string;
}

/** What the diagnosis needs to know about the run. */
export interface StallFacts {
  /** What each waiting node waits for. */
  readonly waits: readonly WaitInfo[];
  /** Nodes that are crashed now. */
  readonly crashed: ReadonlySet<string>;
  /** Nodes that crashed and restarted during the run: they lost their memory. */
  readonly restarted?: ReadonlySet<string>;
  /** Messages from `from` to `to` lost, cut or withheld during the run. */
  dropsBetween(from: string, to: string): number;
  /** Messages to `to` lost, cut or withheld, from anyone. */
  dropsTo(to: string): number;
  /** True when a partition separates the two nodes now. */
  separated(a: string, b: string): boolean;
}

/** Builds the waits-for report. */
export function diagnoseStall(facts: StallFacts): StallReport {
  const waits = [...facts.waits].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const waitsFor = new Map(waits.map((wait) => [wait.node, wait.from]));
  const cycles = findCycles(waitsFor);
  const onCycle = new Set(cycles.flat());
  const nodes = waits.map((wait): StalledNode => ({ ...wait, ...classify(wait, facts, waitsFor, onCycle) }));
  const faultInduced = nodes.some((node) => node.cause === 'fault-induced');
  return { nodes, cycles, faultInduced, summary: summarize(nodes, cycles, faultInduced) };
}

function classify(wait: WaitInfo, facts: StallFacts, waitsFor: ReadonlyMap<string, string | undefined>, onCycle: ReadonlySet<string>): { cause: StallCause; explanation: string } {
  const from = wait.from;
  if (from === undefined) {
    const drops = facts.dropsTo(wait.node);
    return drops > 0
      ? { cause: 'fault-induced', explanation: `${drops} message(s) to ${wait.node} were lost, cut or withheld` }
      : { cause: 'orphaned-wait', explanation: `${wait.node} waits for a message no node is going to send` };
  }
  if (facts.crashed.has(from)) return { cause: 'fault-induced', explanation: `${from} crashed` };
  if (facts.restarted?.has(wait.node) === true) return { cause: 'fault-induced', explanation: `${wait.node} crashed and restarted: it lost what it had received` };
  if (facts.restarted?.has(from) === true) return { cause: 'fault-induced', explanation: `${from} crashed and restarted: it lost its place` };
  if (facts.separated(from, wait.node)) return { cause: 'fault-induced', explanation: `a partition separates ${from} from ${wait.node}` };
  // A lost request explains a missing reply as well as a lost reply does.
  const drops = facts.dropsBetween(from, wait.node) + facts.dropsBetween(wait.node, from);
  if (drops > 0) return { cause: 'fault-induced', explanation: `${drops} message(s) between ${from} and ${wait.node} were lost, cut or withheld` };
  if (onCycle.has(wait.node)) return { cause: 'deadlock', explanation: `${wait.node} and ${from} wait for each other (directly or around a cycle)` };
  if (waitsFor.has(from)) return { cause: 'deadlock', explanation: `${from} is itself stuck, waiting${waitsFor.get(from) === undefined ? '' : ` for ${waitsFor.get(from) ?? ''}`}` };
  // Any lost message to the waiter may be the one it needed (a notice that the session stopped, say).
  const lost = facts.dropsTo(wait.node);
  if (lost > 0) return { cause: 'fault-induced', explanation: `${from} will not send, and ${lost} message(s) to ${wait.node} were lost, cut or withheld` };
  return { cause: 'orphaned-wait', explanation: `${from} is not waiting for anything and will never send what ${wait.node} expects` };
}

/** Cycles of a graph where each node has at most one successor. */
function findCycles(next: ReadonlyMap<string, string | undefined>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  for (const start of next.keys()) {
    const path: string[] = [];
    const position = new Map<string, number>();
    let current: string | undefined = start;
    while (current !== undefined && !done.has(current) && next.has(current)) {
      if (position.has(current)) {
        const cycle = path.slice(position.get(current));
        const smallest = cycle.indexOf([...cycle].sort()[0]!); // a cycle is never empty
        cycles.push([...cycle.slice(smallest), ...cycle.slice(0, smallest)]);
        break;
      }
      position.set(current, path.length);
      path.push(current);
      current = next.get(current);
    }
    for (const node of path) done.add(node);
  }
  return cycles;
}

function summarize(nodes: readonly StalledNode[], cycles: readonly (readonly string[])[], faultInduced: boolean): string {
  const stuck = `${nodes.map((node) => node.node).join(', ')} ${nodes.length === 1 ? 'waits' : 'wait'}`;
  if (faultInduced) return `fault-induced stall: ${stuck} for messages that faults lost or cut off`;
  if (cycles.length > 0) return `protocol bug: deadlock ${cycles.map((cycle) => [...cycle, cycle[0]].join(' -> ')).join('; ')}`;
  return `protocol bug: ${stuck} for messages nobody is going to send`;
}

/** The report as text lines: the summary, then one line per stuck node. */
export function formatStall(report: StallReport): string[] {
  return [
    report.summary,
    ...report.nodes.map((node) => {
      const what = [node.label === undefined ? 'a message' : `"${node.label}"`, node.from === undefined ? '' : ` from ${node.from}`].join('');
      const words = node.description === undefined ? '' : ` (${node.description})`;
      return `  ${node.node} waits for ${what}${words} since t=${node.since}: ${node.cause}, ${node.explanation}`;
    }),
  ];
}
