/**
 * A simulated node: one thread of control, an inbox, timers, and its own effect handlers.
 *
 * A node runs its program (a function of the node) when it starts and again after every restart.
 * The program may be reactive (`onMessage`, `after`, `every`) or sequential (`await receive()`,
 * `await sleep()`, `await waitUntil()`), or both. Either way a node runs one task at a time, like
 * an actor: a message or timer that arrives while the thread is busy waits its turn, so the
 * interleaving is decided by the scheduler alone.
 *
 * Wake conditions: a wait ends when a matching message is in the inbox, when a predicate over
 * state holds (checked between events), or when its deadline passes; whichever comes first.
 *
 * Effects: randomness is the simulation seed forked per node and per incarnation; time is the
 * scheduler's virtual time seen through the node's clock skew; storage is kept across restarts
 * (it stands for the disk); the logical clock, order clock and crypto are the standard handlers
 * over that seeded randomness. Memory (the program's closures, inbox, timers) is lost on a crash.
 *
 * @module
 */
import type { Effects, InboundMessage, NetworkEffects, PhysicalTimeEffects, StorageEffects } from '../core/effects.ts';
import { permanentError, transientError } from '../core/errors.ts';
import type { DeviceId } from '../core/identifiers.ts';
import { physicalTime, type PhysicalTime } from '../core/time.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { ReplicaLogicalClock } from '../handlers/logical-clock.ts';
import { RandomOrderClock } from '../handlers/order-clock.ts';
import type { SeededRandom } from '../handlers/random.ts';
import type { Envelope, SendOptions } from './envelope.ts';
import type { Scheduler } from './scheduler.ts';
import type { TraceRecorder } from './trace.ts';

/** What a node runs at start and after each restart. */
export type NodeProgram = (node: SimNode) => void | Promise<void>;

/** A node's clock error relative to virtual time. */
export interface ClockSkew {
  /** Constant offset of the node's clock, in ms. */
  readonly offsetMs: number;
  /** Rate error: the node's clock runs `1 + drift` times as fast as virtual time (e.g. 1e-4). */
  readonly drift: number;
}

/** Which messages a wait accepts. */
export interface MessageFilter {
  /** Only from this node. */
  readonly from?: string;
  /** Only with this label. */
  readonly label?: string;
  /** Only messages this returns true for. */
  readonly match?: (envelope: Envelope) => boolean;
}

/** When a wait ends. At least one condition must be given. */
export interface WakeCondition {
  /** A message matching this filter is in the inbox (it is taken out and returned). */
  readonly message?: MessageFilter;
  /** This predicate over state holds (checked between events). */
  readonly predicate?: () => boolean;
  /** The node's own clock has advanced by this many ms. */
  readonly timeoutMs?: number;
  /** What the node waits for, in words, for the waits-for report. */
  readonly description?: string;
}

/** Why a wait ended. */
export type WakeReason = { readonly kind: 'message'; readonly envelope: Envelope } | { readonly kind: 'predicate' } | { readonly kind: 'timeout' };

/** What a waiting node waits for, as the waits-for report shows it. */
export interface WaitInfo {
  /** The waiting node. */
  readonly node: string;
  /** The node it waits for a message from, if the wait names one. */
  readonly from?: string;
  /** The label it waits for, if any. */
  readonly label?: string;
  /** The node's own words. */
  readonly description?: string;
  /** Virtual time the wait began. */
  readonly since: number;
}

/** Life-cycle of a node's thread. */
export type ThreadState = 'idle' | 'running' | 'waiting' | 'crashed';

/** What a node needs from the simulation around it. */
export interface NodeHost {
  /** The scheduler owning virtual time. */
  readonly scheduler: Scheduler;
  /** The trace, when recording. */
  readonly trace: TraceRecorder | undefined;
  /** Physical time (ms since the Unix epoch) at virtual time 0. */
  readonly epochMs: number;
  /** Hands a message to the network. */
  send(from: SimNode, to: string, payload: unknown, options: SendOptions): void;
  /** A task of `node` threw: record it as a crash of that node. */
  nodeFailed(node: SimNode, error: unknown): void;
  /** `node` began a wait with a predicate, to be checked between events. */
  watchPredicate(node: SimNode): void;
  /** The node name of a device, for the {@link NetworkEffects} adapter. */
  nodeOfDevice(device: DeviceId): string | undefined;
  /** The device of a node. */
  deviceOfNode(name: string): DeviceId | undefined;
}

