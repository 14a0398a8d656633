/**
 * A role's local type compiled for execution: a graph of {@link Step}s in which `continue L`
 * points straight back at its `rec L`, the receives of one gather form one step, payload codecs
 * and timeouts are resolved, and peers are numbered. The runner and the typed session API both
 * walk this graph, so every check per step is O(1).
 *
 * Compiling also checks what projection should already guarantee (known peers, no self-send,
 * bound and guarded recursion, sensible quorums and timeouts) and reports a broken local type as
 * `runtime.bad-local-type` before anything runs.
 *
 * @module
 */
import type { Annotations, LocalType, Payload, ProjectedProtocol, RecvType, RoleName } from '../choreo/local-type.ts';
import { startError } from './errors.ts';
import { compilePayload, type PayloadCodec, type TypeRegistry } from './payload-codec.ts';

/** Send a message. */
export interface SendStep {
  readonly kind: 'send';
  /** Index of the step in its program. */
  readonly id: number;
  /** Receiver. */
  readonly to: RoleName;
  /** Receiver's index in the protocol's roles. */
  readonly peer: number;
  /** Message label. */
  readonly label: string;
  /** Branch labels the message carries, or `null`. */
  readonly choice: readonly string[] | null;
  /** The payload type as declared. */
  readonly payload: Payload | null;
  /** Checks and encodes the payload. */
  readonly codec: PayloadCodec;
  /** The message's annotations. */
  readonly annotations: Annotations;
  /** Annotation names whose extension hooks run before the send (all but the runtime's own). */
  readonly hooks: readonly string[];
  /** What follows. */
  next: Step;
}

/** Receive one message. */
export interface RecvStep {
  readonly kind: 'recv';
  readonly id: number;
  /** Sender. */
  readonly from: RoleName;
  /** Sender's index. */
  readonly peer: number;
  /** Message label. */
  readonly label: string;
  /** The payload type as declared. */
  readonly payload: Payload | null;
  /** Checks and decodes the payload. */
  readonly codec: PayloadCodec;
  /** From the `timeout_ms` annotation, if any. */
  readonly timeoutMs: number | undefined;
  next: Step;
}

/** Receive the same message from the members of a gather, proceeding after `quorum` of them. */
export interface GatherStep {
  readonly kind: 'gather';
  readonly id: number;
  /** The members, in index order. */
  readonly members: readonly RoleName[];
  /** Their indices. */
  readonly peers: readonly number[];
  /** Message label. */
  readonly label: string;
  /** The payload type as declared. */
  readonly payload: Payload | null;
  readonly codec: PayloadCodec;
  /** How many messages to wait for; later ones are dropped. */
  readonly quorum: number;
  readonly timeoutMs: number | undefined;
  next: Step;
}

/** This role picks a branch. */
export interface SelectStep {
  readonly kind: 'select';
  readonly id: number;
  /** Branch labels in source order. */
  readonly labels: readonly string[];
  /** Continuation per label. */
  readonly branches: Map<string, Step>;
}

/** This role learns the branch from `from`'s next message. */
export interface BranchStep {
  readonly kind: 'branch';
  readonly id: number;
  readonly from: RoleName;
  readonly peer: number;
  readonly labels: readonly string[];
  readonly branches: Map<string, Step>;
  /** The smallest `timeout_ms` on the branches' first receives, if any. */
  readonly timeoutMs: number | undefined;
}

/** A local action. */
export interface LocalStep {
  readonly kind: 'local';
  readonly id: number;
  readonly action: string;
  readonly args: readonly string[];
  next: Step;
}

/** Concurrent parts, then `next`. */
export interface ParStep {
  readonly kind: 'par';
  readonly id: number;
  /** First step of each part; each part ends at an `end` step. */
  readonly branches: Step[];
  next: Step;
  /**
   * Per peer index, every label this role may still receive from that peer from here on. While
   * parts run concurrently, a message outside these is a violation at once.
   */
  receivable: readonly ReadonlySet<string>[];
}

/** The end of the role (or of one part of a `par`). */
export interface EndStep {
  readonly kind: 'end';
  readonly id: number;
}

