import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError, type AuraError } from '../core/errors.ts';
import { identifierFromBytes } from '../core/identifiers.ts';
import { BytesMemoryTransport } from './bytes-transport.ts';
import type { Envelope, Frame } from './frame.ts';
import { MemoryTransport } from './memory-transport.ts';
import type { Receiver, Transport } from './transport.ts';

const s1 = identifierFromBytes('session', new Uint8Array(32).fill(1));
const s2 = identifierFromBytes('session', new Uint8Array(32).fill(2));

function message(session: typeof s1, from: string, to: string, seq: number): Envelope {
  return { kind: 'message', session, protocol: 'p', from, to, seq, label: 'M', choice: null, payload: seq };
}

function recorder(): Receiver & { frames: Frame[]; errors: AuraError[] } {
  const frames: Frame[] = [];
  const errors: AuraError[] = [];
  return { frames, errors, deliver: (frame) => void frames.push(frame), fail: (error) => void errors.push(error) };
}

for (const [name, make] of [['MemoryTransport', () => new MemoryTransport()], ['BytesMemoryTransport', () => new BytesMemoryTransport()]] as const) {
  test(`${name}: FIFO per pair, frames held until the receiver opens, sessions kept apart`, () => {
    const transport: Transport = make();
    const bobInS1 = recorder();
    const bobInS2 = recorder();
    const alice1 = transport.open(s1, 'Alice', recorder());
    const alice2 = transport.open(s2, 'Alice', recorder());
    for (let seq = 0; seq < 3; seq++) alice1.send(message(s1, 'Alice', 'Bob', seq));
    alice2.send(message(s2, 'Alice', 'Bob', 0));
    transport.open(s1, 'Bob', bobInS1);
    transport.open(s2, 'Bob', bobInS2);
    alice1.send(message(s1, 'Alice', 'Bob', 3));
    assert.deepEqual(bobInS1.frames.map((frame) => (frame as Envelope).seq), [0, 1, 2, 3]);
    assert.deepEqual(bobInS2.frames, [message(s2, 'Alice', 'Bob', 0)]);
  });

  test(`${name}: a closed port gets nothing more, and a role cannot open twice`, () => {
    const transport: Transport = make();
    const bob = recorder();
    const alice = transport.open(s1, 'Alice', recorder());
    transport.open(s1, 'Bob', bob).close();
    alice.send(message(s1, 'Alice', 'Bob', 0));
    assert.deepEqual(bob.frames, []);
    assert.throws(() => transport.open(s1, 'Bob', recorder()), (error: unknown) => isAuraError(error, 'transport.already-open'));
  });
}

test('the object transport hands over the very frame object sent', () => {
  const transport = new MemoryTransport();
  const bob = recorder();
  transport.open(s1, 'Bob', bob);
  const frame = message(s1, 'Alice', 'Bob', 0);
  transport.open(s1, 'Alice', recorder()).send(frame);
  assert.equal(bob.frames[0], frame);
});

test('the bytes transport reports bytes that do not decode to the receiver as a typed failure', () => {
  const transport = new BytesMemoryTransport({ tamper: (bytes) => bytes.subarray(1) });
  const bob = recorder();
  transport.open(s1, 'Bob', bob);
  transport.open(s1, 'Alice', recorder()).send(message(s1, 'Alice', 'Bob', 0));
  assert.deepEqual(bob.frames, []);
  assert.equal(bob.errors.length, 1);
  assert.match(bob.errors[0]?.code ?? '', /^(cbor|envelope)\./);
});
