/**
 * The session monitor of one role: the state of a role in one session (sequence numbers per
 * ordered pair, a queue per peer, the parallel parts running, whether it stopped) and the checked
 * operations on it. Both ways of writing a role go through it: the driven runner (`run-role.ts`)
 * and the typed session API (`typed-session.ts`).
 *
 * Every incoming frame is checked on arrival (session, protocol, sender, receiver, sequence
 * number, a label the role can still receive) and again when a step takes it (label, branch
 * labels, payload shape); every outgoing payload is checked before it leaves. A failed check
 * stops the role with a {@link ProtocolViolation} and tells every other role with an abort
 * notice, so nobody waits forever. Only this session is affected: the transport carries others.
 *
 * Outside a `par`, a step may only take the *first* queued message of its peer, so a wrong or
 * skipped message is caught at the step that expected something else. Inside a `par`, parts
 * receive concurrently, so a step takes the first queued message of its peer with its label
 * (the language forbids two parts from expecting the same label from the same peer), and a
 * message that no step from here on could receive is caught on arrival.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { CanonicalValue } from '../core/canonical.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { AuraError, toAuraError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';
import { ProtocolViolation, receiveTimeout, sessionAborted, startError, type ViolationKind } from './errors.ts';
import type { AnnotationContext, ExtensionRegistry } from './extensions.ts';
import { Fifo } from './fifo.ts';
import type { AbortNotice, Envelope, Frame } from './frame.ts';
import { PayloadShapeError } from './payload-codec.ts';
import { describeStep, type BranchStep, type GatherStep, type ParStep, type RecvStep, type RoleProgram, type SelectStep, type SendStep, type Step } from './program.ts';
import type { RoleEvent, RoleEventType, RoleObserver } from './role-event.ts';
import type { Port, Receiver, Transport } from './transport.ts';

/** Options shared by every way of running a role. */
export interface SessionOptions {
  /** The session to join. */
  readonly session: SessionId;
  /** Time for receive timeouts; required when a timeout applies. */
  readonly time?: PhysicalTimeEffects;
  /** Timeout of every receive without a `timeout_ms` annotation, in ms (default: none). */
  readonly receiveTimeoutMs?: number;
  /** Hooks for the annotations on this role's sends. */
  readonly extensions?: ExtensionRegistry;
  /** Gets an event for every step (trace, metrics). */
  readonly observer?: RoleObserver;
  /** Stop (successfully, status `bounded`) once this role has sent and received this many messages. */
  readonly maxMessages?: number;
  /** Stops the role (successfully, status `bounded`) when aborted: bounds a whole in-process run. */
  readonly signal?: AbortSignal;
}

/** Where one thread of the role is in a message that carries branch labels. */
export interface Cursor {
  /** The queued message whose branch labels this thread is reading, or `null`. */
  peekEnvelope: Envelope | null;
  /** How many of its labels were read. */
  peekIndex: number;
}

/** A fresh cursor for a thread of the role (the root, or a part of a `par`). */
export function newCursor(): Cursor {
  return { peekEnvelope: null, peekIndex: 0 };
}

/** What a step of a halted role throws: not a failure, the runner reports the role as bounded. */
export const HALTED: AuraError = new AuraError('system', 'runtime.halted', 'the role was halted: its run reached its bound');

/** Returned by the `try…` operations when the message needed has not arrived yet. */
export const NOTHING: unique symbol = Symbol('nothing');

/** One message taken by a gather. */
export interface Gathered {
  /** The member it came from. */
  readonly from: RoleName;
  /** Its decoded payload. */
  readonly payload: unknown;
}

/** The monitor and state of one role in one session. */
export class RoleSession implements Receiver {
  /** The role. */
  readonly role: RoleName;
  /** The session. */
  readonly session: SessionId;
  /** Messages sent and received so far. */
  messages = 0;
  /** Why the role stopped, once it has failed. */
  failure: AuraError | undefined;
  /** The cursor of the role's main thread. */
  readonly root: Cursor = newCursor();

  private readonly protocolId: string;
  private readonly roles: readonly RoleName[];
  private readonly queues: Fifo<Envelope>[];
  private readonly sendSeq: number[];
  private readonly recvSeq: number[];
  private readonly drops: string[][];
  private readonly receivable: readonly ReadonlySet<string>[];
  private readonly pars: ParStep[] = [];
  private readonly maxMessages: number;
  private readonly waiters: Wait[] = [];
  private readonly stopWatchers: (() => void)[] = [];
  private finished = false;
  private halted = false;
  private eventCount = 0;
  private readonly port: Port;
  /** What arrived while the port was being opened (held frames), handled once it is open. */
  private early: (Frame | AuraError)[] | undefined = [];

