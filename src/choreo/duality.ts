/**
 * Duality of two local types: for a protocol with exactly two roles, each role's projection must
 * be the other's mirror image (send against receive with the same label and payload, select
 * against branch with the same labels, loops against loops). Local steps are invisible to the
 * peer and skipped. This is the classic binary session type check (Honda 1993; Gay-Hole 2005),
 * a cross-check of projection on two-party protocols.
 *
 * @module
 */
import type { LocalType } from './local-type.ts';
import { printPayload } from './print-ast.ts';

/** Where two local types stop being dual, or `null` when they are dual. */
export function dualityMismatch(left: LocalType, right: LocalType): string | null {
  const seen = new Set<string>();
  const ids = new Map<LocalType, number>();
  const idOf = (type: LocalType): number => {
    let id = ids.get(type);
    if (id === undefined) ids.set(type, (id = ids.size));
    return id;
  };
  const pending: [LocalType, LocalType][] = [[left, right]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [a, b] = [skipLocal(pair[0]), skipLocal(pair[1])];
    const key = `${idOf(a)}:${idOf(b)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (a.kind === 'send' && b.kind === 'recv') {
      if (a.label !== b.label || printPayload(a.payload) !== printPayload(b.payload)) return `send ${a.label} meets receive ${b.label}`;
      pending.push([a.next, b.next]);
    } else if (a.kind === 'recv' && b.kind === 'send') {
      pending.push([b, a]);
    } else if ((a.kind === 'select' && b.kind === 'branch') || (a.kind === 'branch' && b.kind === 'select')) {
      const labelsA = Object.keys(a.branches);
      const labelsB = Object.keys(b.branches);
      if (labelsA.join(',') !== labelsB.join(',')) return `branches ${labelsA.join(', ')} meet ${labelsB.join(', ')}`;
      for (const label of labelsA) pending.push([a.branches[label]!, b.branches[label]!]); // same label lists
    } else if (a.kind === 'rec' && b.kind === 'rec') {
      pending.push([a.body, b.body]);
    } else if (a.kind === 'par' && b.kind === 'par' && a.branches.length === b.branches.length) {
      a.branches.forEach((branch, index) => pending.push([branch, b.branches[index]!])); // same length
      pending.push([a.next, b.next]);
    } else if (a.kind === 'var' && b.kind === 'var') {
      if (a.label !== b.label) return `continue ${a.label} meets continue ${b.label}`;
    } else if (!(a.kind === 'end' && b.kind === 'end')) {
      return `${a.kind} meets ${b.kind}`;
    }
  }
  return null;
}

function skipLocal(type: LocalType): LocalType {
  let current = type;
  while (current.kind === 'local') current = current.next;
  return current;
}
