/**
 * Instantiation: turns one protocol of a parsed file, with concrete parameter values, into a
 * {@link GlobalProtocol}. Families become members `W[0]…W[N-1]`; index expressions are evaluated;
 * `for` and `loop (count)` are expanded; `call` is inlined with its roles renamed; `loop
 * (decides: A)` becomes `rec L { choice A { continue: { body; continue L; } done: { } } }`
 * (`LANGUAGE.md`, "Meaning"); multicast, broadcast, scatter and gather become single messages.
 *
 * Problems are reported as diagnostics (undeclared role, self-send, index out of range, missing
 * parameter, bad renaming…) and the offending statement is left out, so one pass finds them all.
 *
 * @module
 */
import type { Annotation, Endpoint, IndexExpr, ProtocolAst, Stmt, Value } from './ast.ts';
import { errorAt, type Diagnostic, type Span } from './diagnostic.ts';
import { rolesOfSequence, StatementSignature, type GChoice, type GlobalProtocol, type GNode, type Signature, type Tag } from './global-type.ts';
import type { AnnotationValue, Annotations, GatherGroup, RoleName } from './local-type.ts';

const NO_TAGS: readonly Tag[] = [];

/** Instances larger than this many messages, steps and loop iterations are refused (a `loop (count)` or family too large). */
export const MAX_INSTANCE_NODES = 1_000_000;

/** The largest family. */
export const MAX_FAMILY_SIZE = 1_000;

/** Instances nested deeper than this (after inlining calls) are refused, so later phases cannot overflow the stack. */
export const MAX_INSTANCE_DEPTH = 1_000;

/** Instances whose roles times nodes exceed this are refused: projecting every role would take too long. */
export const MAX_PROJECTION_WORK = 50_000_000;

/**
 * What a role name means inside one protocol body (after renaming for a call). The role lists an
 * endpoint can resolve to are made once here and shared by every statement naming them, so that
 * resolving allocates nothing and every message names a member with the same string.
 */
type RoleBinding =
  | {
      readonly kind: 'single';
      readonly concrete: RoleName;
      /** `[concrete]`. */
      readonly only: readonly RoleName[];
    }
  | {
      readonly kind: 'family';
      readonly concrete: string;
      readonly size: number;
      /** Every member, `W[0]` to `W[size-1]`. */
      readonly members: readonly RoleName[];
      /** `[W[i]]` for each member i. */
      readonly each: readonly (readonly RoleName[])[];
    };

function singleBinding(concrete: RoleName): RoleBinding {
  return { kind: 'single', concrete, only: [concrete] };
}

function familyBinding(concrete: string, size: number): Extract<RoleBinding, { kind: 'family' }> {
  const members = Array.from({ length: size }, (_, i) => memberName(concrete, i));
  return { kind: 'family', concrete, size, members, each: members.map((member) => [member]) };
}

/** The result of instantiating one protocol. */
export interface Instance {
  readonly protocol: GlobalProtocol | null;
  readonly diagnostics: readonly Diagnostic[];
}

/** The name of member `index` of family `family`: `W[2]`. */
export function memberName(family: string, index: number): RoleName {
  return `${family}[${index}]`;
}

/** The symbolic parameters of a protocol: those in its header and those used as family sizes or loop counts. */
export function protocolParams(protocol: ProtocolAst): string[] {
  const names = new Set(protocol.params.map((param) => param.name));
  for (const role of protocol.roles) if (role.size?.kind === 'param') names.add(role.size.name);
  const visit = (statements: readonly Stmt[]): void => {
    for (const statement of statements) {
      if (statement.kind === 'loop' && statement.mode.kind === 'count' && statement.mode.count.kind === 'param') names.add(statement.mode.count.name);
      if ('body' in statement) visit(statement.body);
      if (statement.kind === 'choice') for (const branch of statement.branches) visit(branch.body);
      if (statement.kind === 'parallel') for (const branch of statement.branches) visit(branch);
    }
  };
  visit(protocol.body);
  return [...names];
}