  constructor(
    readonly program: RoleProgram,
    transport: Transport,
    private readonly options: SessionOptions,
  ) {
    this.role = program.role;
    this.session = options.session;
    this.protocolId = program.protocol.contentId;
    this.roles = program.protocol.roles;
    this.queues = this.roles.map(() => new Fifo<Envelope>());
    this.sendSeq = this.roles.map(() => 0);
    this.recvSeq = this.roles.map(() => 0);
    this.drops = this.roles.map(() => []);
    this.receivable = program.receivable;
    this.maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
    // Opening may deliver held frames before it returns: they wait in `early` until the port
    // exists, because handling one may need the port (to tell the peers of a violation).
    this.port = transport.open(this.session, this.role, this);
    const early = this.early ?? [];
    this.early = undefined;
    for (const arrival of early) {
      if (arrival instanceof AuraError) this.fail(arrival);
      else this.deliver(arrival);
    }
  }

  /** True once the role reached its message bound, or was halted. */
  get bounded(): boolean {
    return this.halted || this.messages >= this.maxMessages;
  }

  /**
   * Stops the role without error and without telling its peers (a bound was reached for the
   * whole run): its port closes, and a waiting or later step throws {@link HALTED}.
   */
  halt(): void {
    if (this.failure !== undefined || this.finished) return;
    this.halted = true;
    this.close();
    this.wake();
    for (const watcher of this.stopWatchers.splice(0)) watcher();
  }

  /**
   * The steps this role is blocked at now (one per waiting thread: several inside a `par`), for
   * liveness diagnosis by a host such as the simulator: which message from whom, at which step.
   */
  pendingWaits(): readonly PendingReceive[] {
    return this.waiters.filter((wait) => wait.active).map((wait) => pendingReceive(wait.step));
  }

  // ---- Receiver: frames from the transport ----

  deliver(frame: Frame): void {
    if (this.early !== undefined) return void this.early.push(frame);
    if (this.finished || this.failure !== undefined) return;
    const peer = this.program.peerIndex.get(frame.from) ?? -1;
    if (frame.session !== this.session) return void this.violation('unknown-session', `a frame of session ${this.session}`, `a frame of session ${frame.session} from ${frame.from}`);
    if (frame.protocol !== this.protocolId) return void this.violation('protocol-mismatch', `protocol ${this.protocolId}`, `protocol ${frame.protocol} from ${frame.from}`);
    if (peer < 0 || peer === this.program.self || frame.to !== this.role) {
      return void this.violation('wrong-peer', `a frame to ${this.role} from another role of ${this.program.protocol.name}`, `a frame from ${frame.from} to ${frame.to}`);
    }
    if (frame.kind === 'abort') {
      this.stop(sessionAborted(frame), false);
      return;
    }
    const expectedSeq = this.recvSeq[peer]!; // peer is a valid role index
    if (frame.seq !== expectedSeq) {
      const duplicate = frame.seq < expectedSeq;
      return void this.violation(duplicate ? 'duplicate' : 'sequence-gap', `message ${expectedSeq} from ${frame.from}`, `${duplicate ? 'a duplicate of' : 'a gap before'} message ${frame.seq} (${frame.label})`);
    }
    this.recvSeq[peer] = expectedSeq + 1;
    const drops = this.drops[peer]!; // peer is a valid role index, as for every per-peer array below
    if (drops.length > 0) {
      if (drops[0] === frame.label) return void drops.shift();
      return void this.violation('wrong-label', `${drops[0] ?? ''} from ${frame.from} (late for a gather)`, describeEnvelope(frame));
    }
    const labels = this.pars.length === 0 ? this.receivable[peer]! : this.pars[0]!.receivable[peer]!; // pars[0] exists when length > 0
    if (!labels.has(frame.label)) return void this.violation('unexpected-message', `no ${frame.label} from ${frame.from} at any step from here on`, describeEnvelope(frame));
    this.queues[peer]!.push(frame);
    this.wake();
  }

  fail(error: AuraError): void {
    if (this.early !== undefined) return void this.early.push(error);
    this.stop(error, true);
  }