/** The wait a node is in. */
interface PendingWait {
  /** What ends it. */
  readonly condition: WakeCondition;
  /** What it looks like in the waits-for report. */
  readonly info: WaitInfo;
  /** Ends it. */
  readonly resolve: (reason: WakeReason) => void;
}

/** One simulated node. Create nodes with `Simulation.addNode`. */
export class SimNode {
  /** Current effect handlers (rebuilt on restart, except storage). */
  effects: Effects;
  /** Byte transport in the shape of {@link NetworkEffects}, addressing peers by device id. */
  readonly network: NetworkEffects;
  /** Times the node has been restarted. */
  incarnation = 0;
  /** Thread state. */
  state: ThreadState = 'idle';
  private inbox: Envelope[] = [];
  private tasks: (() => unknown)[] = [];
  private handler: ((envelope: Envelope) => unknown) | undefined;
  private pending: PendingWait | undefined;
  private counted = false;

  constructor(
    private readonly host: NodeHost,
    /** The node's name, unique in the simulation. */
    readonly name: string,
    /** The device identifier of this node. */
    readonly device: DeviceId,
    private readonly program: NodeProgram,
    private readonly random: SeededRandom,
    /** Durable storage: survives restarts. */
    readonly storage: StorageEffects,
    /** Clock error of this node. */
    public skew: ClockSkew,
  ) {
    this.effects = this.freshEffects();
    this.network = new NodeNetwork(this, host);
  }

  /** Virtual time now (ms), the same for every node. */
  get now(): number {
    return this.host.scheduler.now;
  }

  /** This node's physical clock reading in ms (epoch + virtual time, through the skew). */
  localTimeMs(): number {
    return this.host.epochMs + this.skew.offsetMs + this.host.scheduler.now * (1 + this.skew.drift);
  }

  /** Sends `payload` to node `to`. A crashed node sends nothing. */
  send(to: string, payload: unknown, options: SendOptions = {}): void {
    if (this.state === 'crashed') return;
    this.host.send(this, to, payload, options);
  }

  /** Handles each message that no wait takes, one at a time. */
  onMessage(handler: (envelope: Envelope) => unknown): void {
    this.handler = handler;
    this.pump();
  }

  /** Runs `task` on this node's thread after `ms` of the node's clock; returns a cancel function. */
  after(ms: number, task: () => unknown): () => void {
    const incarnation = this.incarnation;
    let cancelled = false;
    this.host.scheduler.after(this.virtualDelay(ms), () => {
      if (!cancelled && this.incarnation === incarnation && this.state !== 'crashed') this.runTask(task);
    });
    return () => {
      cancelled = true;
    };
  }

  /** Runs `task` every `ms` of the node's clock until cancelled or the node crashes. */
  every(ms: number, task: () => unknown): () => void {
    if (!(ms > 0)) throw permanentError('sim.bad-interval', `a repeating timer needs a positive interval, got ${ms}`);
    let cancel = (): void => undefined;
    const tick = (): unknown => {
      cancel = this.after(ms, tick);
      return task();
    };
    cancel = this.after(ms, tick);
    return () => {
      cancel();
    };
  }

  /**
   * Runs `task` on this node's thread as soon as it is free, the way a request from outside the
   * simulation (a user, a test driver) reaches a node. Ignored while the node is crashed.
   */
  submit(task: () => unknown): void {
    this.runTask(task);
  }