/** Annotation values as the runtime sees them: identifiers become strings, tuples arrays. */
export function annotationValue(value: Value): AnnotationValue {
  return value.kind === 'tuple' ? value.items.map(annotationValue) : value.value;
}

/** The annotations of a statement as a record (the first of duplicated names wins; validation reports the rest). */
export function annotationRecord(annotations: readonly Annotation[]): Annotations {
  const record: Record<string, AnnotationValue> = {};
  for (const annotation of annotations) if (!(annotation.name in record)) record[annotation.name] = annotationValue(annotation.value);
  return record;
}

/**
 * Instantiates `protocol` with `params`. `protocols` holds every protocol `call` may name (this
 * file's and imported ones); `qualifiedName` is the name the instance carries.
 */
export function instantiate(protocol: ProtocolAst, params: Readonly<Record<string, number>>, protocols: ReadonlyMap<string, ProtocolAst>, qualifiedName: string): Instance {
  const builder = new InstanceBuilder(params, protocols);
  const roles = builder.declareRoles(protocol);
  const body = builder.sequence(protocol.body, { protocol, roles: roles.bindings, indices: new Map(), calls: [protocol.name] });
  builder.checkProjectionWork(roles.concrete.length, protocol);
  const diagnostics = builder.diagnostics;
  if (roles.concrete.length === 0 && diagnostics.length === 0) {
    diagnostics.push(errorAt('E026', protocol.file, protocol.span, `Protocol \`${protocol.name}\` has no roles.`, 'Declare its roles with `roles: A, B;`.'));
  }
  const usedParams: Record<string, number> = {};
  for (const name of protocolParams(protocol).sort()) if (params[name] !== undefined) usedParams[name] = params[name];
  return {
    protocol: { name: qualifiedName, roles: roles.concrete, params: usedParams, body, choiceCount: builder.choiceCount, origin: { file: protocol.file, span: protocol.span } },
    diagnostics,
  };
}

/** Where the builder is: which protocol, what role names mean, which `for` variables are bound. */
interface Scope {
  readonly protocol: ProtocolAst;
  readonly roles: ReadonlyMap<string, RoleBinding>;
  readonly indices: ReadonlyMap<string, number>;
  /** The chain of protocols being inlined, to refuse cycles. */
  readonly calls: readonly string[];
}

class InstanceBuilder {
  readonly diagnostics: Diagnostic[] = [];
  choiceCount = 0;
  private nodeCount = 0;
  private loopCount = 0;
  private gatherCount = 0;
  private tooLarge = false;
  private depth = 0;
  private readonly signatures = new WeakMap<Stmt, Signature>();
  private signatureCount = 0;
  /** By sender, then receiver (two lookups cost less than building a key per message). */
  private readonly pairs = new Map<RoleName, Map<RoleName, ReadonlySet<RoleName>>>();

  constructor(
    private readonly params: Readonly<Record<string, number>>,
    private readonly protocols: ReadonlyMap<string, ProtocolAst>,
  ) {}

  declareRoles(protocol: ProtocolAst): { bindings: Map<string, RoleBinding>; concrete: RoleName[] } {
    const bindings = new Map<string, RoleBinding>();
    const concrete: RoleName[] = [];
    for (const role of protocol.roles) {
      if (bindings.has(role.name)) continue; // reported as E011 by validation
      if (role.size === null) {
        bindings.set(role.name, singleBinding(role.name));
        concrete.push(role.name);
        continue;
      }
      const size = role.size.kind === 'int' ? role.size.value : this.param(role.size.name, protocol.file, role.size.span);
      if (size === null) continue;
      if (size < 1 || size > MAX_FAMILY_SIZE) {
        this.report('E026', protocol.file, role.size.span, `Family \`${role.name}\` has size ${size}.`, `A family has between 1 and ${MAX_FAMILY_SIZE} members.`);
        bindings.set(role.name, familyBinding(role.name, 0));
        continue;
      }
      const binding = familyBinding(role.name, size);
      bindings.set(role.name, binding);
      concrete.push(...binding.members);
    }
    return { bindings, concrete };
  }

