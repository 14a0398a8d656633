/**
 * Driven role implementations: `runRole` walks the role's local type and calls the
 * implementation at each step — for the payload of each send, with each received payload, for
 * the label at each select, and for each local action — while the session monitor checks every
 * message both ways. Handlers may be synchronous or return a promise.
 *
 * Semantics (issue 4, "Semantics done right"): the parts of a `par` run concurrently (each part is
 * its own thread of the walk, started together); `rec` repeats for as many rounds as the choices
 * say; a gather proceeds after its quorum and drops the rest; a receive past its timeout stops
 * the session with `runtime.receive-timeout`, and the peers are told.
 *
 * @module
 */
import type { ProjectedProtocol, RoleName } from '../choreo/local-type.ts';
import type { SessionId } from '../core/identifiers.ts';
import { startError } from './errors.ts';
import { TypeRegistry } from './payload-codec.ts';
import { compileRole, type RoleProgram, type Step } from './program.ts';
import { HALTED, NOTHING, RoleSession, newCursor, type Cursor, type SessionOptions } from './session.ts';
import type { Transport } from './transport.ts';

/** A value, or a promise of it: every handler may be synchronous or asynchronous. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Handler types written as methods and taken out by index: TypeScript checks method parameters
 * bivariantly, so a generated handler typed for its own peers and payloads (`(to: "Bob")`) is
 * still a {@link RoleImpl}.
 */
interface HandlerSignatures {
  send(to: RoleName): unknown;
  recv(payload: unknown, from: RoleName): unknown;
  local(args: readonly string[]): unknown;
}

/** How a role behaves at the steps where its local type leaves it a say. */
export interface RoleImpl {
  /** The payload of each send, by message label (bare labels need none). */
  readonly send?: Readonly<Record<string, HandlerSignatures['send']>>;
  /** Consumes each received payload, by message label (optional per label). */
  readonly recv?: Readonly<Record<string, HandlerSignatures['recv'] | undefined>>;
  /** Picks one of `labels` at each select (required when the role ever selects). */
  select?(labels: readonly string[]): MaybePromise<string>;
  /** Runs each local action, by action name, with the argument text of the protocol. */
  readonly local?: Readonly<Record<string, HandlerSignatures['local']>>;
}

/** Options of {@link runRole}. */
export interface RunOptions extends SessionOptions {
  /** Codecs of named payload types (default: built-in types only). */
  readonly types?: TypeRegistry;
}

/** How a role's run finished. */
export interface RoleResult {
  /** The role. */
  readonly role: RoleName;
  /** The session. */
  readonly session: SessionId;
  /** `ended`: the role reached `end`; `bounded`: it stopped at its bound (`maxMessages`, `signal`) without a violation. */
  readonly status: 'ended' | 'bounded';
  /** Messages the role sent and received. */
  readonly messages: number;
}

/** The registry used when a run names none: built-in types only. */
export const BUILTIN_TYPES = new TypeRegistry();

/**
 * Runs `role` of `protocol` with `impl` over `transport` until it reaches `end`. Rejects with a
 * start error before joining the session when the implementation or options cannot serve the
 * local type, and otherwise with the error that stopped the session (a `ProtocolViolation`, an
 * abort by a peer, a timeout, or the implementation's own error).
 */
export async function runRole(protocol: ProjectedProtocol, role: RoleName, impl: RoleImpl, transport: Transport, options: RunOptions): Promise<RoleResult> {
  const program = compileRole(protocol, role, options.types ?? BUILTIN_TYPES);
  checkStart(program, options, impl);
  const session = new RoleSession(program, transport, options);
  const { signal } = options;
  const halt = signal === undefined ? undefined : session.halt.bind(session);
  if (signal !== undefined && halt !== undefined) {
    signal.addEventListener('abort', halt, { once: true });
    if (signal.aborted) halt();
  }
  try {
    await drive(session, impl, program.start, session.root);
    if (session.bounded) session.close();
    else session.finish();
    return { role, session: options.session, status: session.bounded ? 'bounded' : 'ended', messages: session.messages };
  } catch (error) {
    if (error === HALTED) return { role, session: options.session, status: 'bounded', messages: session.messages };
    throw session.abort(error);
  } finally {
    if (signal !== undefined && halt !== undefined) signal.removeEventListener('abort', halt);
  }
}

