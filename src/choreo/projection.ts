/**
 * Projection of a global protocol to one local type per role (`LANGUAGE.md`, "Projection";
 * Honda-Yoshida-Carbone, with the full merge of Scalas-Yoshida "Less is More"):
 *
 * - the sender of a message gets `send`, the receiver `recv`, everyone else the continuation;
 * - the chooser of a choice gets `select`; every other role projects each branch (followed by
 *   what comes after the choice) and merges the results;
 * - the full merge: identical terms merge; sends merge only when identical (continuations
 *   merged); receives from the same sender with the same label and payload merge, with their
 *   continuations merged; receives tagged with this choice's branch labels (see `knowledge.ts`),
 *   all from the same sender, are united label by label into one `branch(from, …)`; `end` merges
 *   only with `end` (it is not neutral: a role that stops in one branch but receives in another
 *   could wait forever);
 * - `rec L {G}` projects to `rec L {G'}` when the role occurs in G (or G jumps back to an outer
 *   loop), else to the continuation; `parallel` gives `par` when the role takes part in two or
 *   more parts, the one part when it takes part in one.
 *
 * A merge that fails is a diagnostic: `E022` when the role is not informed of the branch in some
 * branch (it cannot tell which branch was taken), `E023` otherwise; both show the two local
 * behaviours that differ. Terms are hash-consed (`local-term.ts`), so a projection shared by
 * many branches is built once and merging identical branches costs one comparison; a subtree in
 * which the role does not occur is skipped without being visited.
 *
 * @module
 */
import { errorAt, type Diagnostic } from './diagnostic.ts';
import type { GChoice, GlobalProtocol, GNode, GPar, Tag } from './global-type.ts';
import type { Knowledge } from './knowledge.ts';
import { sameTags, TermTable, type Entries, type Term, type TermOf } from './local-term.ts';
import type { LocalType, RoleName } from './local-type.ts';
import { printLocalType } from './print-local.ts';

/** The projection of every role, with the merge failures found. */
export interface Projection {
  readonly locals: Readonly<Record<RoleName, LocalType>>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Projects `protocol` (already tagged by `analyzeKnowledge`) onto each of its roles. */
export function projectAll(protocol: GlobalProtocol, knowledge: Knowledge): Projection {
  const projector = new Projector(knowledge);
  const locals: Record<RoleName, LocalType> = {};
  for (const role of protocol.roles) {
    const term = projector.sequence(protocol.body, role, projector.table.end);
    locals[role] = projector.table.toLocalType(term);
  }
  return { locals, diagnostics: projector.diagnostics };
}

/** Why two behaviours do not merge. */
interface Conflict {
  readonly conflict: true;
  readonly left: Term;
  readonly leftLabel: string;
  readonly right: Term;
  readonly rightLabel: string;
}

type Merged = Term | Conflict;

function isConflict(merged: Merged): merged is Conflict {
  return 'conflict' in merged;
}

class Projector {
  readonly table = new TermTable();
  readonly diagnostics: Diagnostic[] = [];
  private readonly jumps = new WeakMap<GNode, ReadonlySet<string>>();
  private readonly reported = new Set<string>();

  constructor(private readonly knowledge: Knowledge) {}

  /** The projection of `nodes` followed by `next`, built from the last node backwards. */
  sequence(nodes: readonly GNode[], role: RoleName, next: Term): Term {
    let result = next;
    for (let i = nodes.length - 1; i >= 0; i--) result = this.node(nodes[i]!, role, result); // i is within nodes
    return result;
  }

  private node(node: GNode, role: RoleName, next: Term): Term {
    if (node.kind === 'continue') return this.table.make({ kind: 'var', label: node.label });
    if (!node.roles.has(role) && !this.containsJump(node)) return next;
    switch (node.kind) {
      case 'msg':
        if (node.from === role) return this.table.send(node.to, node.signature, node.tags, next);
        return this.table.recv(node.from, node.signature, node.tags, node.gather, next);
      case 'act':
        return this.table.make({ kind: 'local', action: node.action, args: node.args, next });
      case 'choice':
        return this.choice(node, role, next);
      case 'rec': {
        if (!node.roles.has(role)) return next;
        return this.table.make({ kind: 'rec', label: node.label, body: this.sequence(node.body, role, next) });
      }
      case 'par':
        return this.parallel(node, role, next);
    }
  }

  // Kept out of `node`: its closures capture `role`, and a function with capturing closures
  // allocates a context on every call, which `node` (called per node and role) must not pay.
  private parallel(node: GPar, role: RoleName, next: Term): Term {
    const involved = node.branches.filter((branch) => branch.some((part) => part.roles.has(role)));
    const [only] = involved;
    if (only === undefined) return next;
    if (involved.length === 1) return this.sequence(only, role, next);
    return this.table.make({ kind: 'par', branches: involved.map((branch) => this.sequence(branch, role, this.table.end)), next });
  }

