/**
 * Global types: a protocol after instantiation, in which every role is concrete (`W[2]`), every
 * index is evaluated, `for`, `loop (count)` and `call` are expanded, and `loop (decides)` is
 * desugared to `rec`/`choice`. Validation, knowledge analysis and projection work on this form.
 *
 * @module
 */
import type { Span } from './diagnostic.ts';
import type { Annotations, GatherGroup, Payload, RoleName } from './local-type.ts';

/** A branch label of one choice: the label that travels with an informing message. */
export interface Tag {
  /** The choice's number within the instantiated protocol. */
  readonly choice: number;
  /** The branch label. */
  readonly label: string;
}

/** A message's label, payload and annotations, with a key identifying them (equal keys, equal signatures). */
export interface Signature {
  readonly label: string;
  readonly payload: Payload | null;
  readonly annotations: Annotations;
  /** Equal exactly when the label, payload and annotations are equal. */
  readonly key: string;
  /** Unique per send statement within one instance: equal ids imply equal keys (not the converse). */
  readonly id: number;
}

/** The signature of one send statement; its key is computed only when a merge compares it. */
export class StatementSignature implements Signature {
  private cachedKey: string | undefined;

  constructor(
    readonly label: string,
    readonly payload: Payload | null,
    readonly annotations: Annotations,
    readonly id: number,
  ) {}

  get key(): string {
    return (this.cachedKey ??= JSON.stringify([this.label, this.payload, this.annotations]));
  }
}

/** Where a node came from, for diagnostics. */
export interface Origin {
  readonly file: string;
  readonly span: Span;
}

/** One message from `from` to `to`. */
export interface GMessage extends Origin {
  readonly kind: 'msg';
  readonly from: RoleName;
  readonly to: RoleName;
  readonly label: string;
  readonly payload: Payload | null;
  readonly annotations: Annotations;
  /** The label, payload and annotations again, shared by every message of one statement. */
  readonly signature: Signature;
  /** Present when the message is one of a gather's. */
  readonly gather: GatherGroup | null;
  /**
   * Branch labels this message carries (outermost choice first), set by the knowledge analysis
   * (`knowledge.ts`): it is the first message in a branch from a role that knows the branch to a
   * role that does not.
   */
  tags: readonly Tag[];
  readonly roles: ReadonlySet<RoleName>;
}

/** A local step of one role. */
export interface GAction extends Origin {
  readonly kind: 'act';
  readonly role: RoleName;
  readonly action: string;
  readonly args: readonly string[];
  readonly roles: ReadonlySet<RoleName>;
}

/** One branch of a global choice. */
export interface GBranch {
  readonly label: string;
  readonly guard: string | null;
  readonly body: readonly GNode[];
}

/** `choice chooser { … }`. */
export interface GChoice extends Origin {
  readonly kind: 'choice';
  /** Unique within the instantiated protocol, in source order. */
  readonly id: number;
  readonly chooser: RoleName;
  readonly branches: readonly GBranch[];
  readonly roles: ReadonlySet<RoleName>;
}

/** `rec label { … }`. */
export interface GRec extends Origin {
  readonly kind: 'rec';
  readonly label: string;
  readonly body: readonly GNode[];
  readonly roles: ReadonlySet<RoleName>;
}

/** `continue label`. */
export interface GContinue extends Origin {
  readonly kind: 'continue';
  readonly label: string;
  readonly roles: ReadonlySet<RoleName>;
}

/** `parallel { … | … }`. */
export interface GPar extends Origin {
  readonly kind: 'par';
  readonly branches: readonly (readonly GNode[])[];
  readonly roles: ReadonlySet<RoleName>;
}

/** A node of a global type; a sequence of nodes runs in order. */
export type GNode = GMessage | GAction | GChoice | GRec | GContinue | GPar;

/** A concrete instance of one protocol. */
export interface GlobalProtocol {
  /** Qualified name (`namespace.Name` when the file has a namespace). */
  readonly name: string;
  /** Concrete roles in declaration order. */
  readonly roles: readonly RoleName[];
  /** The parameter values of this instance. */
  readonly params: Readonly<Record<string, number>>;
  /** The protocol body. */
  readonly body: readonly GNode[];
  /** How many choices the body holds (their ids are `0 … choiceCount-1`). */
  readonly choiceCount: number;
  /** The protocol's declaration, for diagnostics. */
  readonly origin: Origin;
}

const NO_ROLES: ReadonlySet<RoleName> = new Set();

/** The roles occurring in a sequence of nodes. */
export function rolesOfSequence(nodes: readonly GNode[]): ReadonlySet<RoleName> {
  if (nodes.length === 0) return NO_ROLES;
  if (nodes.length === 1) return nodes[0]!.roles; // length checked
  const roles = new Set<RoleName>();
  for (const node of nodes) for (const role of node.roles) roles.add(role);
  return roles;
}

/**
 * The canonical, span-free form of a global protocol (plain data for `contentId()`): the
 * structure, roles, labels, payloads, annotations, guards and parameters, nothing about where the
 * text came from.
 */
export function canonicalGlobal(protocol: GlobalProtocol): unknown {
  return { name: protocol.name, roles: protocol.roles, params: protocol.params, body: canonicalSequence(protocol.body) };
}

function canonicalSequence(nodes: readonly GNode[]): unknown[] {
  return nodes.map(canonicalNode);
}

function canonicalNode(node: GNode): unknown {
  switch (node.kind) {
    case 'msg':
      return {
        kind: 'msg',
        from: node.from,
        to: node.to,
        label: node.label,
        payload: node.payload,
        annotations: node.annotations,
        gather: node.gather === null ? null : { quorum: node.gather.quorum, members: node.gather.members },
      };
    case 'act':
      return { kind: 'act', role: node.role, action: node.action, args: node.args };
    case 'choice':
      return { kind: 'choice', chooser: node.chooser, branches: node.branches.map((branch) => ({ label: branch.label, guard: branch.guard, body: canonicalSequence(branch.body) })) };
    case 'rec':
      return { kind: 'rec', label: node.label, body: canonicalSequence(node.body) };
    case 'continue':
      return { kind: 'continue', label: node.label };
    case 'par':
      return { kind: 'par', branches: node.branches.map(canonicalSequence) };
  }
}