  sequence(statements: readonly Stmt[], scope: Scope): GNode[] {
    const nodes: GNode[] = [];
    if (++this.depth > MAX_INSTANCE_DEPTH && !this.tooLarge) {
      this.tooLarge = true;
      this.report('E026', scope.protocol.file, statements[0]?.span ?? scope.protocol.span, `After inlining calls, the protocol nests more than ${MAX_INSTANCE_DEPTH} levels deep.`, 'Flatten the nesting of calls and blocks.');
    }
    for (const statement of statements) {
      if (this.tooLarge) break;
      this.statement(statement, scope, nodes);
    }
    this.depth--;
    return nodes;
  }

  /** Whether projecting `roles` roles of this instance stays within {@link MAX_PROJECTION_WORK}; reports when not. */
  checkProjectionWork(roles: number, protocol: ProtocolAst): void {
    if (this.tooLarge || roles * this.nodeCount <= MAX_PROJECTION_WORK) return;
    this.tooLarge = true;
    this.report('E026', protocol.file, protocol.span, `${roles} roles over ${this.nodeCount} messages and steps is too much to project.`, 'Use smaller family sizes or loop counts.');
  }

  private statement(statement: Stmt, scope: Scope, out: GNode[]): void {
    const file = scope.protocol.file;
    switch (statement.kind) {
      case 'send':
        this.send(statement, scope, out);
        return;
      case 'local': {
        const roles = this.resolve(statement.role, scope, true);
        for (const role of roles ?? []) {
          this.count(file, statement.span);
          out.push({ kind: 'act', role, action: statement.action, args: statement.args, file, span: statement.span, roles: new Set([role]) });
        }
        return;
      }
      case 'choice': {
        const chooser = this.single(statement.chooser, scope, 'choose');
        const id = this.choiceCount++;
        const branches = statement.branches.map((branch) => ({ label: branch.label, guard: branch.guard, body: this.sequence(branch.body, scope) }));
        if (chooser !== null) out.push(this.choiceNode(id, chooser, branches, file, statement.span));
        return;
      }
      case 'loop': {
        if (statement.mode.kind === 'count') {
          const count = statement.mode.count.kind === 'int' ? statement.mode.count.value : this.param(statement.mode.count.name, file, statement.mode.count.span);
          for (let i = 0; i < (count ?? 0) && !this.tooLarge; i++) {
            this.count(file, statement.span);
            out.push(...this.sequence(statement.body, scope));
          }
          return;
        }
        const chooser = this.single(statement.mode.role, scope, 'decide a loop');
        const label = `loop${++this.loopCount}`;
        const id = this.choiceCount++;
        const body = this.sequence(statement.body, scope);
        if (chooser === null) return;
        const again = { kind: 'continue' as const, label, file, span: statement.span, roles: new Set<RoleName>() };
        const choice = this.choiceNode(id, chooser, [{ label: 'continue', guard: null, body: [...body, again] }, { label: 'done', guard: null, body: [] }], file, statement.span);
        out.push({ kind: 'rec', label, body: [choice], file, span: statement.span, roles: choice.roles });
        return;
      }
      case 'for': {
        const family = scope.roles.get(statement.family);
        if (family?.kind !== 'family') {
          this.report('E028', file, statement.span, `\`for ${statement.variable} in ${statement.family}\` needs a role family, and \`${statement.family}\` is ${family === undefined ? 'not declared' : 'a single role'}.`, 'Declare a family such as `Worker[N]` in `roles:`.');
          return;
        }
        const bodies: GNode[][] = [];
        for (let i = 0; i < family.size && !this.tooLarge; i++) {
          this.count(file, statement.span);
          const indices = new Map(scope.indices).set(statement.variable, i);
          bodies.push(this.sequence(statement.body, { ...scope, indices }));
        }
        if (statement.parallel === true) out.push({ kind: 'par', branches: bodies, file, span: statement.span, roles: rolesOfSequence(bodies.flat()) });
        else for (const body of bodies) out.push(...body);
        return;
      }
      case 'parallel': {
        const branches = statement.branches.map((branch) => this.sequence(branch, scope));
        out.push({ kind: 'par', branches, file, span: statement.span, roles: rolesOfSequence(branches.flat()) });
        return;
      }
      case 'rec': {
        const body = this.sequence(statement.body, scope);
        out.push({ kind: 'rec', label: statement.label, body, file, span: statement.span, roles: rolesOfSequence(body) });
        return;
      }
      case 'continue':
        out.push({ kind: 'continue', label: statement.label, file, span: statement.span, roles: new Set() });
        return;
      case 'call':
        this.call(statement, scope, out);
        return;
    }
  }

