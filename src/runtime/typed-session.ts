/**
 * The typed session API: a role written as a chain of *state objects*, one per step of its local
 * type. The generator (`generate.ts`) gives each state a TypeScript type built from the generic
 * state types below (`Send`, `Recv`, `Select`, `Branch`, `Gather`, `Local`, `Par`, `End`), so
 * calling the wrong method, or sending the wrong label, peer or payload, in the wrong state does
 * not compile. At run time every state object may be used once: a second use throws
 * `runtime.linearity`, so a stale state cannot be replayed. The session monitor checks every
 * message as in the driven runner, and also catches calls that bypass the types (from plain JS,
 * or through casts) with `runtime.violation.wrong-state`.
 *
 * Sources: multiparty session types with linear channels (Honda, Yoshida, Carbone 2008) and
 * their TypeScript embedding as state-typed APIs (Miu, Ferreira, Yoshida, Zhou, "Communication-
 * safe web programming in TypeScript with routed multiparty session types", CC 2021).
 *
 * @module
 */
import type { ProjectedProtocol, RoleName } from '../choreo/local-type.ts';
import { permanentError } from '../core/errors.ts';
import { describeStep, compileRole, type Step } from './program.ts';
import { BUILTIN_TYPES, checkStart, type RoleResult, type RunOptions } from './run-role.ts';
import { NOTHING, RoleSession, newCursor, type Cursor } from './session.ts';
import type { Transport } from './transport.ts';

export type { ProjectedProtocol } from '../choreo/local-type.ts';

/** An integer payload (`u64`, `i32`, …): a number when it is a safe integer, else a bigint. */
export type Integer = number | bigint;

/** Send `label` with a payload of type `P` to `To`, then continue in `Next`. */
export interface Send<To extends string, Label extends string, P, Next> {
  readonly state: 'send';
  /** Sends the message; resolves with the next state once the transport took it. */
  send(to: To, label: Label, payload: P): Promise<Next>;
}

/** Receive `label` with a payload of type `P` from `From`, then continue in `Next`. */
export interface Recv<From extends string, Label extends string, P, Next> {
  readonly state: 'recv';
  /** Waits for the message. */
  recv(): Promise<Received<From, Label, P, Next>>;
}

/** A received message and the state after it. */
export interface Received<From extends string, Label extends string, P, Next> {
  readonly from: From;
  readonly label: Label;
  readonly payload: P;
  readonly next: Next;
}

/** Receive `label` from a quorum of the members `From` of a gather, then continue in `Next`. */
export interface Gather<From extends string, Label extends string, P, Next> {
  readonly state: 'gather';
  /** The gathered message label. */
  readonly label: Label;
  /** Waits for the quorum; later messages of the gather are dropped. */
  gather(): Promise<GatheredMessages<From, P, Next>>;
}

/** The messages of a gather, in arrival order, and the state after it. */
export interface GatheredMessages<From extends string, P, Next> {
  readonly messages: readonly { readonly from: From; readonly payload: P }[];
  readonly next: Next;
}

/** Choose one of the branches `B` (label to state). */
export interface Select<B extends Readonly<Record<string, unknown>>> {
  readonly state: 'select';
  /** Picks `label`; its state follows. */
  select<L extends keyof B & string>(label: L): B[L];
}

/** Learn from `From`'s next message which of the branches `B` the session takes. */
export interface Branch<From extends string, B extends Readonly<Record<string, unknown>>> {
  readonly state: 'branch';
  /** The role whose message carries the label. */
  readonly from: From;
  /** Waits for the label; switch on `label` to get the branch's state. */
  offer(): Promise<Offered<B>>;
}

/** The learned label with its state, as a union a `switch` narrows. */
export type Offered<B extends Readonly<Record<string, unknown>>> = { [L in keyof B & string]: { readonly label: L; readonly next: B[L] } }[keyof B & string];

/** Perform the local action `Action`, then continue in `Next`. */
export interface Local<Action extends string, Next> {
  readonly state: 'local';
  /** Records that the action was done. */
  local(action: Action): Next;
}

/** Run the parts `Parts` concurrently; once every part has ended, continue in `Next`. */
export interface Par<Parts extends readonly unknown[], Next> {
  readonly state: 'par';
  /** The first state of each part, and a join that waits for all of them to end. */
  fork(): Forked<Parts, Next>;
}

/** The parts of a `Par`. */
export interface Forked<Parts extends readonly unknown[], Next> {
  readonly parts: Parts;
  /** Resolves with the state after the `par` once every part is closed. */
  join(): Promise<Next>;
}

/** The end of the role. */
export interface End {
  readonly state: 'end';
  /** Ends the role: checks nothing is left over, closes its port. */
  close(): RoleResult;
}

/** The end of one part of a `Par`. */
export interface PartEnd {
  readonly state: 'part-end';
  /** Ends this part. */
  close(): void;
}

/** Options of {@link startTypedRole}: those of the driven runner. */
export type TypedRoleOptions = RunOptions;

/**
 * Joins the session as `role` and returns its first state. Generated code casts the result to
 * the role's first state type; everything it does is checked again at run time.
 */
export function startTypedRole(protocol: ProjectedProtocol, role: RoleName, transport: Transport, options: TypedRoleOptions): unknown {
  const program = compileRole(protocol, role, options.types ?? BUILTIN_TYPES);
  checkStart(program, options);
  const session = new RoleSession(program, transport, options);
  return new TypedState(session, program.start, session.root, undefined);
}

