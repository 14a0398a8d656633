/**
 * Test and simulation support for the coordination protocols: an account of N devices, each with
 * its own replica of the journal (`DeviceJournal`, device-signed facts checked on admission), and
 * a simulation in which each device is a node that plays whichever role a session gives it
 * (`SimTransport` with a placement). Replicas live outside the nodes, as disks that survive a
 * node's crash.
 *
 * @module
 */
import type { RandomEffects, PhysicalTimeEffects } from '../core/effects.ts';
import { randomIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { Ed25519CryptoEffects } from '../handlers/ed25519-crypto.ts';
import { SeededRandom } from '../handlers/random.ts';
import { FactRegistry } from '../journal/fact-registry.ts';
import { emptyJournal } from '../journal/journal.ts';
import { TestAuthority } from '../journal/testing.ts';
import type { Transport } from '../runtime/transport.ts';
import type { SimNode } from '../sim/node.ts';
import { SimTransport } from '../sim/sim-transport.ts';
import { Simulation, type SimulationOptions } from '../sim/simulation.ts';
import { COORDINATION_FACT_TYPES } from './coordination-facts.ts';
import { DeviceJournal } from './coordination-journal.ts';

/** One device of a test account. */
export interface TestDevice {
  /** Which device. */
  readonly device: DeviceId;
  /** Its replica. */
  readonly journal: DeviceJournal;
  /** Its randomness. */
  readonly random: RandomEffects;
}

/** An account of `n` devices with empty replicas, seeded by `seed`. */
export function testAccount(n: number, seed: string): { readonly authority: TestAuthority; readonly devices: readonly TestDevice[]; readonly random: SeededRandom } {
  const random = new SeededRandom(seed);
  const crypto = new Ed25519CryptoEffects(random.fork('crypto'));
  const authority = new TestAuthority(crypto, random.fork('authority'), n);
  const context = { registry: new FactRegistry(COORDINATION_FACT_TYPES), crypto, keys: authority.keys(), local: true };
  const devices = [...authority.devices.keys()].map((device) => {
    const own = random.fork(device);
    return { device, journal: new DeviceJournal(emptyJournal(authority.authority), context, (draft) => authority.deviceSigned(draft, device), own), random: own };
  });
  return { authority, devices, random };
}

/** A simulation of devices: node `device` for each, roles placed per session. */
export class DeviceSimulation {
  /** The simulation. */
  readonly sim: Simulation;
  /** The transport every role uses. */
  readonly transport: Transport & SimTransport;
  private readonly placements = new Map<SessionId, ReadonlyMap<string, DeviceId>>();

  /** Adds a node per device, running `program` (after listening) at start and at each restart. */
  constructor(devices: readonly DeviceId[], options: SimulationOptions, program: (device: DeviceId, node: SimNode) => void = () => undefined) {
    this.sim = new Simulation(options);
    this.transport = new SimTransport(this.sim, undefined, (session, role) => this.placements.get(session)?.get(role) ?? role);
    for (const device of devices) {
      this.sim.addNode(device, (node) => {
        this.transport.listen(node);
        program(device, node);
      });
    }
  }

  /** A fresh session whose roles run on the given devices. */
  session(random: RandomEffects, roles: ReadonlyMap<string, DeviceId>): SessionId {
    const session = randomIdentifier('session', random);
    this.place(session, roles);
    return session;
  }

  /** Places the roles of `session` on devices (every member computes the same map, so the first one wins). */
  place(session: SessionId, roles: ReadonlyMap<string, DeviceId>): void {
    if (!this.placements.has(session)) this.placements.set(session, roles);
  }

  /** The node of `device`. */
  node(device: DeviceId): SimNode {
    return this.sim.node(device);
  }

  /** `device`'s clock, for its roles' timeouts and leases. */
  clock(device: DeviceId): PhysicalTimeEffects {
    return this.transport.clock(this.sim.node(device));
  }

  /** True while `device`'s node is up. */
  up(device: DeviceId): boolean {
    return this.sim.node(device).state !== 'crashed';
  }
}