  // ---- Steps ----

  /** Sends `value` as the message of `step`. Undefined when sent at once, else a promise. */
  send(step: SendStep, value: unknown): Promise<void> | undefined {
    this.check();
    let wire: CanonicalValue;
    try {
      wire = step.codec.encode(value);
    } catch (error) {
      throw this.payloadViolation(`${describeStep(step)}${step.codec.text}`, error);
    }
    if (step.hooks.length > 0) return this.sendGuarded(step, wire);
    return this.transmit(step, wire);
  }

  /** Checks the label picked at a select; returns the branch to continue with. */
  choose(step: SelectStep, label: string): Step {
    this.check();
    const next = step.branches.get(label);
    if (next === undefined) throw this.violation('select', describeStep(step), `the label ${JSON.stringify(label)}`);
    if (this.options.observer !== undefined) this.emit('choose', undefined, label);
    return next;
  }

  /** Takes the message `step` expects if it is here: its decoded payload, or {@link NOTHING}. */
  tryReceive(step: RecvStep, cursor: Cursor): unknown {
    const queue = this.queues[step.peer]!; // step.peer is a role index
    if (queue.size === 0) return NOTHING;
    const envelope = this.pars.length === 0 ? queue.peek() : queue.find((queued) => queued.label === step.label);
    if (envelope === undefined) return NOTHING;
    if (envelope.label !== step.label) throw this.violation('wrong-label', describeStep(step), describeEnvelope(envelope));
    return this.take(envelope, queue, cursor, step);
  }

  /** Waits for the message `step` expects; resolves with its decoded payload. */
  receive(step: RecvStep, cursor: Cursor): Promise<unknown> {
    return this.waitFor(step, cursor);
  }

  /** Learns the branch if the message carrying it is here: the branch label, or {@link NOTHING}. */
  tryOffer(step: BranchStep, cursor: Cursor): string | typeof NOTHING {
    const queue = this.queues[step.peer]!; // step.peer is a role index
    if (queue.size === 0) return NOTHING;
    const envelope = this.pars.length === 0 ? queue.peek() : queue.find((queued) => queued.choice !== null || step.branches.has(queued.label));
    if (envelope === undefined) return NOTHING;
    const read = cursor.peekEnvelope === envelope ? cursor.peekIndex : 0;
    let label = envelope.label;
    if (envelope.choice !== null && read < envelope.choice.length) {
      label = envelope.choice[read]!; // read < length
      cursor.peekEnvelope = envelope;
      cursor.peekIndex = read + 1;
    }
    if (!step.branches.has(label)) throw this.violation('branch-label', describeStep(step), `branch label ${label} on ${describeEnvelope(envelope)}`);
    if (this.options.observer !== undefined) this.emit('offer', step.from, label);
    return label;
  }

  /** Waits for the message carrying the branch label; resolves with the label. */
  offer(step: BranchStep, cursor: Cursor): Promise<string> {
    return this.waitFor(step, cursor) as Promise<string>;
  }

  /** Takes one more gather message if one is here (`got[i]` marks members already heard). */
  tryGather(step: GatherStep, got: boolean[], cursor: Cursor): Gathered | typeof NOTHING {
    for (let i = 0; i < step.peers.length; i++) {
      if (got[i] === true) continue;
      const queue = this.queues[step.peers[i]!]!; // i < peers.length; peers are role indices
      const envelope = this.pars.length === 0 ? queue.peek() : queue.find((queued) => queued.label === step.label);
      if (envelope === undefined) continue;
      if (envelope.label !== step.label) throw this.violation('wrong-label', describeStep(step), describeEnvelope(envelope));
      got[i] = true;
      return { from: envelope.from, payload: this.take(envelope, queue, cursor, step) };
    }
    return NOTHING;
  }

  /** Waits for one more gather message. */
  gather(step: GatherStep, got: boolean[], cursor: Cursor): Promise<Gathered> {
    return this.waitFor(step, cursor, got) as Promise<Gathered>;
  }

  /** After a quorum: drops the gather messages still to come (or already queued) from the others. */
  endGather(step: GatherStep, got: readonly boolean[]): void {
    step.peers.forEach((peer, i) => {
      if (got[i] === true) return;
      const queue = this.queues[peer]!; // gather peers are role indices
      const queued = queue.find((envelope) => envelope.label === step.label);
      if (queued !== undefined) queue.remove(queued);
      else this.drops[peer]!.push(step.label);
    });
  }

