// The generated typed API: its compile-time guarantees are checked by running `tsc` over a
// generated file and a usage file whose every mistake is marked @ts-expect-error (an expected
// error that does not occur fails the compile too), and it runs, with linear state objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { fork, pingPong, vote } from '../../test/support/protocols.ts';
import { generateRoleApi } from './generate.ts';
import { MemoryTransport } from './memory-transport.ts';
import { runRole } from './run-role.ts';
import { startTypedRole } from './typed-session.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const RUNTIME = join(ROOT, 'src', 'runtime', 'index.ts');
const random = new SeededRandom('generate');

const USAGE = `
import { startAlice, startBob, type Alice_0, type AliceHandlers } from './ping-pong.generated.ts';
import { MemoryTransport, runRole, type RoleImpl } from ${JSON.stringify(RUNTIME)};
import type { SessionId } from ${JSON.stringify(join(ROOT, 'src', 'core', 'identifiers.ts'))};

/** Alice plays three rounds through the typed API; the loop type is recursive. */
export async function alice(transport: MemoryTransport, session: SessionId): Promise<number[]> {
  let state = startAlice(transport, { session });
  const pongs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const waiting = await state.select('more').send('Bob', 'Ping', { n: round });
    const { payload, next } = await waiting.recv();
    pongs.push(Number(payload.n));
    state = next;
  }
  const end = await state.select('done').send('Bob', 'Stop', null);
  end.close();
  return pongs;
}

/** Bob answers each Ping until Stop. */
export async function bob(transport: MemoryTransport, session: SessionId): Promise<void> {
  let state = startBob(transport, { session });
  for (;;) {
    const offered = await state.offer();
    if (offered.label === 'done') {
      (await offered.next.recv()).next.close();
      return;
    }
    const ping = await offered.next.recv();
    state = await ping.next.send('Alice', 'Pong', { n: BigInt(ping.payload.n) * 10n });
  }
}

export async function mistakes(start: Alice_0): Promise<void> {
  // @ts-expect-error: the first state chooses; it cannot send yet
  await start.send('Bob', 'Ping', { n: 1 });
  // @ts-expect-error: there is no branch 'maybe'
  start.select('maybe');
  const ping = start.select('more');
  // @ts-expect-error: the label in this state is Ping
  await ping.send('Bob', 'Pong', { n: 1 });
  // @ts-expect-error: Carol is not the peer of this send
  await ping.send('Carol', 'Ping', { n: 1 });
  // @ts-expect-error: n is a u64
  await ping.send('Bob', 'Ping', { n: 'one' });
  // @ts-expect-error: the payload has exactly the field n
  await ping.send('Bob', 'Ping', { m: 1 });
  const waiting = await ping.send('Bob', 'Ping', { n: 1 });
  // @ts-expect-error: a receiving state cannot send
  await waiting.send('Bob', 'Ping', { n: 2 });
  const { next } = await waiting.recv();
  const end = await next.select('done').send('Bob', 'Stop', null);
  // @ts-expect-error: after end there is nothing to send
  await end.send('Bob', 'Ping', { n: 3 });
}

export const handlers: AliceHandlers = { send: { Ping: () => ({ n: 1 }) }, select: (labels) => labels[0] ?? 'done' };
export const asImpl: RoleImpl = handlers;
// @ts-expect-error: Ping's payload needs n
export const badPayload: AliceHandlers = { send: { Ping: () => ({ m: 1 }) }, select: () => 'more' };
// @ts-expect-error: 'maybe' is not a label Alice can select
export const badSelect: AliceHandlers = { send: { Ping: () => ({ n: 1 }) }, select: () => 'maybe' };
`;

function withGenerated<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'aura-gen-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'ping-pong.generated.ts'), generateRoleApi(pingPong, { runtimeImport: RUNTIME }));
    writeFileSync(join(dir, 'use.ts'), USAGE);
    writeFileSync(join(dir, 'fork.generated.ts'), generateRoleApi(fork, { runtimeImport: RUNTIME }));
    writeFileSync(join(dir, 'vote.generated.ts'), generateRoleApi(vote, { runtimeImport: RUNTIME }));
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tsc(dir: string, files: readonly string[]): { status: number | null; output: string } {
  const args = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types')];
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args, ...files.map((file) => join(dir, file))], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

// An expected error that does not occur is itself an error ("Unused '@ts-expect-error' directive"),
// so one clean compile proves both that correct use compiles and that every marked mistake fails.
test('tsc accepts the generated API used correctly, and every marked mistake is a compile error', () => {
  withGenerated((dir) => {
    const checked = tsc(dir, ['ping-pong.generated.ts', 'use.ts', 'fork.generated.ts', 'vote.generated.ts']);
    assert.equal(checked.status, 0, checked.output);
  });
});

