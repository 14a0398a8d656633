/**
 * The choreography runtime's `Transport` over the simulated network: a thin adapter, so that real
 * role code (`runRole`) runs unchanged under virtual time, seeded randomness, faults and
 * adversaries. Each role is a simulated node of the same name; a frame travels as its canonical
 * bytes (`encodeFrame`), so corruption on a link is caught by the strict decoder or the session
 * monitor exactly as on a real network.
 *
 * Routing: a node's link carries frames of every session it takes part in; an arrival goes to the
 * port of the session named inside the frame (held until that port opens, when some role has
 * opened a port in that session: the node may join it later, as a protocol's next attempt does),
 * or, when the frame names a session no role ever opened and the node has a single port open (and
 * no placement spreads it over sessions), to that port (the monitor compares the two and rejects a
 * mismatch). Bytes that
 * are no frame fail every port open on that node: the simulated link cannot say which session
 * they belonged to.
 *
 * Role code is not run on the node's thread: its continuations are plain promise callbacks. Each
 * arrival and each timer of a role asks the scheduler to let the microtask queue run dry before
 * the next event (`Scheduler.requestDrain`), so the role reaches its next wait at the same virtual
 * time and the run stays a function of the seed. See `docs/simulator.md`.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { permanentError, toAuraError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';
import { decodeFrame, encodeFrame } from '../runtime/envelope-codec.ts';
import type { Frame } from '../runtime/frame.ts';
import type { Port, Receiver, Transport } from '../runtime/transport.ts';
import type { Envelope } from './envelope.ts';
import type { SimNode } from './node.ts';
import type { Simulation } from './simulation.ts';

/** One role's endpoint in one session. */
interface Endpoint {
  /** Where frames go once the role has opened its port. */
  receiver: Receiver | undefined;
  /** Frames that arrived before the role opened its port. */
  readonly held: Frame[];
  /** The node incarnation that opened the port: a restarted node opens afresh. */
  incarnation: number;
  /** True once the port closed: later frames are dropped. */
  closed: boolean;
  /** The node the role runs on. */
  readonly node: string;
}

/** Which node plays `role` in `session` (the default: the node named like the role). */
export type RolePlacement = (session: SessionId, role: RoleName) => string;

/**
 * The runtime's transport over a {@link Simulation}'s network: role `R` is node `R`, or, with a
 * placement, the node it names (so one node, a device, plays different roles in different sessions).
 */
export class SimTransport implements Transport {
  private readonly endpoints = new Map<string, Endpoint>();
  /** Every session some role opened a port in: a frame naming one of them is held for its port. */
  private readonly sessions = new Set<SessionId>();

  constructor(
    private readonly sim: Simulation,
    /** Largest frame a role accepts, in bytes (the decoder's limit). */
    private readonly maxFrameBytes?: number,
    /** Where each role runs (default: node `R` for role `R`). */
    private readonly placement?: RolePlacement,
  ) {}

  /**
   * Makes `node` hand its arrivals to the ports of its role. Call it from the node's program, so
   * that a restarted node listens again.
   */
  listen(node: SimNode): void {
    node.onMessage((envelope) => {
      this.arrive(node, envelope);
    });
  }

  open(session: SessionId, role: RoleName, receiver: Receiver): Port {
    const node = this.sim.node(this.nodeOf(session, role));
    this.sessions.add(session);
    const endpoint = this.endpoint(session, role);
    if (endpoint.receiver !== undefined && endpoint.incarnation === node.incarnation) {
      throw permanentError('transport.already-open', `role ${role} already has a port in session ${session}`);
    }
    endpoint.receiver = receiver;
    endpoint.closed = false;
    endpoint.incarnation = node.incarnation;
    for (const frame of endpoint.held.splice(0)) receiver.deliver(frame);
    const incarnation = node.incarnation;
    const live = (): boolean => endpoint.receiver === receiver && node.incarnation === incarnation && node.state !== 'crashed';
    return {
      send: (frame) => {
        // A crashed incarnation's code lingers as unsettled promises; what it sends is lost with it.
        if (!live()) return undefined;
        const bytes = encodeFrame(frame);
        node.send(this.nodeOf(session, frame.to), bytes, { size: bytes.byteLength, label: frame.kind === 'message' ? frame.label : 'abort' });
        return undefined;
      },
      close: () => {
        if (!live()) return;
        endpoint.receiver = undefined;
        endpoint.closed = true;
      },
    };
  }

  /** Time for `node`'s role: its skewed clock; sleeping is a timer of the node. */
  clock(node: SimNode): PhysicalTimeEffects {
    const scheduler = this.sim.scheduler;
    return {
      now: () => node.effects.time.now(),
      sleep: (ms) =>
        new Promise((resolve) => {
          node.after(ms, () => {
            resolve();
            scheduler.requestDrain();
          });
        }),
    };
  }

  private nodeOf(session: SessionId, role: RoleName): string {
    return this.placement === undefined ? role : this.placement(session, role);
  }

  private endpoint(session: SessionId, role: RoleName): Endpoint {
    const key = `${session} ${role}`;
    let endpoint = this.endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = { receiver: undefined, held: [], incarnation: -1, closed: false, node: this.nodeOf(session, role) };
      this.endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  private arrive(node: SimNode, envelope: Envelope): void {
    this.sim.scheduler.requestDrain();
    const open = this.openEndpoints(node);
    let frame: Frame;
    try {
      frame = decodeFrame(envelope.payload as Uint8Array, this.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.maxFrameBytes });
    } catch (error) {
      const failure = toAuraError(error);
      for (const endpoint of open) endpoint.receiver?.fail(failure);
      return;
    }
    // Without a placement the node is the role; with one, the frame names its role (the monitor
    // checks that it is the port's).
    const named = this.endpoint(frame.session, this.placement === undefined ? node.name : frame.to);
    // A session no role ever opened (a damaged id) goes to a node's single open port, whose monitor
    // rejects it; a session some role opened is one this node may still join: its frames wait. A
    // node placed in several sessions routes strictly by the session.
    const target = this.placement === undefined && named.receiver === undefined && open.length === 1 && !this.sessions.has(frame.session) ? open[0]! : named; // length checked
    if (target.closed) return;
    if (target.receiver === undefined) target.held.push(frame);
    else target.receiver.deliver(frame);
  }

  private openEndpoints(node: SimNode): Endpoint[] {
    const open: Endpoint[] = [];
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.receiver !== undefined && endpoint.incarnation === node.incarnation && endpoint.node === node.name) open.push(endpoint);
    }
    return open;
  }
}
