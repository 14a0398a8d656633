/** Benchmarks of the foundation: canonical encoding + CID of a fact, and the seeded RNG. */
import { createHash } from 'node:crypto';
import { contentId } from '../src/core/content-id.ts';
import { identifierFromBytes } from '../src/core/identifiers.ts';
import { NodeRandom, SeededRandom } from '../src/handlers/random.ts';
import { microsPerOpSync, perSecond, type Benchmark } from './harness.ts';

/** A typical fact: a device-added fact with a public key, a signature and metadata. */
function typicalFact(i: number): unknown {
  const seeded = new SeededRandom(i);
  return {
    typeId: 'tree.add-leaf',
    schemaVersion: 1,
    payload: { device: identifierFromBytes('device', seeded.randomBytes(32)), publicKey: seeded.randomBytes(32), epoch: i, role: 'device' },
    attestation: { kind: 'threshold', signature: seeded.randomBytes(64) },
    metadata: { author: identifierFromBytes('authority', seeded.randomBytes(32)), createdAt: 1_700_000_000_000 + i },
  };
}

/** JSON can't carry bytes; the baseline encodes them as hex, as a JSON-based system would. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
}

const facts = Array.from({ length: 1000 }, (_, i) => typicalFact(i));
let cursor = 0;
const nextFact = (): unknown => facts[cursor++ % facts.length];

export const benchmarks: Benchmark[] = [
  {
    name: 'core/content-id of a fact',
    unit: 'µs/op',
    measure: () => microsPerOpSync(5000, () => contentId(nextFact())),
    baseline: {
      name: 'JSON.stringify + SHA-256',
      measure: () => microsPerOpSync(5000, () => createHash('sha256').update(JSON.stringify(nextFact(), jsonReplacer)).digest()),
    },
  },
  {
    name: 'core/seeded RNG',
    unit: 'MiB/s',
    measure: () => {
      const random = new SeededRandom('bench');
      return perSecond(1, () => {
        for (let i = 0; i < 16 * 16; i++) random.randomBytes(4096);
      });
    },
    baseline: {
      name: 'node crypto.randomFillSync',
      measure: () => {
        const random = new NodeRandom();
        return perSecond(1, () => {
          for (let i = 0; i < 16 * 16; i++) random.randomBytes(4096);
        });
      },
    },
  },
  {
    name: 'core/seeded RNG, 32-byte draws',
    unit: 'µs/op',
    measure: () => {
      const random = new SeededRandom('bench-small');
      return microsPerOpSync(50_000, () => random.randomBytes(32));
    },
    baseline: {
      name: 'node crypto.randomFillSync',
      measure: () => {
        const random = new NodeRandom();
        return microsPerOpSync(50_000, () => random.randomBytes(32));
      },
    },
  },
];