/** Counts the parts of a `par` still running. */
class PartJoin {
  private remaining: number;
  private release: () => void = () => undefined;
  /** Settles once every part has closed. */
  readonly done: Promise<void>;

  constructor(parts: number) {
    this.remaining = parts;
    this.done = new Promise((resolve) => (this.release = resolve));
    if (parts === 0) this.release();
  }

  arrive(): void {
    if (--this.remaining === 0) this.release();
  }
}

/** One state of a typed session: every method of every state type, checked against its step. */
class TypedState {
  private used = false;

  constructor(
    private readonly session: RoleSession,
    private readonly step: Step,
    private readonly cursor: Cursor,
    private readonly part: PartJoin | undefined,
  ) {}

  get state(): string {
    return this.step.kind === 'end' && this.part !== undefined ? 'part-end' : this.step.kind;
  }

  get from(): RoleName | undefined {
    return this.step.kind === 'branch' || this.step.kind === 'recv' ? this.step.from : undefined;
  }

  get label(): string | undefined {
    return this.step.kind === 'gather' || this.step.kind === 'recv' || this.step.kind === 'send' ? this.step.label : undefined;
  }

  async send(to: RoleName, label: string, payload: unknown): Promise<TypedState> {
    const step = this.claim('send');
    if (step.kind !== 'send') throw this.wrong(`send ${label} to ${to}`);
    if (to !== step.to || label !== step.label) throw this.wrong(`send ${label} to ${to}`);
    await this.guard(() => this.session.send(step, payload));
    return this.advance(step.next);
  }

  async recv(): Promise<{ from: RoleName; label: string; payload: unknown; next: TypedState }> {
    const step = this.claim('recv');
    if (step.kind !== 'recv') throw this.wrong('recv');
    let payload = this.session.tryReceive(step, this.cursor);
    if (payload === NOTHING) payload = await this.guard(() => this.session.receive(step, this.cursor));
    return { from: step.from, label: step.label, payload, next: this.advance(step.next) };
  }

  async gather(): Promise<{ messages: { from: RoleName; payload: unknown }[]; next: TypedState }> {
    const step = this.claim('gather');
    if (step.kind !== 'gather') throw this.wrong('gather');
    const got = step.peers.map(() => false);
    const messages: { from: RoleName; payload: unknown }[] = [];
    while (messages.length < step.quorum) {
      const item = this.session.tryGather(step, got, this.cursor);
      messages.push(item === NOTHING ? await this.guard(() => this.session.gather(step, got, this.cursor)) : item);
    }
    this.session.endGather(step, got);
    return { messages, next: this.advance(step.next) };
  }

  select(label: string): TypedState {
    const step = this.claim('select');
    if (step.kind !== 'select') throw this.wrong(`select ${label}`);
    return this.advance(this.session.choose(step, label));
  }

  async offer(): Promise<{ label: string; next: TypedState }> {
    const step = this.claim('branch');
    if (step.kind !== 'branch') throw this.wrong('offer');
    let label = this.session.tryOffer(step, this.cursor);
    if (label === NOTHING) label = await this.guard(() => this.session.offer(step, this.cursor));
    // tryOffer only returns labels of this step's branches.
    return { label, next: this.advance(step.branches.get(label)!) };
  }

  local(action: string): TypedState {
    const step = this.claim('local');
    if (step.kind !== 'local' || step.action !== action) throw this.wrong(`local ${action}`);
    this.session.noteLocal(action);
    return this.advance(step.next);
  }

  fork(): { parts: TypedState[]; join: () => Promise<TypedState> } {
    const step = this.claim('par');
    if (step.kind !== 'par') throw this.wrong('fork');
    this.session.enterPar(step);
    const join = new PartJoin(step.branches.length);
    const parts = step.branches.map((first) => new TypedState(this.session, first, newCursor(), join));
    return {
      parts,
      join: async () => {
        // A part that fails stops the session; the join then fails too instead of waiting.
        await Promise.race([join.done, this.session.stopped()]);
        if (this.session.failure !== undefined) throw this.session.failure;
        this.session.leavePar();
        return this.advance(step.next);
      },
    };
  }

  close(): RoleResult | undefined {
    const step = this.claim('close');
    if (step.kind !== 'end') throw this.wrong('close');
    if (this.part !== undefined) {
      this.part.arrive();
      return undefined;
    }
    this.session.finish();
    return { role: this.session.role, session: this.session.session, status: 'ended', messages: this.session.messages };
  }

  /** Marks this state used; a second use is a linearity error. */
  private claim(method: string): Step {
    if (this.used) {
      throw permanentError('runtime.linearity', `state "${describeStep(this.step)}" of role ${this.session.role} was already used; ${method} must be called on the state it returned`, {
        context: { role: this.session.role, session: this.session.session },
      });
    }
    this.used = true;
    if (this.session.failure !== undefined) throw this.session.failure;
    return this.step;
  }

  private wrong(actual: string): Error {
    return this.session.violation('wrong-state', describeStep(this.step), actual);
  }

  /** Runs a session operation; any failure stops the session (telling the peers) and is rethrown. */
  private async guard<T>(operation: () => T | Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.session.abort(error);
    }
  }

  private advance(step: Step): TypedState {
    return new TypedState(this.session, step, this.cursor, this.part);
  }
}