/** One node of a compiled local type. */
export type Step = SendStep | RecvStep | GatherStep | SelectStep | BranchStep | LocalStep | ParStep | EndStep;

/** A role's compiled local type and what the runner checks before it starts. */
export interface RoleProgram {
  /** The protocol. */
  readonly protocol: ProjectedProtocol;
  /** The role. */
  readonly role: RoleName;
  /** The role's index in `protocol.roles`. */
  readonly self: number;
  /** Index of each role of the protocol. */
  readonly peerIndex: ReadonlyMap<RoleName, number>;
  /** Where the role starts. */
  readonly start: Step;
  /** Every step, by id. */
  readonly steps: readonly Step[];
  /** Per peer index, every label the role receives from that peer somewhere. */
  readonly receivable: readonly ReadonlySet<string>[];
  /** Names of the annotations on this role's sends that need an extension hook. */
  readonly hookNames: ReadonlySet<string>;
  /** Labels of sends that carry a payload (the driven runner needs a handler for each). */
  readonly payloadSends: ReadonlySet<string>;
  /** Local action names. */
  readonly actions: ReadonlySet<string>;
  /** True when the role ever selects. */
  readonly selects: boolean;
  /** True when some receive has a `timeout_ms` annotation. */
  readonly timeouts: boolean;
}

/** Annotations the runtime interprets itself; every other one needs an extension hook. */
export const RUNTIME_ANNOTATIONS: ReadonlySet<string> = new Set(['timeout_ms', 'quorum']);

interface Jump {
  readonly kind: 'jump';
  readonly label: string;
  readonly target: { step: Step | Jump | undefined };
}

type Node = Step | Jump;

const cache = new WeakMap<TypeRegistry, WeakMap<ProjectedProtocol, Map<RoleName, RoleProgram>>>();

/** The compiled program of `role` (cached per protocol object and type registry). */
export function compileRole(protocol: ProjectedProtocol, role: RoleName, registry: TypeRegistry): RoleProgram {
  let perRegistry = cache.get(registry);
  if (perRegistry === undefined) cache.set(registry, (perRegistry = new WeakMap()));
  let perProtocol = perRegistry.get(protocol);
  if (perProtocol === undefined) perRegistry.set(protocol, (perProtocol = new Map<RoleName, RoleProgram>()));
  let program = perProtocol.get(role);
  if (program === undefined) perProtocol.set(role, (program = new Compiler(protocol, role, registry).compile()));
  return program;
}