  private choiceNode(id: number, chooser: RoleName, branches: GChoice['branches'], file: string, span: Span): GChoice {
    const roles = new Set<RoleName>([chooser]);
    for (const branch of branches) for (const role of rolesOfSequence(branch.body)) roles.add(role);
    return { kind: 'choice', id, chooser, branches, file, span, roles };
  }

  private send(statement: Extract<Stmt, { kind: 'send' }>, scope: Scope, out: GNode[]): void {
    const file = scope.protocol.file;
    const signature = this.signatureOf(statement);
    const annotations = signature.annotations;
    const senders = this.resolve(statement.from, scope, true);
    if (senders === null) return;
    if (statement.to === 'broadcast') {
      if (statement.from.index === 'all') {
        this.report('E028', file, statement.from.span, 'A broadcast has one sender, not a whole family.', 'Use `for i in W { W[i] ->* : M; }` to have every member broadcast.');
        return;
      }
      for (const sender of senders) for (const role of this.allRoles(scope)) if (role !== sender) this.message(statement, file, signature, sender, role, null, out);
      return;
    }
    if (statement.from.index === 'all') {
      const [target] = statement.to;
      const receiver = statement.to.length === 1 && target !== undefined && target.index !== 'all' ? this.single(target, scope, 'gather') : null;
      if (receiver === null) {
        if (statement.to.length !== 1 || target?.index === 'all') this.report('E028', file, statement.span, 'A gather `W[*] -> R` has exactly one receiver, a single role.', 'Write `Worker[*] -> Master: Result;`.');
        return;
      }
      const members = senders.filter((sender) => sender !== receiver);
      const quorumValue = annotations['quorum'];
      // A parameter (`[quorum = T]`) takes its value from the instance; an unknown one is reported by `param`.
      const quorum = typeof quorumValue === 'number' ? quorumValue : typeof quorumValue === 'string' ? this.param(quorumValue, file, statement.span) : members.length;
      if (quorum === null) return;
      if (quorum < 1 || quorum > members.length) {
        this.report('E021', file, statement.span, `The quorum ${quorum} is not between 1 and the ${members.length} members of the gather.`, `Use a quorum from 1 to ${members.length}.`);
        return;
      }
      const gather = { id: `gather${++this.gatherCount}`, quorum, members };
      for (const member of members) this.message(statement, file, signature, member, receiver, gather, out);
      return;
    }
    if ('quorum' in annotations) {
      this.report('E021', file, statement.span, 'The `quorum` annotation belongs on a gather `W[*] -> R`.', 'Remove `quorum`, or gather from a family with `W[*]`.');
    }
    for (const sender of senders) {
      for (const target of statement.to) {
        const receivers = this.resolve(target, scope, true);
        for (const receiver of receivers ?? []) {
          if (receiver === sender && target.index !== 'all') {
            this.report('E013', file, target.span, `\`${sender}\` sends \`${statement.message.label}\` to itself.`, 'A role cannot message itself; use a local step `A: Action;` instead.');
          } else if (receiver !== sender) {
            this.message(statement, file, signature, sender, receiver, null, out);
          }
        }
      }
    }
  }

