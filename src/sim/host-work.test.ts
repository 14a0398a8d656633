import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HPKE_INFO, generateHpkeKeyPair, hpkeOpenValue, hpkeSealValue, type HpkeKeyPair, type SealedBox } from '../crypto/hpke.ts';
import { SeededRandom } from '../handlers/random.ts';
import { hostWorkInFlight } from './host-work.ts';
import { Simulation } from './simulation.ts';
import { traceText } from './trace.ts';

const RING = ['A', 'B', 'C'];
const HOPS = 12;

interface RingRun {
  readonly trace: string;
  /** Virtual time of each hop's arrival and of the relay it caused. */
  readonly hops: readonly { readonly arrived: number; readonly relayed: number }[];
}

/**
 * A token travels a ring of three nodes, HPKE-sealed to each next node. Each node opens and
 * reseals it in plain promise callbacks, outside its node thread, as a choreography role does
 * over the simulated transport: only the host-work wait keeps that code at the arrival's virtual time.
 */
async function ringRun(seed: number): Promise<RingRun> {
  const random = new SeededRandom(seed);
  const keys = new Map<string, HpkeKeyPair>();
  for (const name of RING) keys.set(name, await generateHpkeKeyPair(random.fork(name)));
  const key = (name: string): HpkeKeyPair => {
    const pair = keys.get(name);
    if (pair === undefined) throw new Error(`no key for ${name}`);
    return pair;
  };
  const next = (name: string): string => RING[(RING.indexOf(name) + 1) % RING.length] ?? 'A';
  const sim = new Simulation({ seed, trace: true, network: { defaults: { latency: { kind: 'uniform', min: 1, max: 30 }, loss: 0, duplicate: 0, corrupt: 0, bandwidth: 0, reorder: true }, links: [] } });
  const hops: { arrived: number; relayed: number }[] = [];
  const relay = async (name: string, box: SealedBox, sealer: SeededRandom): Promise<void> => {
    const arrived = sim.scheduler.now;
    const hop = (await hpkeOpenValue(key(name).secretKey, box, HPKE_INFO.repair)) as number;
    if (hop >= HOPS) return;
    const sealed = await hpkeSealValue(key(next(name)).publicKey, hop + 1, HPKE_INFO.repair, sealer);
    hops.push({ arrived, relayed: sim.scheduler.now });
    sim.node(name).send(next(name), sealed);
  };
  for (const name of RING) {
    const sealer = random.fork(`seal ${name}`);
    sim.addNode(name, (node) => {
      node.onMessage((envelope) => {
        sim.scheduler.requestDrain();
        void relay(name, envelope.payload as SealedBox, sealer);
      });
    });
  }
  const first = await hpkeSealValue(key('A').publicKey, 0, HPKE_INFO.repair, random.fork('first'));
  sim.at(0, () => {
    sim.node('C').send('A', first);
  });
  await sim.run();
  return { trace: traceText({ type: 'header', version: 1, seed, config: null }, sim.trace?.events ?? []), hops };
}

test('code awaiting HPKE runs to its next wait before virtual time moves: the same seed gives a byte-identical trace', async () => {
  const first = await ringRun(5);
  assert.equal(first.hops.length, HOPS, 'every hop relayed');
  for (const hop of first.hops) assert.equal(hop.relayed, hop.arrived, 'sealing takes no virtual time');
  assert.equal((await ringRun(5)).trace, first.trace);
  assert.notEqual((await ringRun(6)).trace, first.trace);
  assert.equal(hostWorkInFlight(), 0);
});