  /** Records a local action. */
  noteLocal(action: string): void {
    this.check();
    if (this.options.observer !== undefined) this.emit('local', undefined, action);
  }

  /** A `par` starts: its parts receive concurrently until {@link leavePar}. */
  enterPar(step: ParStep): void {
    this.pars.push(step);
  }

  /** The innermost `par` has ended. */
  leavePar(): void {
    this.pars.pop();
    this.wake();
  }

  /** The role reached `end`: anything still queued is a violation; then the port closes. */
  finish(): void {
    this.check();
    const left = this.queues.find((queue) => queue.size > 0)?.peek();
    if (left !== undefined) throw this.violation('unexpected-message', 'nothing more (the role has ended)', describeEnvelope(left));
    this.close();
    if (this.options.observer !== undefined) this.emit('end');
  }

  /** Stops without error (a bound was reached): closes the port, tells nobody. */
  close(): void {
    this.finished = true;
    this.port.close();
  }

  /** Settles once the role has failed or been halted (never, if it ends normally). */
  stopped(): Promise<void> {
    if (this.failure !== undefined || this.halted) return Promise.resolve();
    return new Promise((resolve) => this.stopWatchers.push(resolve));
  }

  /** Stops the role because of `error` (unless it already stopped) and returns the failure. */
  abort(error: unknown): AuraError {
    this.stop(toAuraError(error), true);
    return this.failure ?? toAuraError(error);
  }

  // ---- Internals ----

  private async sendGuarded(step: SendStep, payload: CanonicalValue): Promise<void> {
    for (const name of step.hooks) {
      const hook = this.options.extensions?.get(name);
      const context: AnnotationContext = { session: this.session, role: this.role, to: step.to, label: step.label, name, value: step.annotations[name]! /* hooks are the names of step.annotations */, annotations: step.annotations, payload };
      if (hook === undefined) throw this.abort(startError('unhandled-annotation', `role ${this.role} sends ${step.label} annotated ${name}, and no extension hook is registered for it`));
      await hook(context);
      this.check();
    }
    await this.transmit(step, payload);
  }

  private transmit(step: SendStep, payload: CanonicalValue): Promise<void> | undefined {
    const seq = this.sendSeq[step.peer]!; // step.peer is a role index
    this.sendSeq[step.peer] = seq + 1;
    const envelope: Envelope = { kind: 'message', session: this.session, protocol: this.protocolId, from: this.role, to: step.to, seq, label: step.label, choice: step.choice, payload };
    this.messages++;
    if (this.options.observer !== undefined) this.emit('send', step.to, step.label, step.choice, seq);
    return this.port.send(envelope);
  }

  private take(envelope: Envelope, queue: Fifo<Envelope>, cursor: Cursor, step: RecvStep | GatherStep): unknown {
    const read = cursor.peekEnvelope === envelope ? cursor.peekIndex : 0;
    if ((envelope.choice?.length ?? 0) !== read) {
      throw this.violation('branch-label', describeStep(step), `${describeEnvelope(envelope)}, of whose branch labels ${read} were expected`);
    }
    cursor.peekEnvelope = null;
    cursor.peekIndex = 0;
    let payload: unknown;
    try {
      payload = step.codec.decode(envelope.payload);
    } catch (error) {
      throw this.payloadViolation(`${describeStep(step)}${step.codec.text}`, error);
    }
    queue.remove(envelope);
    this.messages++;
    if (this.options.observer !== undefined) this.emit('recv', envelope.from, envelope.label, envelope.choice ?? undefined, envelope.seq);
    return payload;
  }

  /**
   * Resolves with what the step takes once it can take something. The attempt is retried when a
   * frame arrives (inside `deliver`), so a waiting receive costs one promise and no extra tick.
   * No closure is made per wait: under tsx every named closure costs a property definition.
   */
  private waitFor(step: RecvStep | BranchStep | GatherStep, cursor: Cursor, got?: boolean[]): Promise<unknown> {
    const wait = new Wait(step, cursor, got);
    const promise = new Promise<unknown>((resolve, reject) => {
      wait.resolve = resolve;
      wait.reject = reject;
    });
    const timeout = step.timeoutMs ?? this.options.receiveTimeoutMs;
    if (timeout !== undefined && this.options.time !== undefined) {
      void this.options.time.sleep(timeout).then(() => {
        if (wait.active) this.stop(receiveTimeout(this.role, this.session, describeStep(step), timeout), true);
      });
    }
    this.retry(wait);
    return promise;
  }

