import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../../src/core/bytes.ts';
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