test('the generated module runs: typed Alice and typed Bob play ping-pong', async () => {
  const dir = mkdtempSync(join(ROOT, '.aura-tmp-gen-'));
  try {
    writeFileSync(join(dir, 'ping-pong.generated.ts'), generateRoleApi(pingPong, { runtimeImport: RUNTIME }));
    writeFileSync(join(dir, 'use.ts'), USAGE);
    const use = (await import(pathToFileURL(join(dir, 'use.ts')).href)) as {
      alice: (transport: MemoryTransport, session: string) => Promise<number[]>;
      bob: (transport: MemoryTransport, session: string) => Promise<void>;
    };
    const transport = new MemoryTransport();
    const session = randomIdentifier('session', random);
    const [pongs] = await Promise.all([use.alice(transport, session), use.bob(transport, session)]);
    assert.deepEqual(pongs, [0, 10, 20]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a state object used twice is a linearity error; a call outside the state is a violation', async () => {
  const transport = new MemoryTransport();
  const session = randomIdentifier('session', random);
  const start = startTypedRole(pingPong, 'Alice', transport, { session }) as { select(label: string): { send(to: string, label: string, payload: unknown): Promise<unknown> } };
  const ping = start.select('more');
  assert.throws(() => start.select('more'), (error: unknown) => isAuraError(error, 'runtime.linearity'));
  await ping.send('Bob', 'Ping', { n: 1 });
  await assert.rejects(ping.send('Bob', 'Ping', { n: 2 }), (error: unknown) => isAuraError(error, 'runtime.linearity'));
  const other = startTypedRole(pingPong, 'Alice', transport, { session: randomIdentifier('session', random) }) as { send(to: string, label: string, payload: unknown): Promise<unknown> };
  await assert.rejects(other.send('Bob', 'Ping', { n: 1 }), (error: unknown) => isAuraError(error, 'runtime.violation.wrong-state'));
});

test('typed parallel parts and gathers run through the generic state API', async () => {
  const transport = new MemoryTransport();
  const session = randomIdentifier('session', random);
  interface State {
    fork(): { parts: State[]; join: () => Promise<State> };
    send(to: string, label: string, payload: unknown): Promise<State>;
    recv(): Promise<{ next: State }>;
    close(): unknown;
  }
  const a = startTypedRole(fork, 'A', transport, { session }) as State;
  const part = async (state: State, to: string, label: string, payload: unknown): Promise<void> => {
    (await (await state.send(to, label, payload)).recv()).next.close();
  };
  const workers = ['B', 'C'].map((role) => runRole(fork, role, { local: { Work: () => undefined } }, transport, { session }));
  const { parts, join } = a.fork();
  const [left, right] = parts;
  assert.ok(left !== undefined && right !== undefined);
  await Promise.all([part(left, 'B', 'Left', { x: 1 }), part(right, 'C', 'Right', { y: 2 })]);
  const after = await join();
  (await (await after.send('B', 'Done', null)).send('C', 'Done', null)).close();
  await Promise.all(workers);

  const voteSession = randomIdentifier('session', random);
  const coordinator = startTypedRole(vote, 'Coordinator', transport, { session: voteSession }) as {
    send(to: string, label: string, payload: unknown): Promise<typeof coordinator>;
    gather(): Promise<{ messages: { from: string }[]; next: typeof coordinator }>;
    close(): unknown;
  };
  const voters = ['W[0]', 'W[1]', 'W[2]'].map((role) => runRole(vote, role, { send: { Vote: () => ({ yes: true }) } }, transport, { session: voteSession }));
  let state = coordinator;
  for (const worker of ['W[0]', 'W[1]', 'W[2]']) state = await state.send(worker, 'Ask', { q: '?' });
  const { messages, next } = await state.gather();
  assert.equal(messages.length, 2);
  state = next;
  for (const worker of ['W[0]', 'W[1]', 'W[2]']) state = await state.send(worker, 'Result', { yes: 2 });
  state.close();
  await Promise.all(voters);
});

test('the generated source is stable and names every state after its step', () => {
  const source = generateRoleApi(pingPong);
  assert.equal(generateRoleApi(pingPong), source);
  assert.match(source, /export interface Alice_0 extends Select<\{ "more": Alice_1; "done": Alice_4 \}> \{\}/);
  assert.match(source, /export interface Alice_2 extends Recv<"Bob", "Pong", \{ readonly "n": Integer \}, Alice_0> \{\}/);
  assert.match(source, /export function startBob\(transport: Transport, options: TypedRoleOptions\): Bob_0/);
  assert.match(source, new RegExp(`content id ${pingPong.contentId}`));
});

test('a typed join fails, rather than waits, when a part stops the session', async () => {
  const transport = new MemoryTransport();
  const session = randomIdentifier('session', random);
  const a = startTypedRole(fork, 'A', transport, { session }) as { fork(): { parts: { send(to: string, label: string, payload: unknown): Promise<unknown> }[]; join: () => Promise<unknown> } };
  const { parts, join } = a.fork();
  await assert.rejects(parts[0]?.send('B', 'Left', { x: 'not a number' }) ?? Promise.resolve(), (error: unknown) => isAuraError(error, 'runtime.violation.payload'));
  await assert.rejects(join(), (error: unknown) => isAuraError(error, 'runtime.violation.payload'));
});