  // A method rather than a closure in `send`: a closure there would make every call of `send`
  // allocate a context and the closure itself.
  private message(statement: Extract<Stmt, { kind: 'send' }>, file: string, signature: Signature, from: RoleName, to: RoleName, gather: GatherGroup | null, out: GNode[]): void {
    this.count(file, statement.span);
    const { label, payload, annotations } = signature;
    out.push({ kind: 'msg', from, to, label, payload, annotations, signature, gather, tags: NO_TAGS, file, span: statement.span, roles: this.pairRoles(from, to) });
  }

  /** The role set `{from, to}`, shared by every message between the two. */
  private pairRoles(from: RoleName, to: RoleName): ReadonlySet<RoleName> {
    let receivers = this.pairs.get(from);
    if (receivers === undefined) this.pairs.set(from, (receivers = new Map<RoleName, ReadonlySet<RoleName>>()));
    let roles = receivers.get(to);
    if (roles === undefined) receivers.set(to, (roles = new Set([from, to])));
    return roles;
  }

  /** One signature per send statement, shared by every message it stands for. */
  private signatureOf(statement: Extract<Stmt, { kind: 'send' }>): Signature {
    let signature = this.signatures.get(statement);
    if (signature === undefined) {
      const { label, payload } = statement.message;
      const annotations = annotationRecord(statement.annotations);
      signature = new StatementSignature(label, payload, annotations, this.signatureCount++);
      this.signatures.set(statement, signature);
    }
    return signature;
  }