  /** Waits for the first of the conditions in `condition`. One wait at a time per node. */
  wait(condition: WakeCondition): Promise<WakeReason> {
    if (condition.message === undefined && condition.predicate === undefined && condition.timeoutMs === undefined) {
      return Promise.reject(permanentError('sim.empty-wait', `node ${this.name} waits for nothing (give a message filter, a predicate or a timeout)`));
    }
    if (this.state !== 'running') {
      const why = this.state === 'waiting' ? 'began a second wait: a node waits for one thing at a time' : `was asked to wait while ${this.state}, outside its own tasks`;
      return Promise.reject(permanentError('sim.concurrent-wait', `node ${this.name} ${why}`));
    }
    const ready = this.readyReason(condition);
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const filter = condition.message;
      const info: WaitInfo = { node: this.name, ...definedFields({ from: filter?.from, label: filter?.label, description: condition.description }), since: this.now };
      const pending: PendingWait = { condition, info, resolve };
      this.pending = pending;
      this.state = 'waiting';
      this.release();
      if (condition.predicate !== undefined) this.host.watchPredicate(this);
      if (condition.timeoutMs !== undefined) {
        const incarnation = this.incarnation;
        this.host.scheduler.after(this.virtualDelay(condition.timeoutMs), () => {
          if (this.pending === pending && this.incarnation === incarnation) this.wake({ kind: 'timeout' });
        });
      }
    });
  }

  /** The next message matching `filter`; rejects with `sim.receive-timeout` after `timeoutMs`. */
  async receive(filter: MessageFilter & { readonly timeoutMs?: number; readonly description?: string } = {}): Promise<Envelope> {
    const { timeoutMs, description, ...message } = filter;
    const reason = await this.wait({ message, ...definedFields({ timeoutMs, description }) });
    if (reason.kind === 'message') return reason.envelope;
    this.host.trace?.recordLocal(this.now, this.name, { type: 'timeout', ...definedFields({ from: message.from, label: message.label, detail: description }) });
    throw transientError('sim.receive-timeout', `node ${this.name} received nothing${message.from === undefined ? '' : ` from ${message.from}`} within ${timeoutMs ?? 0} ms`);
  }

  /** Resolves after `ms` of this node's clock. */
  async sleep(ms: number): Promise<void> {
    await this.wait({ timeoutMs: Math.max(0, ms), description: `sleep ${ms} ms` });
  }

  /** Resolves true once `predicate` holds, or false after `timeoutMs` (if given). */
  async waitUntil(predicate: () => boolean, options: { readonly timeoutMs?: number; readonly description?: string } = {}): Promise<boolean> {
    const reason = await this.wait({ predicate, ...definedFields(options) });
    return reason.kind === 'predicate';
  }

  /** Records a local action in the trace. */
  local(detail: string): void {
    this.host.trace?.recordLocal(this.now, this.name, { type: 'local', detail });
  }

  /** Records a choice (a branch taken) in the trace. */
  choice(detail: string): void {
    this.host.trace?.recordLocal(this.now, this.name, { type: 'choice', detail });
  }

  /** What this node waits for, or `undefined` when it is not waiting. */
  waitInfo(): WaitInfo | undefined {
    return this.pending?.info;
  }

  /** Messages received but not yet taken. */
  get inboxSize(): number {
    return this.inbox.length;
  }

  /** Simulation side: a message arrives. */
  deliver(envelope: Envelope): void {
    this.inbox.push(envelope);
    const filter = this.pending?.condition.message;
    if (this.state === 'waiting' && filter !== undefined && matches(filter, envelope)) {
      this.inbox.pop();
      this.wake({ kind: 'message', envelope });
      return;
    }
    this.pump();
  }

  /** Simulation side: re-checks a waiting predicate; true when the node woke. */
  checkPredicate(): boolean {
    const predicate = this.pending?.condition.predicate;
    if (this.state !== 'waiting' || predicate === undefined || !predicate()) return false;
    this.wake({ kind: 'predicate' });
    return true;
  }

  /** True while the node waits on a predicate. */
  get waitsOnPredicate(): boolean {
    return this.state === 'waiting' && this.pending?.condition.predicate !== undefined;
  }

  /** Simulation side: starts the program (at start and after a restart). */
  start(): void {
    this.runTask(() => this.program(this));
  }

  /** Simulation side: the node stops; memory, inbox, timers and waits are gone. Storage stays. */
  crash(): void {
    if (this.counted) this.release();
    this.state = 'crashed';
    this.inbox = [];
    this.tasks = [];
    this.handler = undefined;
    this.pending = undefined;
    this.incarnation++;
  }

  /** Simulation side: the node comes back with fresh memory and effects, and runs its program. */
  restart(): void {
    this.state = 'idle';
    this.effects = this.freshEffects();
    this.start();
  }

  private freshEffects(): Effects {
    const random = this.random.fork(`incarnation:${this.incarnation}`);
    return {
      random,
      time: new NodeClock(this),
      logicalClock: new ReplicaLogicalClock(this.name),
      orderClock: new RandomOrderClock(random.fork('order-clock')),
      crypto: new Ed25519CryptoEffects(random.fork('crypto')),
      storage: this.storage,
    };
  }

  private virtualDelay(localMs: number): number {
    return localMs / (1 + this.skew.drift);
  }

  private readyReason(condition: WakeCondition): WakeReason | undefined {
    const filter = condition.message;
    if (filter !== undefined) {
      const index = this.inbox.findIndex((envelope) => matches(filter, envelope));
      if (index >= 0) return { kind: 'message', envelope: this.inbox.splice(index, 1)[0]! }; // index was found
    }
    if (condition.predicate?.() === true) return { kind: 'predicate' };
    return condition.timeoutMs !== undefined && condition.timeoutMs <= 0 ? { kind: 'timeout' } : undefined;
  }

  private wake(reason: WakeReason): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.state = 'running';
    this.host.scheduler.enter(this.name);
    this.counted = true;
    pending.resolve(reason);
  }

  private release(): void {
    if (!this.counted) return;
    this.counted = false;
    this.host.scheduler.leave(this.name);
  }

  private runTask(task: () => unknown): void {
    if (this.state === 'crashed') return;
    if (this.state !== 'idle') {
      this.tasks.push(task);
      return;
    }
    this.state = 'running';
    const incarnation = this.incarnation;
    let result: unknown;
    try {
      result = task();
    } catch (error) {
      this.host.nodeFailed(this, error);
      return;
    }
    if (!(result instanceof Promise)) {
      this.finishTask(incarnation);
      return;
    }
    if (this.isRunning() && !this.counted) {
      this.host.scheduler.enter(this.name);
      this.counted = true;
    }
    result.then(
      () => {
        this.finishTask(incarnation);
      },
      (error: unknown) => {
        if (this.incarnation === incarnation) this.host.nodeFailed(this, error);
      },
    );
  }

  /** Read through a method: a task may have changed the state since the caller last looked. */
  private isRunning(): boolean {
    return this.state === 'running';
  }

  private finishTask(incarnation: number): void {
    if (this.incarnation !== incarnation) return;
    this.release();
    this.state = 'idle';
    this.pump();
  }

  private pump(): void {
    while (this.state === 'idle') {
      const task = this.tasks.shift() ?? this.nextHandlerTask();
      if (task === undefined) return;
      this.runTask(task);
    }
  }

  private nextHandlerTask(): (() => unknown) | undefined {
    const handler = this.handler;
    if (handler === undefined) return undefined;
    const envelope = this.inbox.shift();
    return envelope === undefined ? undefined : () => handler(envelope);
  }
}