/** Checks, before a role joins a session, that its options can serve its local type. */
export function checkStart(program: RoleProgram, options: SessionOptions, impl?: RoleImpl): void {
  for (const name of program.hookNames) {
    if (options.extensions?.get(name) === undefined) {
      throw startError('unhandled-annotation', `role ${program.role} sends messages annotated ${name}, and no extension hook is registered for it`);
    }
  }
  if ((program.timeouts || options.receiveTimeoutMs !== undefined) && options.time === undefined) {
    throw startError('missing-time', `role ${program.role} has receive timeouts, so it needs a time effect (options.time)`);
  }
  if (impl === undefined || servesAll(program, impl)) return;
  const missing = [
    ...[...program.payloadSends].filter((label) => impl.send?.[label] === undefined).map((label) => `send.${label}`),
    ...[...program.actions].filter((action) => impl.local?.[action] === undefined).map((action) => `local.${action}`),
    ...(program.selects && impl.select === undefined ? ['select'] : []),
  ];
  if (missing.length > 0) throw startError('missing-handler', `the implementation of ${program.role} lacks ${missing.join(', ')}`);
}

/** True when `impl` has every handler `program` needs (the common case: checked without allocating). */
function servesAll(program: RoleProgram, impl: RoleImpl): boolean {
  if (program.selects && impl.select === undefined) return false;
  for (const label of program.payloadSends) if (impl.send?.[label] === undefined) return false;
  for (const action of program.actions) if (impl.local?.[action] === undefined) return false;
  return true;
}

async function drive(session: RoleSession, impl: RoleImpl, start: Step, cursor: Cursor): Promise<void> {
  let step = start;
  for (;;) {
    if (session.failure !== undefined) throw session.failure;
    if (session.bounded) return;
    switch (step.kind) {
      case 'send': {
        const handler = impl.send?.[step.label];
        let value = handler === undefined ? null : handler(step.to);
        if (value instanceof Promise) value = await value;
        const sent = session.send(step, value);
        if (sent !== undefined) await sent;
        step = step.next;
        break;
      }
      case 'recv': {
        let value = session.tryReceive(step, cursor);
        if (value === NOTHING) value = await session.receive(step, cursor);
        const done = impl.recv?.[step.label]?.(value, step.from);
        if (done instanceof Promise) await done;
        step = step.next;
        break;
      }
      case 'gather': {
        const got = step.peers.map(() => false);
        for (let count = 0; count < step.quorum; count++) {
          let item = session.tryGather(step, got, cursor);
          if (item === NOTHING) item = await session.gather(step, got, cursor);
          const done = impl.recv?.[step.label]?.(item.payload, item.from);
          if (done instanceof Promise) await done;
        }
        session.endGather(step, got);
        step = step.next;
        break;
      }
      case 'select': {
        // checkStart made sure a role that selects has `select`.
        let label = impl.select!(step.labels);
        if (label instanceof Promise) label = await label;
        step = session.choose(step, label);
        break;
      }
      case 'branch': {
        let label = session.tryOffer(step, cursor);
        if (label === NOTHING) label = await session.offer(step, cursor);
        // tryOffer only returns labels of this step's branches.
        step = step.branches.get(label)!;
        break;
      }
      case 'local': {
        // checkStart made sure every action has a handler.
        const done = impl.local![step.action]!(step.args);
        if (done instanceof Promise) await done;
        session.noteLocal(step.action);
        step = step.next;
        break;
      }
      case 'par': {
        session.enterPar(step);
        await Promise.all(step.branches.map((part) => drive(session, impl, part, newCursor())));
        session.leavePar();
        step = step.next;
        break;
      }
      case 'end':
        return;
    }
  }
}
