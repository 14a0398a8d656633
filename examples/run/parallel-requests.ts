/**
 * `examples/choreo/parallel-requests.choreo`, driven: the client asks the weather and the news
 * services at once (`parallel`), combines both reports (a local action) and thanks them. The
 * services may answer in any order; each exchange waits only for its own service.
 *
 * @module
 */
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** How long each service takes to answer, as a promise the service awaits (its own pace). */
export interface Pacing {
  readonly weather?: Promise<void>;
  readonly news?: Promise<void>;
}

/** Asks for the forecast of `city` and the headlines on `topic`; resolves with the combined page and the order of the reports. */
export async function parallelRequests(city: string, topic: string, pacing: Pacing = {}, options: ExampleRunOptions = {}): Promise<{ page: string; order: string[]; thanked: string[] }> {
  const reports: Record<string, string> = {};
  const order: string[] = [];
  const thanked: string[] = [];
  let page = '';
  const client: RoleImpl = {
    send: { Forecast: () => ({ city }), Headlines: () => ({ topic }) },
    recv: { Report: (payload, from) => ((reports[from] = (payload as { text: string }).text), order.push(from)) },
    local: { Combine: () => void (page = `${reports.Weather ?? '?'} | ${reports.News ?? '?'}`) },
  };
  const service = (name: string, answer: (question: string) => string, pace: Promise<void> | undefined): RoleImpl => {
    let question = '';
    return {
      recv: {
        Forecast: (payload) => void (question = (payload as { city: string }).city),
        Headlines: (payload) => void (question = (payload as { topic: string }).topic),
        Thanks: () => void thanked.push(name),
      },
      send: { Report: async () => ((await pace), { text: answer(question) }) },
    };
  };
  const weather = service('Weather', (where) => `sunny in ${where}`, pacing.weather);
  const news = service('News', (about) => `3 stories on ${about}`, pacing.news);
  await runToEnd(loadExample('parallel-requests'), { Client: client, Weather: weather, News: news }, options);
  return { page, order, thanked };
}
