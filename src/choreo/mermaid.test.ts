// The Mermaid diagram of a global protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFile } from './parser.ts';
import { protocolToMermaid } from './mermaid.ts';

test('messages, choices, loops, parallel parts and local steps become a sequence diagram', () => {
  const { ast } = parseFile(
    `protocol D(N) { roles: A, W[N];
      A -> W[*]: Job;
      choice A { go when (x; y): { A -> W[0]: Go; } stop: { A ->* : Stop; } }
      loop (decides: A) { for i in W { W[i] -> A: Part; } }
      parallel { A: Think; | W[0]: Work; }
    }`,
    'd.choreo',
  );
  const [protocol] = ast.protocols;
  assert.ok(protocol);
  assert.equal(
    protocolToMermaid(protocol),
    [
      'sequenceDiagram',
      '  title D',
      '  participant A',
      '  participant W as W[N]',
      '  A->>W: Job (A to W[*])',
      '  alt A chooses go when x, y',
      '    A->>W: Go (A to W[0])',
      '  else A chooses stop',
      '    A->>W: Stop',
      '  end',
      '  loop A decides',
      '    loop for i in W',
      '      W->>A: Part (W[i] to A)',
      '    end',
      '  end',
      '  par',
      '    Note over A: A: Think',
      '  and',
      '    Note over W: W[0]: Work',
      '  end',
      '',
    ].join('\n'),
  );
});
