/**
 * Benchmark of the choreography checker (issue 3): parse + validate + project every role of a
 * generated protocol with 10,000 statements and 16 roles (nested choices, loops, a family), target
 * under 150 ms median; the same at 1,000 statements is the baseline, and the ratio shows how the
 * cost grows (near-linear growth gives a ratio near 10).
 */
import { checkChoreography } from '../src/choreo/check.ts';
import { hasErrors } from '../src/choreo/diagnostic.ts';
import { millisOf, type Benchmark } from './harness.ts';

const SINGLES = Array.from({ length: 12 }, (_, i) => `R${i}`);
const FAMILY_SIZE = 4;

/**
 * A well-formed protocol of about `statements` statements over 12 roles and a family `W[4]`:
 * rounds of messages, choices whose branches inform their participants first (some nested),
 * decided loops, counted loops, scatter/gather over the family.
 */
export function generateProtocol(statements: number): string {
  const lines: string[] = [];
  let count = 0;
  let block = 0;
  const role = (i: number): string => SINGLES[i % SINGLES.length] ?? 'R0';
  const emit = (line: string, indent: number): void => {
    lines.push(`${'  '.repeat(indent)}${line}`);
    count++;
  };
  while (count < statements) {
    const b = block++;
    const [a, x, y, z] = [role(b), role(b + 3), role(b + 5), role(b + 7)];
    switch (b % 5) {
      case 0:
        for (let i = 0; i < 8; i++) emit(`${role(b + i)} -> ${role(b + i + 1)}: Step${i}(n: u64);`, 1);
        break;
      case 1:
        emit(`choice ${a} {`, 1);
        emit(`  ok: {`, 1);
        emit(`${a} -> ${x}, ${y}: Ok;`, 3);
        emit(`choice ${x} {`, 3);
        emit(`  fast: { ${x} -> ${y}: Fast; ${y} -> ${z}: Go; }`, 3);
        emit(`  slow: { ${x} -> ${y}: Slow; ${y} -> ${z}: Go; ${z} -> ${y}: Ack; }`, 3);
        emit(`}`, 3);
        emit(`${y} -> ${a}: Done;`, 3);
        emit(`  }`, 1);
        emit(`  fail: { ${a} -> ${x}, ${y}: Fail; ${y} -> ${z}: Go; ${y} -> ${a}: Done; }`, 1);
        emit(`}`, 1);
        break;
      case 2:
        emit(`loop (decides: ${a}) {`, 1);
        emit(`${a} -> ${x}: Item(data: bytes);`, 2);
        emit(`${x} -> ${y}: Forward(data: bytes);`, 2);
        emit(`${y}: Store(data);`, 2);
        emit(`}`, 1);
        emit(`${a} -> ${x}: End;`, 1);
        emit(`${x} -> ${y}: End;`, 1);
        break;
      case 3:
        emit(`${a} -> W[*]: Job(part: [bytes]);`, 1);
        emit(`for i in W {`, 1);
        emit(`W[i] -> ${a}: Part(counts: Map<string, u64>);`, 2);
        emit(`}`, 1);
        emit(`W[*][quorum = 3] -> ${x}: Vote(ok: bool);`, 1);
        break;
      default:
        emit(`loop (count: 2) {`, 1);
        emit(`${a} -> ${z}: Tick;`, 2);
        emit(`${z} -> ${a}: Tock;`, 2);
        emit(`}`, 1);
    }
  }
  return `protocol Generated {\n  roles: ${SINGLES.join(', ')}, W[${FAMILY_SIZE}];\n${lines.join('\n')}\n}\n`;
}

function wellFormed(statements: number): string {
  const text = generateProtocol(statements);
  const result = checkChoreography(text, 'generated.choreo');
  if (hasErrors(result.diagnostics) || result.protocols[0]?.instances[0]?.roles.length !== SINGLES.length + FAMILY_SIZE) {
    throw new Error(`the generated protocol is not well-formed: ${result.diagnostics.map((diagnostic) => diagnostic.message).join('; ')}`);
  }
  return text;
}

/** Wall time of one check. */
function checker(statements: number): () => Promise<number> {
  const text = wellFormed(statements);
  return () => millisOf(() => checkChoreography(text, 'generated.choreo'));
}

/** CPU time (user + system, all threads) of one check: less sensitive to other processes on a shared machine. */
function cpuChecker(statements: number): () => number {
  const text = wellFormed(statements);
  return () => {
    const start = process.cpuUsage();
    checkChoreography(text, 'generated.choreo');
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'choreo/check + project 10k statements, 16 roles',
    unit: 'ms',
    target: '<= 150 ms; the 1k baseline >= 8x faster',
    samples: 11,
    measure: checker(10_000),
    baseline: { name: '1k statements', measure: checker(1_000) },
  },
  {
    name: 'choreo/check + project 10k statements, 16 roles (CPU time)',
    unit: 'ms CPU',
    target: 'the same, as CPU time',
    samples: 11,
    measure: cpuChecker(10_000),
    baseline: { name: '1k statements', measure: cpuChecker(1_000) },
  },
];