  private call(statement: Extract<Stmt, { kind: 'call' }>, scope: Scope, out: GNode[]): void {
    const file = scope.protocol.file;
    const callee = this.protocols.get(statement.protocol);
    if (callee === undefined || scope.calls.includes(statement.protocol)) return; // E025 and E019 come from validation
    const renames = new Map<string, string>();
    for (const rename of statement.renames) {
      if (!callee.roles.some((role) => role.name === rename.from)) {
        this.report('E029', file, rename.span, `\`${statement.protocol}\` has no role \`${rename.from}\`.`, `Its roles are ${callee.roles.map((role) => `\`${role.name}\``).join(', ')}.`);
      }
      renames.set(rename.from, rename.to);
    }
    const roles = new Map<string, RoleBinding>();
    for (const role of callee.roles) {
      const target = renames.get(role.name) ?? role.name;
      const binding = scope.roles.get(target);
      if (binding === undefined || (binding.kind === 'family') !== (role.size !== null)) {
        const what = binding === undefined ? 'is not a role here' : binding.kind === 'family' ? 'is a family here but a single role there' : 'is a single role here but a family there';
        this.report('E029', file, statement.span, `Role \`${role.name}\` of \`${statement.protocol}\` maps to \`${target}\`, which ${what}.`, `Rename it to a matching role: \`call ${statement.protocol}(${role.name} as …)\`.`);
        return;
      }
      roles.set(role.name, binding);
    }
    out.push(...this.sequence(callee.body, { protocol: callee, roles, indices: new Map(), calls: [...scope.calls, callee.name] }));
  }

  /** Every concrete role in scope, in declaration order. */
  private allRoles(scope: Scope): RoleName[] {
    const roles: RoleName[] = [];
    for (const binding of scope.roles.values()) {
      if (binding.kind === 'single') roles.push(binding.concrete);
      else roles.push(...binding.members);
    }
    return roles;
  }

  private single(endpoint: Endpoint, scope: Scope, what: string): RoleName | null {
    if (endpoint.index === 'all') {
      this.report('E028', scope.protocol.file, endpoint.span, `A whole family cannot ${what}.`, `Name one member, e.g. \`${endpoint.name}[0]\`.`);
      return null;
    }
    const roles = this.resolve(endpoint, scope, false);
    return roles?.[0] ?? null;
  }

  /** The concrete roles an endpoint names, or `null` after reporting why it names none. */
  private resolve(endpoint: Endpoint, scope: Scope, allowAll: boolean): readonly RoleName[] | null {
    const file = scope.protocol.file;
    const binding = scope.roles.get(endpoint.name);
    if (binding === undefined) {
      const declared = scope.protocol.roles.map((role) => `\`${role.name}\``).join(', ');
      this.report('E010', file, endpoint.span, `Role \`${endpoint.name}\` is not declared in \`${scope.protocol.name}\`.`, `Add it to \`roles:\`, or use one of ${declared || 'the declared roles'}.`);
      return null;
    }
    if (binding.kind === 'single') {
      if (endpoint.index === null) return binding.only;
      this.report('E028', file, endpoint.span, `\`${endpoint.name}\` is a single role, not a family, so it takes no index.`, `Write \`${endpoint.name}\`, or declare it as a family \`${endpoint.name}[N]\`.`);
      return null;
    }
    if (endpoint.index === null) {
      this.report('E028', file, endpoint.span, `\`${endpoint.name}\` is a family of ${binding.size}; name a member.`, `Write \`${endpoint.name}[0]\`, \`${endpoint.name}[i]\` or \`${endpoint.name}[*]\`.`);
      return null;
    }
    if (endpoint.index === 'all') {
      if (allowAll) return binding.members;
      this.report('E028', file, endpoint.span, `\`${endpoint.name}[*]\` cannot be used here.`, 'Name one member.');
      return null;
    }
    const index = this.evaluate(endpoint.index, scope);
    if (index === null) return null;
    if (index < 0 || index >= binding.size) {
      this.report('E027', file, endpoint.span, `Index ${index} is out of range for \`${endpoint.name}\`, which has members 0 to ${binding.size - 1}.`, 'Use an index within the family, e.g. `(i + 1) % N` to wrap around.');
      return null;
    }
    return binding.each[index] ?? null; // index is within the family, checked above
  }

  private evaluate(expr: IndexExpr, scope: Scope): number | null {
    if (expr.kind === 'int') return expr.value;
    if (expr.kind === 'var') {
      const bound = scope.indices.get(expr.name) ?? this.params[expr.name];
      if (bound === undefined) {
        this.report('E028', scope.protocol.file, expr.span, `\`${expr.name}\` is neither a \`for\` variable nor a parameter.`, 'Bind it with `for i in W { … }`, or use a parameter of the protocol.');
        return null;
      }
      return bound;
    }
    const left = this.evaluate(expr.left, scope);
    const right = this.evaluate(expr.right, scope);
    if (left === null || right === null) return null;
    if ((expr.op === '/' || expr.op === '%') && right === 0) {
      this.report('E028', scope.protocol.file, expr.span, 'This index divides by zero.', 'Change the divisor.');
      return null;
    }
    switch (expr.op) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return Math.trunc(left / right);
      case '%':
        return ((left % right) + right) % right;
    }
  }

  private param(name: string, file: string, span: Span): number | null {
    const value = this.params[name];
    if (value !== undefined) return value;
    this.report('E026', file, span, `Parameter \`${name}\` has no value.`, `Give it one, e.g. \`--param ${name}=4\`.`);
    return null;
  }

  private count(file: string, span: Span): void {
    if (++this.nodeCount <= MAX_INSTANCE_NODES || this.tooLarge) return;
    this.tooLarge = true;
    this.report('E026', file, span, `The instance has more than ${MAX_INSTANCE_NODES} messages and steps.`, 'Use smaller loop counts or family sizes.');
  }

  private report(code: Diagnostic['code'], file: string, span: Span, message: string, hint: string): void {
    this.diagnostics.push(errorAt(code, file, span, message, hint));
  }
}
