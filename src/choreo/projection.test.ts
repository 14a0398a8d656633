// Projection: the rules of LANGUAGE.md, the defects of earlier implementations that must not
// come back, and the soundness property (accepted protocols run jointly to the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { protocolText } from '../../test/support/choreo-arbitraries.ts';
import { SeededRandom } from '../handlers/random.ts';
import { checkChoreography, loadProtocol } from './check.ts';
import { executeJointly } from './joint-execution.ts';
import type { LocalType } from './local-type.ts';
import { printLocalType } from './print-local.ts';

function locals(text: string, protocol?: string): Record<string, LocalType> {
  const loaded = loadProtocol(text, 't.choreo', protocol === undefined ? {} : { protocol });
  assert.ok(loaded.projected, JSON.stringify(loaded.diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.message}`)));
  return loaded.projected.locals;
}

function codes(text: string): string[] {
  return checkChoreography(text, 't.choreo').diagnostics.map((diagnostic) => diagnostic.code);
}

function show(type: LocalType | undefined): string {
  assert.ok(type);
  return printLocalType(type);
}

test('statements after a choice, a loop, a parallel and a call are kept', () => {
  const text = `protocol Sub { roles: X, Y; X -> Y: InSub; }
  protocol P {
    roles: A, B;
    choice A { l: { A -> B: L; } r: { A -> B: R; } }
    A -> B: AfterChoice;
    loop (count: 2) { B -> A: Tick; }
    A -> B: AfterLoop;
    parallel { A -> B: P1; | B -> A: P2; }
    A -> B: AfterParallel;
    call Sub(X as A, Y as B);
    A -> B: AfterCall;
  }`;
  const b = show(locals(text, 'P')['B']);
  for (const label of ['AfterChoice', 'Tick', 'AfterLoop', 'AfterParallel', 'InSub', 'AfterCall']) assert.match(b, new RegExp(label));
  assert.equal(b.match(/recv A: AfterCall/g)?.length, 2, 'one copy in each branch of the choice');
});

test('end is not neutral in a merge: a role that stops in one branch and receives in another is rejected', () => {
  assert.deepEqual(codes('protocol P { roles: A, B, C; choice A { l: { A -> B: L; A -> C: Extra; } r: { A -> B: R; } } }'), ['E022']);
});

test('family members are distinct roles with their own projections', () => {
  const projected = locals('protocol F { roles: M, W[2]; M -> W[0]: Only0; M -> W[1]: Only1; }');
  assert.equal(show(projected['W[0]']), 'recv M: Only0;\nend');
  assert.equal(show(projected['W[1]']), 'recv M: Only1;\nend');
  assert.deepEqual(codes('protocol F { roles: W[2]; W[0] -> W[1]: M; }'), []);
});

test('plain ping-pong is not a deadlock', () => {
  assert.deepEqual(codes('protocol P { roles: A, B; A -> B: Ping; B -> A: Pong; A -> B: Ping; B -> A: Pong; }'), []);
});

test('validation recurses into branches, loops and parallel parts', () => {
  assert.deepEqual(codes('protocol P { roles: A, B; choice A { l: { A -> Nobody: M; } } }'), ['E010']);
  assert.deepEqual(codes('protocol P { roles: A, B; loop (count: 1) { parallel { A -> B: M; | A[bogus = 1] -> B: N; } } }'), ['E020']);
  assert.deepEqual(codes('protocol P { roles: A, B; choice A { l: { choice A { m: { A -> A: M; } } } } }'), ['E013']);
});

test('cyclic calls are an error, not an endless expansion', () => {
  assert.deepEqual(codes('protocol P { roles: A, B; A -> B: M; call P; }'), ['E019']);
});

test('rec is dropped for roles that do not occur in it', () => {
  const projected = locals('protocol R { roles: A, B, C; rec L { choice A { more: { A -> B: More; continue L; } stop: { A -> B: Stop; } } } B -> C: Done; }');
  assert.match(show(projected['B']), /^rec L \{/);
  assert.equal(show(projected['C']), 'recv B: Done;\nend');
});

test('the chooser\'s first message carries every label of nested choices, outermost first, and the receiver nests one branch per choice', () => {
  const projected = locals('protocol N { roles: A, B; choice A { outer: { choice A { inner: { A -> B: M; } other: { A -> B: M; } } } no: { A -> B: N; } } }');
  const a = projected['A'];
  assert.ok(a?.kind === 'select');
  const outer = a.branches['outer'];
  assert.ok(outer?.kind === 'select');
  const send = outer.branches['inner'];
  assert.ok(send?.kind === 'send');
  assert.deepEqual(send.choice, ['outer', 'inner']);
  assert.equal(show(projected['B']), ['branch from A {', '  outer: {', '    branch from A {', '      inner: {', '        recv A: M;', '        end', '      }', '      other: {', '        recv A: M;', '        end', '      }', '    }', '  }', '  no: {', '    recv A: N;', '    end', '  }', '}'].join('\n'));
});

test('a one-branch choice still gives a one-entry select and branch', () => {
  const projected = locals('protocol One { roles: A, B; choice A { only: { A -> B: M; } } }');
  assert.deepEqual(Object.keys((projected['A'] as { branches: object }).branches), ['only']);
  assert.match(show(projected['B']), /^branch from A \{\n {2}only: \{/);
});

test('knowledge propagates along messages: a role informed by a third role gets a branch from it', () => {
  const projected = locals('protocol K { roles: A, B, C; choice A { l: { A -> B: L; B -> C: FromB; } r: { A -> B: R; B -> C: Other; } } }');
  assert.match(show(projected['C']), /^branch from B \{/);
  assert.match(show(projected['B']), /send C: FromB with choice l;/);
});

test('receives from the same sender merge label by label when the role is informed', () => {
  const projected = locals('protocol M { roles: A, B, C; A -> C: Start; choice A { l: { A -> B: L; A -> C: Same; } r: { A -> B: R; A -> C: Same; } } C -> A: Ack; }');
  const c = show(projected['C']);
  assert.match(c, /recv A: Start;\nbranch from A \{/);
  assert.equal(c.match(/send A: Ack;/g)?.length, 2);
});

test('gathers mark their receives with one group and a quorum', () => {
  const projected = locals('protocol G { roles: R, W[3]; R -> W[*]: Ask; W[*][quorum = 2] -> R: Answer; }');
  let r = projected['R'];
  while (r?.kind === 'send') r = r.next;
  assert.ok(r?.kind === 'recv' && r.gather);
  assert.deepEqual({ quorum: r.gather.quorum, members: r.gather.members }, { quorum: 2, members: ['W[0]', 'W[1]', 'W[2]'] });
  assert.ok(r.next.kind === 'recv' && r.next.gather?.id === r.gather.id);
});

test('loop (count) is unrolled and loop (decides) becomes rec, select and branch', () => {
  const projected = locals('protocol L { roles: A, B; loop (count: 3) { A -> B: Tick; } loop (decides: A) { A -> B: More; } A -> B: Stop; }');
  const b = show(projected['B']);
  assert.equal(b.match(/recv A: Tick;/g)?.length, 3);
  assert.match(b, /rec loop1 \{\n {2}branch from A \{\n {4}continue: \{\n {6}recv A: More;\n {6}continue loop1\n {4}\}\n {4}done: \{\n {6}recv A: Stop;/);
});

test('parallel gives par only to roles in two or more parts', () => {
  const projected = locals('protocol P { roles: A, B, C; parallel { A -> B: X; | A -> C: Y; } B -> C: Z; }');
  assert.equal(projected['A']?.kind, 'par');
  assert.equal(show(projected['B']), 'recv A: X;\nsend C: Z;\nend');
});

test('accepted random protocols run jointly to the end under random schedules (soundness)', () => {
  let accepted = 0;
  fc.assert(
    fc.property(protocolText, fc.integer({ min: 0, max: 1000 }), (text, seed) => {
      const loaded = loadProtocol(text, 'gen.choreo');
      if (loaded.projected === undefined) return;
      accepted++;
      for (let run = 0; run < 5; run++) {
        const outcome = executeJointly(loaded.projected, new SeededRandom(`${seed}-${run}`), 3000);
        assert.ok(outcome.kind === 'ended' || outcome.kind === 'bounded', `${text}\n${JSON.stringify(outcome)}`);
      }
    }),
    { numRuns: 400 },
  );
  assert.ok(accepted >= 40, `only ${accepted} of 400 random protocols were accepted; the property would be too weak`);
});
