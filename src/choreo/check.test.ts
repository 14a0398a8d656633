// The checker end to end: the examples project to their golden local types and run jointly to
// the end; every must-fail file produces its diagnostic code; the public entry points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { checkChoreography, choreography, loadProtocol, parseChoreography, renderDiagnostics } from './check.ts';
import { DIAGNOSTIC_CODES } from './diagnostic.ts';
import { executeJointly } from './joint-execution.ts';
import { printProjectedProtocol } from './print-local.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', 'examples', 'choreo');
const MUST_FAIL = join(EXAMPLES, 'must-fail');
const GOLDEN = join(EXAMPLES, 'golden');
const update = process.env['AURA_UPDATE_GOLDEN'] === '1';

const examples = readdirSync(EXAMPLES).filter((name) => name.endsWith('.choreo')).sort();

function check(name: string, dir = EXAMPLES) {
  const path = join(dir, name);
  return checkChoreography(readFileSync(path, 'utf8'), `examples/choreo/${dir === MUST_FAIL ? 'must-fail/' : ''}${name}`);
}

test('the examples cover the protocols the issue lists', () => {
  for (const name of ['ping-pong', 'two-buyer', 'three-buyer', 'ring', 'travel-agency', 'oauth-login', 'streaming', 'map-reduce', 'parallel-requests', 'key-rotation']) {
    assert.ok(examples.includes(`${name}.choreo`), `missing examples/choreo/${name}.choreo`);
  }
});

for (const name of examples) {
  test(`${name} is well-formed, without warnings`, () => {
    const result = check(name);
    assert.deepEqual(result.diagnostics, [], renderDiagnostics(result));
    assert.ok(result.protocols.length > 0 && result.protocols.every((report) => report.ok));
  });

  test(`${name} projects to its golden local types`, () => {
    const result = check(name);
    const text = result.protocols
      .flatMap((report) => report.instances.map((instance) => `${printProjectedProtocol(instance)}\nparams: ${JSON.stringify(instance.params)}\ncontent id: ${instance.contentId}\n`))
      .join('\n');
    const golden = join(GOLDEN, name.replace(/\.choreo$/, '.txt'));
    if (update) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
  });

  test(`${name}: the projections run jointly to the end under many schedules`, () => {
    for (const report of check(name).protocols) {
      for (const instance of report.instances) {
        for (let seed = 0; seed < 30; seed++) {
          const outcome = executeJointly(instance, new SeededRandom(`${name}-${seed}`), 5000);
          assert.ok(outcome.kind === 'ended' || outcome.kind === 'bounded', `${name} ${JSON.stringify(instance.params)} seed ${seed}: ${JSON.stringify(outcome)}`);
        }
      }
    }
  });
}

const mustFail = readdirSync(MUST_FAIL).filter((name) => name.endsWith('.choreo')).sort();

test('there is a must-fail file for every diagnostic code except E030 (a command-line option)', () => {
  const covered = new Set(mustFail.map((name) => name.slice(0, 4)));
  const missing = Object.keys(DIAGNOSTIC_CODES).filter((code) => code !== 'E030' && !covered.has(code));
  assert.deepEqual(missing, []);
});

for (const name of mustFail) {
  const code = name.slice(0, 4);
  test(`must-fail ${name} reports ${code} with a location, a caret and a hint`, () => {
    const result = check(name, MUST_FAIL);
    const found = result.diagnostics.find((diagnostic) => diagnostic.code === code);
    assert.ok(found, `expected ${code}, got ${result.diagnostics.map((diagnostic) => diagnostic.code).join(', ') || 'nothing'}`);
    const rendered = renderDiagnostics(result);
    assert.match(rendered, new RegExp(`\\[${code}\\]: .* -- examples/choreo/must-fail/${name}:\\d+:\\d+`));
    assert.match(rendered, /\n\s*\|\s*\^+/);
    assert.ok(found.hint.length > 0);
    if (code === 'E012') assert.ok(result.protocols.every((report) => report.ok), 'an unused role is only a warning');
    else assert.ok(result.protocols.some((report) => !report.ok), 'the protocol must be rejected');
  });
}

test('E022 names the role and the choice and shows the two behaviours that differ', () => {
  const result = check('E022-uninformed-role.choreo', MUST_FAIL);
  const [diagnostic] = result.diagnostics;
  assert.equal(diagnostic?.code, 'E022');
  assert.match(diagnostic.message, /`Carol`.*`Alice`/);
  const notes = diagnostic.notes.join('\n');
  assert.match(notes, /In branch `left`, Carol does:\n\s+recv Bob: Note;/);
  assert.match(notes, /In branch `right`, Carol does:\n\s+end/);
});