  private retry(wait: Wait): void {
    if (!wait.active) return;
    let got: unknown;
    try {
      this.check();
      const step = wait.step;
      if (step.kind === 'recv') got = this.tryReceive(step, wait.cursor);
      else if (step.kind === 'branch') got = this.tryOffer(step, wait.cursor);
      else got = this.tryGather(step, wait.got ?? [], wait.cursor);
    } catch (error) {
      wait.active = false;
      wait.reject(error);
      return;
    }
    if (got === NOTHING) {
      this.waiters.push(wait);
      return;
    }
    wait.active = false;
    wait.resolve(got);
  }

  private wake(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    if (waiters.length === 1) {
      this.retry(waiters.pop()!); // length is 1
      return;
    }
    for (const wait of waiters.splice(0)) this.retry(wait);
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.halted) throw HALTED;
  }

  /** Stops the role with a {@link ProtocolViolation} (telling the peers) and returns it, to throw. */
  violation(kind: ViolationKind, expected: string, actual: string, cause?: unknown): AuraError {
    return this.abort(new ProtocolViolation(kind, { role: this.role, session: this.session, expected, actual }, cause));
  }

  private payloadViolation(expected: string, error: unknown): AuraError {
    if (!(error instanceof PayloadShapeError)) return this.abort(error);
    return this.violation('payload', expected, error.message, error);
  }

  private stop(error: AuraError, notify: boolean): void {
    if (this.failure !== undefined || this.finished) return;
    this.failure = error;
    if (this.options.observer !== undefined) this.emit('error', undefined, undefined, undefined, undefined, error);
    if (notify) this.notifyPeers(error);
    this.port.close();
    this.wake();
    for (const watcher of this.stopWatchers.splice(0)) watcher();
  }

  private notifyPeers(error: AuraError): void {
    for (const to of this.roles) {
      if (to === this.role) continue;
      const notice: AbortNotice = { kind: 'abort', session: this.session, protocol: this.protocolId, from: this.role, to, code: error.code, reason: error.message.slice(0, 4000) };
      try {
        // A peer we cannot reach cannot be told; its own timeout ends its wait.
        this.port.send(notice)?.catch(() => undefined);
      } catch {
        continue;
      }
    }
  }

  private emit(type: RoleEventType, peer?: RoleName, label?: string, choice?: readonly string[] | null, seq?: number, error?: AuraError): void {
    const event: RoleEvent = {
      type,
      session: this.session,
      role: this.role,
      step: this.eventCount++,
      ...(peer === undefined ? {} : { peer }),
      ...(label === undefined ? {} : { label }),
      ...(choice === undefined || choice === null ? {} : { choice }),
      ...(seq === undefined ? {} : { seq }),
      ...(error === undefined ? {} : { error }),
    };
    this.options.observer?.onEvent(event);
  }
}

/** A step a role is blocked at, in the terms of its protocol. */
export interface PendingReceive {
  /** The roles a message may come from (several for a gather). */
  readonly from: readonly RoleName[];
  /** The label awaited; absent while waiting for a branch label. */
  readonly label?: string;
  /** The step in words, as in violations: `recv Pong from Bob`. */
  readonly step: string;
}

function pendingReceive(step: RecvStep | BranchStep | GatherStep): PendingReceive {
  const described = describeStep(step);
  if (step.kind === 'recv') return { from: [step.from], label: step.label, step: described };
  if (step.kind === 'branch') return { from: [step.from], step: described };
  return { from: step.members, label: step.label, step: described };
}

/** A receive waiting for its message. */
class Wait {
  active = true;
  resolve: (value: unknown) => void = ignore;
  reject: (error: unknown) => void = ignore;

  constructor(
    readonly step: RecvStep | BranchStep | GatherStep,
    readonly cursor: Cursor,
    readonly got: boolean[] | undefined,
  ) {}
}

function ignore(): void {
  return undefined;
}

/** A message in words, for violations: `Pong from Bob (seq 3)`. */
export function describeEnvelope(envelope: Envelope): string {
  const choice = envelope.choice === null ? '' : ` [${envelope.choice.join(', ')}]`;
  return `${envelope.label}${choice} from ${envelope.from} (seq ${envelope.seq})`;
}
