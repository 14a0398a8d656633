import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoleObserver } from '../../src/runtime/index.ts';
import { parallelRequests } from './parallel-requests.ts';

/** A promise, and an observer that resolves it when the client has received `from`'s report. */
function afterReportFrom(from: string): { gate: Promise<void>; observer: RoleObserver } {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const observer: RoleObserver = {
    onEvent: (event) => {
      if (event.role === 'Client' && event.type === 'recv' && event.peer === from) open();
    },
  };
  return { gate, observer };
}

// Each service answers only after the client has heard the other one: a run that took the two
// exchanges one after the other could never end, so ending proves they run concurrently.
test('parallel-requests: both exchanges run at once, so the faster service is heard first whichever it is', async () => {
  const news = afterReportFrom('News');
  const first = await parallelRequests('Lisbon', 'science', { weather: news.gate }, { observer: news.observer });
  assert.equal(first.page, 'sunny in Lisbon | 3 stories on science');
  assert.deepEqual(first.order, ['News', 'Weather']);
  assert.deepEqual(first.thanked.sort(), ['News', 'Weather']);

  const weather = afterReportFrom('Weather');
  const second = await parallelRequests('Oslo', 'art', { news: weather.gate }, { observer: weather.observer });
  assert.deepEqual(second.order, ['Weather', 'News']);
  assert.equal(second.page, 'sunny in Oslo | 3 stories on art');
});