test('parsing recovers and reports every syntax error of a file at once', () => {
  const { diagnostics } = parseChoreography('protocol P { roles: A, B; A -> : M; B -> A Reply; A -> B: Ok; }\nprotocol Q { roles A; }', 'x.choreo');
  assert.deepEqual(
    diagnostics.map((diagnostic) => diagnostic.code),
    ['E002', 'E002', 'E002'],
  );
});

test('a symbolic size is checked at N = 2, 3 and 4, and a problem says at which', () => {
  const ok = checkChoreography(readFileSync(join(EXAMPLES, 'ring.choreo'), 'utf8'), 'ring.choreo');
  assert.deepEqual(ok.protocols[0]?.symbolic, ['N']);
  assert.deepEqual(ok.protocols[0].instances.map((instance) => instance.roles.length), [2, 3, 4]);
  const bad = checkChoreography('protocol R { roles: W[N]; W[0] -> W[3]: M; }', 'r.choreo');
  assert.deepEqual(bad.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.notes.at(-1)]), [
    ['E027', '(found with N = 2)'],
    ['E027', '(found with N = 3)'],
  ]);
});

test('--param fixes a symbolic size', () => {
  const result = checkChoreography(readFileSync(join(EXAMPLES, 'map-reduce.choreo'), 'utf8'), 'm.choreo', { params: { N: 5 } });
  assert.deepEqual(result.protocols[0]?.symbolic, []);
  assert.equal(result.protocols[0].instances[0]?.roles.join(' '), 'Master Worker[0] Worker[1] Worker[2] Worker[3] Worker[4] Reducer');
});

test('loadProtocol projects one protocol with its qualified name and a content id independent of layout', () => {
  const text = readFileSync(join(EXAMPLES, 'key-rotation.choreo'), 'utf8');
  const loaded = loadProtocol(text, 'k.choreo');
  assert.equal(loaded.projected?.name, 'key_rotation.KeyRotation');
  const relaid = loadProtocol(text.replaceAll('\n  ', '\n\n      ').replace('// The', '/* moved */ // The'), 'other.choreo');
  assert.equal(relaid.projected?.contentId, loaded.projected.contentId);
  const changed = loadProtocol(text.replace('flow_cost = 10', 'flow_cost = 11'), 'k.choreo');
  assert.notEqual(changed.projected?.contentId, loaded.projected.contentId);
});

test('loadProtocol needs values for symbolic sizes and names unknown protocols', () => {
  const ring = readFileSync(join(EXAMPLES, 'ring.choreo'), 'utf8');
  assert.equal(loadProtocol(ring, 'ring.choreo').projected, undefined);
  assert.equal(loadProtocol(ring, 'ring.choreo').diagnostics.at(-1)?.code, 'E026');
  assert.deepEqual(loadProtocol(ring, 'ring.choreo', { params: { N: 3 } }).projected?.params, { N: 3 });
  assert.equal(loadProtocol(ring, 'ring.choreo', { protocol: 'Nope' }).diagnostics.at(-1)?.code, 'E030');
});

test('the choreography tagged template checks inline protocols and throws choreo.invalid on errors', () => {
  const role = 'Server';
  const inline = choreography`protocol Echo { roles: Client, ${role}; Client -> ${role}: Say(text: string); ${role} -> Client: Echo(text: string); }`;
  const projected = inline.project();
  assert.equal(projected.locals['Client']?.kind, 'send');
  assert.throws(
    () => choreography`protocol Bad { roles: A, B; A -> C: M; }`,
    (error: unknown) => isAuraError(error, 'choreo.invalid') && /E010/.test(error.message),
  );
});

test('imports make other files\' protocols callable, with roles renamed', () => {
  const files: Record<string, string> = { 'lib.choreo': 'protocol Handshake { roles: Client, Server; Client -> Server: Hello; Server -> Client: Welcome; }' };
  const result = checkChoreography('import "lib.choreo";\nprotocol Main { roles: Alice, Bob; call Handshake(Client as Alice, Server as Bob); Alice -> Bob: Bye; }', 'main.choreo', {
    resolveImport: (path) => (files[path] === undefined ? null : { file: path, text: files[path] }),
  });
  assert.deepEqual(result.diagnostics, []);
  const bob = result.protocols[0]?.instances[0]?.locals['Bob'];
  assert.equal(bob?.kind === 'recv' && bob.label, 'Hello');
});
