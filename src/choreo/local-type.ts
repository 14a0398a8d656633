/**
 * Local session types: what one role of a choreography does, step by step. Projection
 * (`projection.ts`) produces them from a global protocol; the runtime (`src/runtime/`) executes
 * and enforces them; printers render them as text and JSON.
 *
 * Roles are concrete after instantiation: a member of a family `W[N]` is named `W[2]`.
 * `loop (count: n)` is unrolled by projection (n is concrete after instantiation), and
 * `loop (decides: A)` becomes `rec`/`select`/`branch`, so neither needs a node of its own.
 *
 * @module
 */

/** A concrete role name: `Alice`, or a family member `Worker[2]`. */
export type RoleName = string;

/** A payload type as written in the protocol: `u64`, `crypto.Share`, `Map<K, V>`, `[bytes]`. */
export type TypeExpr =
  | {
      readonly kind: 'name';
      /** Dotted path, e.g. `u64`, `RotationData`, `crypto.Share`. */
      readonly name: string;
      /** Generic arguments, empty when there are none. */
      readonly args: readonly TypeExpr[];
    }
  | {
      readonly kind: 'list';
      /** Type of each element. */
      readonly element: TypeExpr;
    };

/** One named field of a message payload. */
export interface PayloadField {
  /** Field name. */
  readonly name: string;
  /** Field type. */
  readonly type: TypeExpr;
}

/** What a message carries: named fields `Vote(vote: bool)` or one unnamed type `Data(bytes)`. */
export type Payload =
  | {
      readonly kind: 'fields';
      /** The fields, in declaration order. */
      readonly fields: readonly PayloadField[];
    }
  | {
      readonly kind: 'type';
      /** The single payload type. */
      readonly type: TypeExpr;
    };

/** An annotation value: `"recovery:approve"`, `10`, `true`, or a tuple `("a", "b")`. */
export type AnnotationValue = string | number | boolean | readonly AnnotationValue[];

/** Annotations of one message, by name (`flow_cost`, `guard_capability`, `timeout_ms`, `x_…`). */
export type Annotations = Readonly<Record<string, AnnotationValue>>;

/** The message part shared by sends and receives. */
export interface MessageSignature {
  /** Message label, e.g. `Proposal`. */
  readonly label: string;
  /** Payload type, or `null` for a bare label. */
  readonly payload: Payload | null;
  /** Annotations written on the send in the global protocol. */
  readonly annotations: Annotations;
}

/** Marks the receives that come from one gather `W[*] -> R: M`, which may arrive in any order. */
export interface GatherGroup {
  /** Identifies the gather within the role's local type; every receive of the group shares it. */
  readonly id: string;
  /** How many members the gather waits for before it proceeds (the `quorum` annotation), or all. */
  readonly quorum: number;
  /** Every member of the gather, in index order. */
  readonly members: readonly RoleName[];
}

/** Send a message to `to`, then continue with `next`. */
export interface SendType extends MessageSignature {
  readonly kind: 'send';
  /** Receiver. */
  readonly to: RoleName;
  /**
   * Branch labels this message carries, outermost choice first: present on the chooser's first
   * message to each role in a branch (and to nested choices it also opens), and on the first
   * message from any role that already knows the branch to one that does not (knowledge
   * propagates along messages; see `docs/projection.md`). The receiver consumes one label per
   * `branch` node it passes, from this same message.
   */
  readonly choice?: readonly string[];
  /** What follows. */
  readonly next: LocalType;
}

/** Receive a message from `from`, then continue with `next`. */
export interface RecvType extends MessageSignature {
  readonly kind: 'recv';
  /** Sender. */
  readonly from: RoleName;
  /** Present when this receive is one of a gather's. */
  readonly gather?: GatherGroup;
  /** What follows. */
  readonly next: LocalType;
}

/** This role chooses one of the branches (it is the chooser of a `choice`). */
export interface SelectType {
  readonly kind: 'select';
  /** The branches by label, in source order. */
  readonly branches: Readonly<Record<string, LocalType>>;
}

/** This role learns the branch from the next message of `from`, which carries the label. */
export interface BranchType {
  readonly kind: 'branch';
  /** The role whose message carries the branch label. */
  readonly from: RoleName;
  /** The branches by label, in source order. */
  readonly branches: Readonly<Record<string, LocalType>>;
}

/** A local step of this role (`A: Verify(share);`), then `next`. */
export interface LocalActionType {
  readonly kind: 'local';
  /** Action name. */
  readonly action: string;
  /** Argument text as written, one entry per argument. */
  readonly args: readonly string[];
  /** What follows. */
  readonly next: LocalType;
}

/** A recursion point `rec L { … }`. */
export interface RecType {
  readonly kind: 'rec';
  /** Recursion label. */
  readonly label: string;
  /** Body, in which `var(label)` jumps back here. */
  readonly body: LocalType;
}

/** `continue L`: jump back to the enclosing `rec L`. */
export interface VarType {
  readonly kind: 'var';
  /** Recursion label. */
  readonly label: string;
}

/** Run the branches concurrently; when all have ended, continue with `next`. */
export interface ParType {
  readonly kind: 'par';
  /** The concurrent parts (each ends with `end`). */
  readonly branches: readonly LocalType[];
  /** What follows once every branch has ended. */
  readonly next: LocalType;
}

/** Nothing more to do. */
export interface EndType {
  readonly kind: 'end';
}

/** The local session type of one role. */
export type LocalType = SendType | RecvType | SelectType | BranchType | LocalActionType | RecType | VarType | ParType | EndType;

/** The one `end` value; every `end` in a local type may share it. */
export const END: EndType = { kind: 'end' };

/** A checked, instantiated protocol projected to every role: what the runtime runs. */
export interface ProjectedProtocol {
  /** Protocol name (qualified by the file's namespace when it has one, e.g. `key_rotation.KeyRotation`). */
  readonly name: string;
  /**
   * Content id (CID text) of the checked, instantiated global protocol, so peers can tell they
   * run the same thing.
   */
  readonly contentId: string;
  /** Concrete roles in declaration order (family members expanded: `W[0]`, `W[1]`, …). */
  readonly roles: readonly RoleName[];
  /** Values of the symbolic parameters this instance was made with. */
  readonly params: Readonly<Record<string, number>>;
  /** The local type of each role. */
  readonly locals: Readonly<Record<RoleName, LocalType>>;
}
