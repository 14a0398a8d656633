/**
 * Benchmarks of the coordination protocols (issue 10): the decentralized lottery among 7
 * participants end to end over the in-memory runtime (every participant's role run by the runtime
 * against `MemoryTransport`: commit-reveal, the winner broadcast, every check), beside its bare
 * computation (the same commitments made, every transcript opened and the winner drawn by each
 * participant, with no runtime), so the ratio is the protocol's overhead.
 *
 * @module
 */
import { randomIdentifier } from '../src/core/identifiers.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { commitmentOf, openTranscript } from '../src/protocols/commit-reveal.ts';
import { drawWinner, lotteryContext, LOTTERY_VALUE_LENGTH, runLottery } from '../src/protocols/lottery.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import { millisOf, type Benchmark } from './harness.ts';

const random = new SeededRandom('coordination-bench');
const members = Array.from({ length: 7 }, () => randomIdentifier('device', random));

async function lotteryOfSeven(): Promise<void> {
  const setup = { members, session: randomIdentifier('session', random) };
  const transport = new MemoryTransport();
  await Promise.all(members.map((device) => runLottery(setup, { device, random }, transport)));
}

function bareCommitRevealOfSeven(): void {
  const setup = { members, session: randomIdentifier('session', random) };
  const context = lotteryContext(setup);
  const reveals = members.map(() => ({ value: random.randomBytes(LOTTERY_VALUE_LENGTH), blinding: random.randomBytes(32) }));
  const transcript = { commitments: members.map((m, k) => commitmentOf(context, m, reveals[k]!)), reveals }; // one reveal per member
  for (let k = 0; k < members.length; k++) drawWinner(setup, openTranscript(context, transcript).values);
}

/** The coordination benchmarks. */
export const benchmarks: Benchmark[] = [
  {
    name: 'coordination/lottery among 7 over the in-memory runtime',
    unit: 'ms',
    measure: () => millisOf(lotteryOfSeven),
    baseline: { name: 'coordination/bare commit-reveal and draw for 7 (no runtime)', measure: () => millisOf(bareCommitRevealOfSeven) },
    target: 'median printed (issue 10)',
  },
];