  private choice(node: GChoice, role: RoleName, next: Term): Term {
    const projections: (readonly [string, Term])[] = [];
    for (const branch of node.branches) projections.push([branch.label, this.sequence(branch.body, role, next)]);
    if (node.chooser === role) return this.table.make({ kind: 'select', entries: projections });
    const merged = this.merge(node.id, projections);
    if (!isConflict(merged)) return merged;
    this.reportConflict(node, role, merged);
    return projections[0]?.[1] ?? next;
  }

  /**
   * The full merge of the branch projections of choice `choice`. Chains of identical sends,
   * receives and local steps are followed iteratively (so long protocols cannot overflow the
   * stack) and rebuilt afterwards around the merged rest.
   */
  private merge(choice: number, items: Entries): Merged {
    const heads: TermOf<'send' | 'recv' | 'local'>[] = [];
    let current = items;
    let result: Merged;
    for (;;) {
      const step = this.mergeStep(choice, current);
      if ('continueWith' in step) {
        heads.push(step.head);
        current = step.continueWith;
        continue;
      }
      result = step.result;
      break;
    }
    if (isConflict(result)) return result;
    for (let i = heads.length - 1; i >= 0; i--) result = this.table.withNext(heads[i]!, result); // i is within heads
    return result;
  }

  private mergeStep(choice: number, items: Entries): { result: Merged } | { continueWith: Entries; head: TermOf<'send' | 'recv' | 'local'> } {
    const [head] = items;
    if (head === undefined) return { result: this.table.end };
    const first = head[1];
    if (items.some(([, term]) => lastTag(term)?.choice === choice)) return { result: this.unite(choice, items) };
    const differing = items.find(([, term]) => term !== first);
    if (differing === undefined && (items.length > 1 || !first.tagged)) return { result: first };
    const conflict = (other: readonly [string, Term] = differing ?? head): { result: Merged } => ({ result: { conflict: true, left: first, leftLabel: head[0], right: other[1], rightLabel: other[0] } });
    switch (first.kind) {
      case 'send':
      case 'recv':
      case 'local': {
        const mismatch = items.find(([, term]) => !sameStep(first, term));
        if (mismatch !== undefined) return conflict(mismatch);
        return { continueWith: items.map(([label, term]) => [label, (term as TermOf<'send' | 'recv' | 'local'>).next] as const), head: first };
      }
      case 'select':
      case 'branch': {
        const mismatch = items.find(
          ([, term]) =>
            term.kind !== first.kind ||
            !sameLabels(term.entries, first.entries) ||
            (first.kind === 'branch' && term.kind === 'branch' && (term.from !== first.from || term.choice !== first.choice || !sameTags(term.tags, first.tags))),
        );
        if (mismatch !== undefined) return conflict(mismatch);
        const entries: [string, Term][] = [];
        for (const [index, [label]] of first.entries.entries()) {
          const merged = this.merge(choice, items.map(([itemLabel, term]) => [itemLabel, (term as TermOf<'select' | 'branch'>).entries[index]![1]] as const)); // same label list
          if (isConflict(merged)) return { result: merged };
          entries.push([label, merged]);
        }
        return { result: first.kind === 'select' ? this.table.make({ kind: 'select', entries }) : this.table.make({ kind: 'branch', from: first.from, choice: first.choice, tags: first.tags, entries }) };
      }
      case 'rec': {
        const mismatch = items.find(([, term]) => term.kind !== 'rec' || term.label !== first.label);
        if (mismatch !== undefined) return conflict(mismatch);
        const body = this.merge(choice, items.map(([label, term]) => [label, (term as TermOf<'rec'>).body] as const));
        return { result: isConflict(body) ? body : this.table.make({ kind: 'rec', label: first.label, body }) };
      }
      case 'var':
      case 'par':
      case 'end':
        return conflict();
    }
  }

  /** Unites the branch projections that each start with a receive (or branch) tagged with this choice's label. */
  private unite(choice: number, items: readonly (readonly [string, Term])[]): Merged {
    const tagged = items.find(([, term]) => lastTag(term)?.choice === choice);
    const untagged = items.find(([, term]) => lastTag(term)?.choice !== choice);
    if (tagged === undefined) return { conflict: true, left: this.table.end, leftLabel: '?', right: this.table.end, rightLabel: '?' };
    if (untagged !== undefined) return { conflict: true, left: tagged[1], leftLabel: tagged[0], right: untagged[1], rightLabel: untagged[0] };
    const first = tagged[1];
    const from = senderOf(first) ?? '';
    const outer = outerTags(first);
    const mismatch = items.find(([, term]) => senderOf(term) !== from || !sameTags(outerTags(term), outer));
    if (mismatch !== undefined) return { conflict: true, left: first, leftLabel: tagged[0], right: mismatch[1], rightLabel: mismatch[0] };
    const entries = items.map(([label, term]) => [label, this.withTags(term, [])] as const);
    return this.table.make({ kind: 'branch', from, choice, tags: outer, entries });
  }

