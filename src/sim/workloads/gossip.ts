/**
 * The gossip workload: epidemic dissemination with anti-entropy among many peers, a toy in the
 * style of Demers et al., "Epidemic algorithms for replicated database maintenance" (PODC 1987).
 *
 * Each peer holds a map key -> version in memory. Updates are originated at seeded random times
 * by random peers, which first write them to storage (so that an update survives its origin's
 * crash: a restarted peer reloads the updates it originated). A peer that learns something new forwards it as a rumor to `fanout` random
 * peers (rumor mongering); every `interval` ms it also sends a digest of its whole map to one
 * random peer, which merges it and answers with what the sender lacks (push-pull anti-entropy),
 * so updates lost to faults or crashes are repaired. Peers are reactive: all code runs in message
 * and timer handlers, synchronously, which is what the 100-node throughput benchmark measures.
 *
 * Checks: invariant `no-invented-values` (every version a peer holds was originated: corruption
 * breaks it); outcome `converged` (every live peer holds every update at the end).
 *
 * @module
 */
import { decodeCanonical, encodeCanonical } from '../../core/canonical.ts';
import { SeededRandom } from '../../handlers/random.ts';
import { RandomDraws } from '../draws.ts';
import type { Envelope } from '../envelope.ts';
import type { SimNode } from '../node.ts';
import type { Simulation } from '../simulation.ts';
import { SILENT_IMPL, type Workload, type WorkloadChecks, type WorkloadSetup } from '../workload.ts';

/** A map of key -> version, as carried in digests. */
type Entries = readonly (readonly [string, number])[];

/** Messages of the gossip workload. */
type GossipMessage =
  | { readonly kind: 'rumor'; readonly key: string; readonly version: number }
  | { readonly kind: 'digest'; readonly entries: Entries }
  | { readonly kind: 'push'; readonly entries: Entries };

const ROLE = 'peer';

/** The gossip workload. */
export const gossipWorkload: Workload = {
  name: 'gossip',
  description: 'rumor mongering with push-pull anti-entropy among many peers',
  roles: { [ROLE]: { impls: ['default', SILENT_IMPL], min: 1 } },
  params: { updates: 20, fanout: 3, interval: 50, spread: 500, horizon: 2000 },
  properties: { invariants: ['no-invented-values'], outcomes: ['converged'] },
  setup,
};

function setup(sim: Simulation, { participants, params }: WorkloadSetup): WorkloadChecks {
  const names = participants.map((participant) => participant.name);
  const peers = new Map<string, Peer>();
  const originated = new Map<string, number>();
  const draws = new RandomDraws(new SeededRandom(sim.seed).fork('workload:gossip'));
  const fanout = Math.min(param(params, 'fanout'), names.length - 1);
  const interval = param(params, 'interval');
  const horizon = param(params, 'horizon');
  for (const participant of participants) {
    sim.addNode(participant.name, participant.impl === SILENT_IMPL ? () => undefined : async (node) => {
      const peer = runPeer(node, names, fanout, interval, horizon);
      peers.set(node.name, peer);
      await peer.recover();
    });
  }
  for (let i = 0; i < param(params, 'updates'); i++) {
    const origin = draws.pick(names);
    const key = `k${i}`;
    sim.at(draws.float() * param(params, 'spread'), () => {
      const peer = peers.get(origin);
      if (sim.node(origin).state === 'crashed' || peer === undefined) return;
      originated.set(key, 1);
      sim.node(origin).submit(() => peer.originate(key));
    });
  }
  return {
    invariants: {
      'no-invented-values': () => {
        for (const [name, peer] of peers) {
          for (const [key, version] of peer.state) if (originated.get(key) !== version) return `${name} holds ${key}@${version}, which nobody originated`;
        }
        return true;
      },
    },
    outcomes: {
      converged: () => {
        for (const participant of participants) {
          if (participant.impl === SILENT_IMPL || sim.node(participant.name).state === 'crashed') continue;
          const state = peers.get(participant.name)?.state;
          const missing = [...originated.keys()].filter((key) => state?.get(key) === undefined);
          if (missing.length > 0) return `${participant.name} lacks ${missing.length} of ${originated.size} updates (first: ${missing[0] ?? ''})`;
        }
        return true;
      },
    },
  };
}

function param(params: Readonly<Record<string, number>>, name: string): number {
  return params[name] ?? gossipWorkload.params[name] ?? 0;
}

/** A running peer: its state in memory, and what it does on its node's thread. */
interface Peer {
  /** Key -> version, in memory. */
  readonly state: ReadonlyMap<string, number>;
  /** Stores a new update, then spreads it. */
  originate(key: string): Promise<void>;
  /** Reloads the updates this peer originated (after a restart). */
  recover(): Promise<void>;
}

/** Storage key of an update a peer originated. */
const OWN = 'gossip/own/';

/** Starts one peer. */
function runPeer(node: SimNode, names: readonly string[], fanout: number, interval: number, horizon: number): Peer {
  const state = new Map<string, number>();
  const peers = names.filter((name) => name !== node.name);
  const draws = new RandomDraws(node.effects.random);
  const pool = peers.slice();
  // A partial Fisher-Yates shuffle of `pool`: `count` distinct peers in `count` draws.
  const randomPeers = (count: number): string[] => {
    for (let i = 0; i < count; i++) {
      const j = i + draws.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!]; // i <= j < length
    }
    return pool.slice(0, count);
  };
  const learn = (key: string, version: number): boolean => {
    if ((state.get(key) ?? 0) >= version) return false;
    state.set(key, version);
    return true;
  };
  const entries = (): Entries => [...state];
  const spread = (key: string, version: number): void => {
    if (learn(key, version)) for (const peer of randomPeers(fanout)) node.send(peer, { kind: 'rumor', key, version }, { label: 'rumor', size: 32 });
  };
  node.onMessage((envelope: Envelope) => {
    const message = envelope.payload as GossipMessage;
    switch (message.kind) {
      case 'rumor':
        spread(message.key, message.version);
        return;
      case 'digest': {
        const theirs = new Map(message.entries);
        for (const [key, version] of message.entries) learn(key, version);
        const lacking = entries().filter(([key, version]) => (theirs.get(key) ?? 0) < version);
        if (lacking.length > 0) node.send(envelope.from, { kind: 'push', entries: lacking }, { label: 'push', size: 16 * lacking.length });
        return;
      }
      case 'push':
        for (const [key, version] of message.entries) learn(key, version);
        return;
    }
  });
  if (peers.length > 0) {
    const stop = node.every(interval, () => {
      if (node.now > horizon) {
        stop();
        return;
      }
      node.send(draws.pick(peers), { kind: 'digest', entries: entries() }, { label: 'digest', size: 16 * state.size });
    });
  }
  return {
    state,
    originate: async (key) => {
      node.local(`originate ${key}`);
      await node.effects.storage.put(OWN + key, encodeCanonical(1));
      spread(key, 1);
    },
    recover: async () => {
      const storage = node.effects.storage;
      for (const entry of await storage.list(OWN)) {
        const stored = await storage.get(entry);
        if (stored !== undefined) learn(entry.slice(OWN.length), decodeCanonical(stored) as number);
      }
    },
  };
}
