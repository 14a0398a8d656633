import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../../src/core/bytes.ts';
import { isAuraError } from '../../src/core/errors.ts';
import { ManualClock } from '../../src/handlers/physical-time.ts';
import { oauthLogin, type Account } from './oauth-login.ts';

const ACCOUNTS: Record<string, Account> = {
  ada: { password: 'engine' },
  grace: { password: 'cobol', secret: utf8('grace second factor') },
};

test('oauth-login: the nested choice takes each of its three paths, and the app learns the outer decision', async () => {
  const time = new ManualClock();
  assert.deepEqual(await oauthLogin(ACCOUNTS, { user: 'ada', password: 'engine' }, time), { ok: true, welcome: 'ada', secondFactor: false, access: 'access-ada' });
  assert.deepEqual(await oauthLogin(ACCOUNTS, { user: 'grace', password: 'cobol', secret: utf8('grace second factor') }, time), { ok: true, welcome: 'grace', secondFactor: true, access: 'access-grace' });
  assert.deepEqual(await oauthLogin(ACCOUNTS, { user: 'ada', password: 'wrong' }, time), { ok: false, reason: 'unknown user or wrong password for ada' });
});

test('oauth-login: a wrong second factor gets no token, though the session still ends as the protocol says', async () => {
  const outcome = await oauthLogin(ACCOUNTS, { user: 'grace', password: 'cobol', secret: utf8('a guess') }, new ManualClock());
  assert.deepEqual(outcome, { ok: true, welcome: 'nobody (token refused)', secondFactor: true, access: '' });
});

test('oauth-login: an app slower than the exchange timeout (timeout_ms = 5000) stops the provider, and every role is told', async () => {
  const time = new ManualClock();
  let release = (): void => undefined;
  const exchangeDelay = new Promise<void>((resolve) => (release = resolve));
  let settled = false;
  const login = oauthLogin(ACCOUNTS, { user: 'ada', password: 'engine' }, time, { exchangeDelay }).finally(() => (settled = true));
  const ticks = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  // Let the login reach the exchange, then move the clock to just before the timeout: nothing stops.
  await ticks(20);
  time.advance(4999);
  await ticks(5);
  assert.equal(settled, false);
  time.advance(1);
  await ticks(5);
  release(); // the app finishes its handler and finds the session aborted
  // The first role's error: the user was told the provider stopped, and why.
  await assert.rejects(login, (error: unknown) => isAuraError(error, 'runtime.session-aborted') && /Provider.*waited 5000 ms for recv Exchange from App/.test(error.message));
});