/** A step in words, for violations and traces: `recv Pong from Bob`. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'send':
      return `send ${step.label} to ${step.to}`;
    case 'recv':
      return `recv ${step.label} from ${step.from}`;
    case 'gather':
      return `gather ${step.label} from ${step.quorum} of ${step.members.join(', ')}`;
    case 'select':
      return `select one of ${step.labels.join(', ')}`;
    case 'branch':
      return `a branch label (${step.labels.join(', ')}) from ${step.from}`;
    case 'local':
      return `local ${step.action}`;
    case 'par':
      return `parallel of ${step.branches.length}`;
    case 'end':
      return 'end';
  }
}

class Compiler {
  private readonly steps: Node[] = [];
  private readonly peerIndex: Map<RoleName, number>;
  private readonly hookNames = new Set<string>();
  private readonly payloadSends = new Set<string>();
  private readonly actions = new Set<string>();
  private selects = false;
  private timeouts = false;

  constructor(
    private readonly protocol: ProjectedProtocol,
    private readonly role: RoleName,
    private readonly registry: TypeRegistry,
  ) {
    this.peerIndex = new Map(protocol.roles.map((name, index) => [name, index]));
  }

  compile(): RoleProgram {
    const local = this.protocol.roles.includes(this.role) ? this.protocol.locals[this.role] : undefined;
    if (local === undefined) throw startError('unknown-role', `protocol ${this.protocol.name} has no role ${this.role} (roles: ${this.protocol.roles.join(', ')})`);
    const self = this.peerIndex.get(this.role) ?? -1;
    const start = this.resolve(this.node(local, new Map()));
    for (const node of this.steps) this.link(node);
    const steps = this.steps.filter((node): node is Step => node.kind !== 'jump');
    for (const step of steps) if (step.kind === 'par') step.receivable = receivableFrom(step, this.protocol.roles.length);
    return {
      protocol: this.protocol,
      role: this.role,
      self,
      peerIndex: this.peerIndex,
      start,
      steps,
      receivable: receivableFrom(start, this.protocol.roles.length),
      hookNames: this.hookNames,
      payloadSends: this.payloadSends,
      actions: this.actions,
      selects: this.selects,
      timeouts: this.timeouts,
    };
  }

  private node(type: LocalType, scope: ReadonlyMap<string, Jump['target']>): Node {
    const id = this.steps.length;
    switch (type.kind) {
      case 'send': {
        const step: SendStep = {
          kind: 'send',
          id,
          to: type.to,
          peer: this.peer(type.to),
          label: type.label,
          choice: type.choice !== undefined && type.choice.length > 0 ? type.choice : null,
          payload: type.payload,
          codec: compilePayload(type.payload, this.registry),
          annotations: type.annotations,
          hooks: Object.keys(type.annotations).filter((name) => !RUNTIME_ANNOTATIONS.has(name)),
          next: PLACEHOLDER,
        };
        for (const name of step.hooks) this.hookNames.add(name);
        if (type.payload !== null) this.payloadSends.add(type.label);
        return this.add(step, type.next, scope);
      }
      case 'recv': {
        if (type.gather !== undefined) return this.gather(type, scope);
        const step: RecvStep = {
          kind: 'recv',
          id,
          from: type.from,
          peer: this.peer(type.from),
          label: type.label,
          payload: type.payload,
          codec: compilePayload(type.payload, this.registry),
          timeoutMs: this.timeoutOf(type.annotations),
          next: PLACEHOLDER,
        };
        return this.add(step, type.next, scope);
      }
      case 'select':
      case 'branch': {
        const labels = Object.keys(type.branches);
        if (labels.length === 0) throw this.bad(`a ${type.kind} with no branches`);
        const branches = new Map<string, Step>();
        const step: SelectStep | BranchStep =
          type.kind === 'select'
            ? { kind: 'select', id, labels, branches }
            : { kind: 'branch', id, from: type.from, peer: this.peer(type.from), labels, branches, timeoutMs: this.branchTimeout(Object.values(type.branches)) };
        if (type.kind === 'select') this.selects = true;
        this.steps.push(step);
        for (const [label, branch] of Object.entries(type.branches)) branches.set(label, this.node(branch, scope) as Step);
        return step;
      }
      case 'local': {
        this.actions.add(type.action);
        return this.add({ kind: 'local', id, action: type.action, args: type.args, next: PLACEHOLDER }, type.next, scope);
      }
      case 'par': {
        const step: ParStep = { kind: 'par', id, branches: [], next: PLACEHOLDER, receivable: [] };
        this.steps.push(step);
        for (const branch of type.branches) step.branches.push(this.node(branch, scope) as Step);
        step.next = this.node(type.next, scope) as Step;
        return step;
      }
      case 'rec': {
        const target: Jump['target'] = { step: undefined };
        target.step = this.node(type.body, new Map(scope).set(type.label, target));
        return target.step;
      }
      case 'var': {
        const target = scope.get(type.label);
        if (target === undefined) throw this.bad(`continue ${type.label} outside any rec ${type.label}`);
        const jump: Jump = { kind: 'jump', label: type.label, target };
        this.steps.push(jump);
        return jump;
      }
      case 'end': {
        const step: EndStep = { kind: 'end', id };
        this.steps.push(step);
        return step;
      }
    }
  }

  /** Registers `step` and compiles its continuation (steps get ids in walk order). */
  private add(step: SendStep | RecvStep | GatherStep | LocalStep, next: LocalType, scope: ReadonlyMap<string, Jump['target']>): Step {
    this.steps.push(step);
    step.next = this.node(next, scope) as Step;
    return step;
  }

  private gather(first: RecvType, scope: ReadonlyMap<string, Jump['target']>): Node {
    const group = first.gather;
    if (group === undefined) throw this.bad('gather without a group');
    const members: RoleName[] = [];
    let type: LocalType = first;
    while (type.kind === 'recv' && type.gather?.id === group.id) {
      if (type.label !== first.label) throw this.bad(`gather ${group.id} mixes labels ${first.label} and ${type.label}`);
      members.push(type.from);
      type = type.next;
    }
    if (group.quorum < 1 || group.quorum > members.length || !Number.isInteger(group.quorum)) {
      throw this.bad(`gather ${group.id} has quorum ${group.quorum} over ${members.length} members`);
    }
    const step: GatherStep = {
      kind: 'gather',
      id: this.steps.length,
      members,
      peers: members.map((member) => this.peer(member)),
      label: first.label,
      payload: first.payload,
      codec: compilePayload(first.payload, this.registry),
      quorum: group.quorum,
      timeoutMs: this.timeoutOf(first.annotations),
      next: PLACEHOLDER,
    };
    return this.add(step, type, scope);
  }

  private timeoutOf(annotations: Annotations): number | undefined {
    const value = annotations.timeout_ms;
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw startError('bad-annotation', `timeout_ms must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
    this.timeouts = true;
    return value;
  }

  private branchTimeout(branches: readonly LocalType[]): number | undefined {
    let smallest: number | undefined;
    for (let type of branches) {
      while (type.kind === 'branch') type = Object.values(type.branches)[0] ?? type;
      if (type.kind !== 'recv') continue;
      const timeout = this.timeoutOf(type.annotations);
      if (timeout !== undefined && (smallest === undefined || timeout < smallest)) smallest = timeout;
    }
    return smallest;
  }

  private peer(role: RoleName): number {
    const index = this.peerIndex.get(role);
    if (index === undefined) throw this.bad(`unknown role ${role}`);
    if (role === this.role) throw this.bad(`${role} sends to or receives from itself`);
    return index;
  }

  /** Replaces every successor that is a jump with the step the jump lands on. */
  private link(node: Node): void {
    switch (node.kind) {
      case 'send':
      case 'recv':
      case 'gather':
      case 'local':
        node.next = this.resolve(node.next);
        return;
      case 'par':
        node.next = this.resolve(node.next);
        node.branches.forEach((branch, index) => (node.branches[index] = this.resolve(branch)));
        return;
      case 'select':
      case 'branch':
        for (const [label, branch] of node.branches) node.branches.set(label, this.resolve(branch));
        return;
      case 'end':
      case 'jump':
        return;
    }
  }

  private resolve(node: Node): Step {
    const seen = new Set<Node>();
    let current: Node | undefined = node;
    while (current?.kind === 'jump') {
      if (seen.has(current)) throw this.bad(`unguarded recursion on ${current.label}`);
      seen.add(current);
      current = current.target.step;
    }
    if (current === undefined) throw this.bad('unguarded recursion');
    return current;
  }

  private bad(message: string): Error {
    return startError('bad-local-type', `local type of ${this.role} in ${this.protocol.name}: ${message}`);
  }
}

/** The steps that may directly follow `step`. */
export function successors(step: Step): Step[] {
  switch (step.kind) {
    case 'send':
    case 'recv':
    case 'gather':
    case 'local':
      return [step.next];
    case 'par':
      return [...step.branches, step.next];
    case 'select':
    case 'branch':
      return [...step.branches.values()];
    case 'end':
      return [];
  }
}

/** Per peer index, every label receivable from that peer at some step reachable from `start`. */
export function receivableFrom(start: Step, roleCount: number): ReadonlySet<string>[] {
  const labels = Array.from({ length: roleCount }, () => new Set<string>());
  const seen = new Set<Step>();
  const pending: Step[] = [start];
  for (let step = pending.pop(); step !== undefined; step = pending.pop()) {
    if (seen.has(step)) continue;
    seen.add(step);
    if (step.kind === 'recv') labels[step.peer]?.add(step.label);
    if (step.kind === 'gather') for (const peer of step.peers) labels[peer]?.add(step.label);
    pending.push(...successors(step));
  }
  return labels;
}

/** Stands for a successor until it is compiled; never reachable after compilation. */
const PLACEHOLDER: EndStep = { kind: 'end', id: -1 };