function matches(filter: MessageFilter, envelope: Envelope): boolean {
  return (
    (filter.from === undefined || filter.from === envelope.from) &&
    (filter.label === undefined || filter.label === envelope.label) &&
    (filter.match === undefined || filter.match(envelope))
  );
}

/** `fields` without its undefined entries (so optional fields stay absent, not `undefined`). */
export function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = value;
  return result as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A node's physical clock: virtual time through its skew; sleeping is a wait of its thread. */
class NodeClock implements PhysicalTimeEffects {
  constructor(private readonly node: SimNode) {}

  now(): PhysicalTime {
    return physicalTime(Math.max(0, this.node.localTimeMs()));
  }

  sleep(ms: number): Promise<void> {
    return this.node.sleep(ms);
  }
}

/** The {@link NetworkEffects} of a node: bytes to and from peers named by device id. */
class NodeNetwork implements NetworkEffects {
  constructor(
    private readonly node: SimNode,
    private readonly host: NodeHost,
  ) {}

  async send(peer: DeviceId, bytes: Uint8Array): Promise<void> {
    const to = this.host.nodeOfDevice(peer);
    if (to === undefined) throw transientError('sim.unknown-peer', `no simulated node has device ${peer}`);
    this.node.send(to, bytes.slice(), { size: bytes.byteLength });
  }

  async receive(): Promise<InboundMessage> {
    const envelope = await this.node.receive({ match: (candidate) => candidate.payload instanceof Uint8Array });
    const from = this.host.deviceOfNode(envelope.from);
    if (from === undefined) throw transientError('sim.unknown-peer', `no device for simulated node ${envelope.from}`);
    return { from, bytes: envelope.payload as Uint8Array };
  }
}
