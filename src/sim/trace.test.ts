import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eventLine, firstDifference, parseTrace, traceText, TraceRecorder, type TraceHeader } from './trace.ts';

const HEADER: TraceHeader = { type: 'header', version: 1, seed: 3, config: { any: 'thing' } };

test('event lines have a fixed field order, no absent fields, and sorted vector keys', () => {
  const recorder = new TraceRecorder();
  recorder.recordLocal(1, 'zed', { type: 'send', to: 'amy', msg: 0, size: 3 });
  recorder.recordReceive(2.5, 'amy', recorder.events[0]?.stamp, { type: 'deliver', from: 'zed', msg: 0 });
  recorder.record(3, { type: 'drop', reason: 'loss', from: 'amy', to: 'zed', msg: 1 });
  assert.deepEqual(recorder.events.map(eventLine), [
    '{"seq":0,"t":1,"type":"send","node":"zed","to":"amy","msg":0,"size":3,"stamp":{"lamport":1,"vector":{"zed":1}}}',
    '{"seq":1,"t":2.5,"type":"deliver","node":"amy","from":"zed","msg":0,"stamp":{"lamport":2,"vector":{"amy":1,"zed":1}}}',
    '{"seq":2,"t":3,"type":"drop","from":"amy","to":"zed","msg":1,"reason":"loss"}',
  ]);
});

test('a delivery comes after its send in both Lamport and vector time', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('a', 'b', 'c')), { maxLength: 30 }), (pairs) => {
      const recorder = new TraceRecorder();
      for (const [from, to] of pairs) {
        const sent = recorder.recordLocal(0, from, { type: 'send', to });
        recorder.recordReceive(0, to, sent, { type: 'deliver', from });
        const received = recorder.events.at(-1)?.stamp;
        assert.ok(received !== undefined && received.lamport > sent.lamport);
        for (const [node, count] of Object.entries(sent.vector ?? {})) assert.ok((received.vector?.[node] ?? 0) >= count);
      }
    }),
  );
});

test('a trace reads back as written, and the first difference is found exactly', () => {
  const recorder = new TraceRecorder('lamport');
  recorder.recordLocal(0, 'a', { type: 'local', detail: 'x' });
  recorder.record(1, { type: 'end', reason: 'idle' });
  const text = traceText(HEADER, recorder.events);
  const parsed = parseTrace(text);
  assert.deepEqual(parsed.header, HEADER);
  assert.deepEqual(parsed.lines, recorder.events.map(eventLine));
  fc.assert(
    fc.property(fc.array(fc.string(), { maxLength: 8 }), fc.array(fc.string(), { maxLength: 8 }), (a, b) => {
      const difference = firstDifference(a, b);
      if (difference === undefined) {
        assert.deepEqual(a, b);
        return;
      }
      const index = difference.line - 2;
      assert.deepEqual(a.slice(0, index), b.slice(0, index));
      assert.notEqual(a[index], b[index]);
    }),
  );
});
