/**
 * Choice knowledge (`LANGUAGE.md`, "Meaning"): who learns which branch of a choice was taken, and
 * from which message.
 *
 * Within each branch, knowledge starts with the chooser and propagates along messages in program
 * order: the first message from a role that knows the branch to a role that does not informs the
 * receiver, and is tagged with the branch label (outermost choice first when it informs of several
 * nested choices at once). That tag is the label the runtime sends with the message. Knowledge is
 * established inside the branch itself; it is not taken from inside a nested `rec` or `parallel`
 * (a message there may repeat or race, so it cannot carry a one-time label), nor from a gather
 * with a quorum (the runtime may drop late messages), and after a nested
 * choice a role counts as informed only if every nested branch informed it.
 *
 * A role may also learn the branch from the messages right after the choice (after `loop
 * (decides)`, the message that ends the stream comes after the loop). {@link absorbInformingPrefix}
 * moves the shortest run of plain messages and steps after a choice that informs its roles into
 * every branch that falls through to it, which is the same protocol (those statements ran after
 * each such branch anyway) and puts the informing message inside the branch, where it can carry
 * the label.
 *
 * @module
 */
import { rolesOfSequence, type GChoice, type GMessage, type GNode, type GRec, type Tag } from './global-type.ts';
import type { RoleName } from './local-type.ts';

const NO_TAGS: readonly Tag[] = [];

/** The knowledge state of one open choice branch while walking it. */
interface OpenBranch {
  readonly tag: Tag;
  known: Set<RoleName>;
}

/** What the analysis found: per choice and branch, the roles that know the branch at its end. */
export interface Knowledge {
  /** `informed[choice][branchIndex]`: roles that learned the branch (the chooser included). */
  readonly informed: readonly (readonly ReadonlySet<RoleName>[])[];
}

/** Tags every informing message of `body` (mutating `tags` on message nodes) and returns who learned what. */
export function analyzeKnowledge(body: readonly GNode[], choiceCount: number): Knowledge {
  const informed: ReadonlySet<RoleName>[][] = Array.from({ length: choiceCount }, () => []);
  walk(body, [], informed);
  return { informed };
}

function walk(nodes: readonly GNode[], open: OpenBranch[], informed: ReadonlySet<RoleName>[][]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'msg': {
        if (mayBeDropped(node)) break;
        // Most messages inform nobody: they keep the shared empty list instead of a new one each.
        let tags: Tag[] | null = null;
        for (const branch of open) {
          if (branch.known.has(node.from) && !branch.known.has(node.to)) {
            branch.known.add(node.to);
            (tags ??= []).push(branch.tag);
          }
        }
        node.tags = tags ?? NO_TAGS;
        break;
      }
      case 'choice': {
        if (node.branches.length === 0) break;
        const outcomes: Set<RoleName>[][] = [];
        const results = informed[node.id];
        node.branches.forEach((branch, index) => {
          const copies = open.map((entry) => ({ tag: entry.tag, known: new Set(entry.known) }));
          const own: OpenBranch = { tag: { choice: node.id, label: branch.label }, known: new Set([node.chooser]) };
          walk(branch.body, [...copies, own], informed);
          if (results !== undefined) results[index] = own.known;
          outcomes.push(copies.map((copy) => copy.known));
        });
        open.forEach((entry, position) => {
          entry.known = intersection(outcomes.map((outcome) => outcome[position] ?? new Set<RoleName>()));
        });
        break;
      }
      case 'rec':
        walk(node.body, [], informed);
        break;
      case 'par':
        for (const branch of node.branches) walk(branch, [], informed);
        break;
      case 'act':
      case 'continue':
        break;
    }
  }
}

/** A message of a gather with a quorum below its size may be dropped by the runtime, so it cannot carry a label. */
function mayBeDropped(node: GMessage): boolean {
  return node.gather !== null && node.gather.quorum < node.gather.members.length;
}

function intersection(sets: readonly Set<RoleName>[]): Set<RoleName> {
  const [first, ...rest] = sets;
  if (first === undefined) return new Set();
  return new Set([...first].filter((role) => rest.every((set) => set.has(role))));
}