  private withTags(term: Term, tags: readonly Tag[]): Term {
    return term.kind === 'recv' || term.kind === 'branch' ? this.table.withTags(term, tags) : term;
  }

  private reportConflict(node: GChoice, role: RoleName, conflict: Conflict): void {
    const key = `${node.file}:${node.span.start}:${role}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const informed = this.knowledge.informed[node.id] ?? [];
    const uninformedIn = node.branches.findIndex((_, index) => !(informed[index]?.has(role) ?? false));
    const show = (term: Term): string[] => excerpt(this.table.toLocalType(term));
    const notes = [`In branch \`${conflict.leftLabel}\`, ${role} does:`, ...show(conflict.left), `In branch \`${conflict.rightLabel}\`, ${role} does:`, ...show(conflict.right)];
    const branchName = node.branches[uninformedIn]?.label;
    if (branchName !== undefined) {
      this.diagnostics.push(
        errorAt(
          'E022',
          node.file,
          node.span,
          `Role \`${role}\` cannot tell which branch \`${node.chooser}\` chose: it behaves differently across the branches, but no message tells it that \`${branchName}\` was taken.`,
          `Send \`${role}\` a message from \`${node.chooser}\` (or from a role that already knows) at the start of every branch.`,
          notes,
        ),
      );
      return;
    }
    this.diagnostics.push(
      errorAt(
        'E023',
        node.file,
        node.span,
        `The local behaviours of \`${role}\` in the branches of this choice cannot be merged: they diverge before \`${role}\` learns the branch, or it learns it from different roles.`,
        `Make \`${role}\` learn the branch from the same role, before it acts differently.`,
        notes,
      ),
    );
  }

  /** True when `node` contains a `continue` to a loop outside it (then it matters even to roles not occurring in it). */
  private containsJump(node: GNode): boolean {
    return this.freeJumps(node).size > 0;
  }

  /** The labels of the `continue`s in `node` that jump to loops enclosing `node`. */
  private freeJumps(node: GNode): ReadonlySet<string> {
    if (node.kind === 'msg' || node.kind === 'act') return NO_JUMPS;
    if (node.kind === 'continue') return new Set([node.label]);
    const cached = this.jumps.get(node);
    if (cached !== undefined) return cached;
    let result: Set<string> | null = null;
    const children = node.kind === 'choice' ? node.branches.map(branchBody) : node.kind === 'par' ? node.branches : [node.body];
    for (const sequence of children) {
      for (const child of sequence) {
        for (const label of this.freeJumps(child)) (result ??= new Set()).add(label);
      }
    }
    if (node.kind === 'rec') result?.delete(node.label);
    const shared = result === null || result.size === 0 ? NO_JUMPS : result;
    this.jumps.set(node, shared);
    return shared;
  }
}

const NO_JUMPS: ReadonlySet<string> = new Set();

function branchBody(branch: GChoice['branches'][number]): readonly GNode[] {
  return branch.body;
}

/** True when `term` is the same send, receive or local step as `first`, whatever follows it. */
function sameStep(first: TermOf<'send' | 'recv' | 'local'>, term: Term): boolean {
  switch (first.kind) {
    case 'send':
      return term.kind === 'send' && term.to === first.to && term.sig.key === first.sig.key && sameTags(term.tags, first.tags);
    case 'recv':
      return term.kind === 'recv' && term.from === first.from && term.sig.key === first.sig.key && term.gather === first.gather && sameTags(term.tags, first.tags);
    case 'local':
      return term.kind === 'local' && term.action === first.action && term.args.join('\u0000') === first.args.join('\u0000');
  }
}

function sameLabels(a: Entries, b: Entries): boolean {
  return a.length === b.length && a.every(([label], index) => label === b[index]?.[0]);
}

function lastTag(term: Term): Tag | undefined {
  return term.kind === 'recv' || term.kind === 'branch' ? term.tags[term.tags.length - 1] : undefined;
}

function outerTags(term: Term): readonly Tag[] {
  return term.kind === 'recv' || term.kind === 'branch' ? term.tags.slice(0, -1) : [];
}

function senderOf(term: Term): RoleName | undefined {
  return term.kind === 'recv' || term.kind === 'branch' ? term.from : undefined;
}


/** The first lines of a local type, indented, for a diagnostic note. */
function excerpt(type: LocalType): string[] {
  const lines = printLocalType(type, 2).split('\n');
  return lines.length > 8 ? [...lines.slice(0, 8), '    …'] : lines;
}
