import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { pingPong, vote } from '../../test/support/protocols.ts';
import { gather, jump, protocol, rec, recv, send, seq } from './builder.ts';
import { TypeRegistry } from './payload-codec.ts';
import { compileRole, describeStep } from './program.ts';

const types = new TypeRegistry();

function refuses(local: Parameters<typeof protocol>[1], message: RegExp): void {
  assert.throws(() => compileRole(protocol('Bad', local), 'A', types), (error: unknown) => isAuraError(error, 'runtime.bad-local-type') && message.test(error.message), String(message));
}

test('continue jumps straight back to its rec, so a loop is a cycle in the step graph', () => {
  const program = compileRole(pingPong, 'Alice', types);
  const start = program.start;
  assert.ok(start.kind === 'select');
  const ping = start.branches.get('more');
  assert.ok(ping?.kind === 'send');
  assert.equal(ping.next.kind === 'recv' ? ping.next.next : undefined, start);
  assert.equal(compileRole(pingPong, 'Alice', types), program, 'compiled once per protocol object');
});

test('the receives of one gather become one step with their quorum', () => {
  const program = compileRole(vote, 'Coordinator', types);
  const step = program.steps.find((candidate) => candidate.kind === 'gather');
  assert.ok(step?.kind === 'gather');
  assert.deepEqual([step.members, step.quorum, describeStep(step)], [['W[0]', 'W[1]', 'W[2]'], 2, 'gather Vote from 2 of W[0], W[1], W[2]']);
});

test('broken local types are refused before anything runs', () => {
  refuses({ A: seq(rec('L', jump('L'))), B: seq() }, /unguarded recursion/);
  refuses({ A: seq(send('B', 'M'), jump('K')), B: seq() }, /continue K outside/);
  refuses({ A: seq(send('Z', 'M')), B: seq() }, /unknown role Z/);
  refuses({ A: seq(send('A', 'M')), B: seq() }, /itself/);
  refuses({ A: seq(gather(['B', 'C'], 'V', undefined, 3)), B: seq(), C: seq() }, /quorum 3 over 2/);
  assert.throws(() => compileRole(protocol('Bad', { A: seq(recv('B', 'M', undefined, { timeout_ms: -5 })), B: seq() }), 'A', types), (error: unknown) =>
    isAuraError(error, 'runtime.bad-annotation'),
  );
});