/**
 * Returns `body` with, after each choice (or loop ending in a choice) that leaves some of its roles
 * uninformed in a branch, the shortest following run of plain messages and steps that informs
 * them moved into every branch that does not end in `continue`.
 */
export function absorbInformingPrefix(body: readonly GNode[]): GNode[] {
  const nodes = body.map(transformChildren);
  const out: GNode[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!; // i is within nodes
    const choice = tailChoice(node);
    const moved = choice === null ? 0 : informingPrefixLength(choice, nodes, i + 1);
    if (moved === 0) {
      out.push(node);
      continue;
    }
    out.push(withPrefix(node, nodes.slice(i + 1, i + 1 + moved)));
    i += moved;
  }
  return out;
}

function transformChildren(node: GNode): GNode {
  switch (node.kind) {
    case 'choice':
      return { ...node, branches: node.branches.map((branch) => ({ ...branch, body: absorbInformingPrefix(branch.body) })) };
    case 'rec':
      return { ...node, body: absorbInformingPrefix(node.body) };
    case 'par':
      return { ...node, branches: node.branches.map(absorbInformingPrefix) };
    default:
      return node;
  }
}

/** The choice a node ends with: itself, or the last node of a loop body. */
function tailChoice(node: GNode): GChoice | null {
  if (node.kind === 'choice') return node;
  const last = node.kind === 'rec' ? node.body[node.body.length - 1] : undefined;
  return last?.kind === 'choice' ? last : null;
}

function fallsThrough(body: readonly GNode[]): boolean {
  return body[body.length - 1]?.kind !== 'continue';
}

/** How many plain nodes after `start` must move into the branches of `choice` to inform its roles (0 when none helps). */
function informingPrefixLength(choice: GChoice, nodes: readonly GNode[], start: number): number {
  const states = choice.branches
    .filter((branch) => fallsThrough(branch.body))
    .map((branch) => {
      const known = knownAfter(branch.body, new Set([choice.chooser]));
      return { known, needy: new Set([...choice.roles].filter((role) => !known.has(role))) };
    });
  let length = 0;
  for (let i = start; i < nodes.length && states.some((state) => state.needy.size > 0); i++) {
    const node = nodes[i]!; // i is within nodes
    if (node.kind !== 'msg' && node.kind !== 'act') break;
    if (node.kind !== 'msg' || mayBeDropped(node)) continue;
    for (const state of states) {
      if (!state.known.has(node.from) || state.known.has(node.to)) continue;
      state.known.add(node.to);
      if (state.needy.delete(node.to)) length = i - start + 1;
    }
  }
  return length;
}

/** Who knows the branch after `nodes`, starting from `known` (the same propagation as the tagging walk). */
function knownAfter(nodes: readonly GNode[], known: Set<string>): Set<string> {
  let current = known;
  for (const node of nodes) {
    if (node.kind === 'msg' && current.has(node.from) && !mayBeDropped(node)) current.add(node.to);
    else if (node.kind === 'choice' && node.branches.length > 0) current = intersection(node.branches.map((branch) => knownAfter(branch.body, new Set(current))));
  }
  return current;
}

/** `node` with `prefix` (fresh copies) appended to every branch of its tail choice that falls through. */
function withPrefix(node: GNode, prefix: readonly GNode[]): GNode {
  if (node.kind === 'rec') {
    const last = node.body[node.body.length - 1];
    if (last?.kind !== 'choice') return node;
    const choice = appendToChoice(last, prefix);
    const body = [...node.body.slice(0, -1), choice];
    return { ...node, body, roles: rolesOfSequence(body) } satisfies GRec;
  }
  return node.kind === 'choice' ? appendToChoice(node, prefix) : node;
}

function appendToChoice(choice: GChoice, prefix: readonly GNode[]): GChoice {
  const branches = choice.branches.map((branch) => (fallsThrough(branch.body) ? { ...branch, body: [...branch.body, ...prefix.map(copyNode)] } : branch));
  const roles = new Set(choice.roles);
  for (const node of prefix) for (const role of node.roles) roles.add(role);
  return { ...choice, branches, roles };
}

function copyNode(node: GNode): GNode {
  return node.kind === 'msg' ? { ...node, tags: [] } : node;
}
