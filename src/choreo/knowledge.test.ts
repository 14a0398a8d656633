// Choice knowledge: which messages carry branch labels, and moving the informing prefix into branches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GNode } from './global-type.ts';
import { instantiate } from './instantiate.ts';
import { absorbInformingPrefix, analyzeKnowledge } from './knowledge.ts';
import { parseFile } from './parser.ts';

function analyzed(text: string) {
  const { ast } = parseFile(text, 'k.choreo');
  const protocol = ast.protocols[0];
  assert.ok(protocol);
  const global = instantiate(protocol, {}, new Map([[protocol.name, protocol]]), protocol.name).protocol;
  assert.ok(global);
  const body = absorbInformingPrefix(global.body);
  return { body, knowledge: analyzeKnowledge(body, global.choiceCount) };
}

function tagged(nodes: readonly GNode[]): string[] {
  return nodes.flatMap((node): string[] => {
    if (node.kind === 'msg') return node.tags.length > 0 ? [`${node.from}->${node.to}:${node.label}[${node.tags.map((tag) => tag.label).join('.')}]`] : [];
    if (node.kind === 'choice') return node.branches.flatMap((branch) => tagged(branch.body));
    if (node.kind === 'rec') return tagged(node.body);
    if (node.kind === 'par') return node.branches.flatMap(tagged);
    return [];
  });
}

test('the first message from a knower to each other role carries the label; knowledge propagates', () => {
  const { body, knowledge } = analyzed('protocol K { roles: A, B, C; choice A { l: { A -> B: X; A -> B: Again; B -> C: Y; C -> A: Z; } } }');
  assert.deepEqual(tagged(body), ['A->B:X[l]', 'B->C:Y[l]']);
  assert.deepEqual([...(knowledge.informed[0]?.[0] ?? [])].sort(), ['A', 'B', 'C']);
});

test('a message opening nested choices of the same chooser carries every label, outermost first', () => {
  const { body } = analyzed('protocol N { roles: A, B; choice A { o: { choice A { i: { A -> B: M; } } } } }');
  assert.deepEqual(tagged(body), ['A->B:M[o.i]']);
});

test('messages inside a nested loop do not inform of an outer choice', () => {
  const { knowledge } = analyzed('protocol L { roles: A, B; choice A { l: { rec R { A -> B: M; choice A { again: { A -> B: N; continue R; } stop: { A -> B: S; } } } } } }');
  assert.deepEqual([...(knowledge.informed[0]?.[0] ?? [])], ['A']);
});

test('the message right after a decided loop moves into its done branch and informs there', () => {
  const { body } = analyzed('protocol S { roles: P, C; loop (decides: P) { P -> C: Chunk; } P -> C: End; C -> P: Ack; }');
  assert.equal(body.length, 2, 'End moved into the loop, Ack stays after it');
  assert.deepEqual(tagged(body), ['P->C:Chunk[continue]', 'P->C:End[done]']);
});
