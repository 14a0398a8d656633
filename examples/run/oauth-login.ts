/**
 * `examples/choreo/oauth-login.choreo`, driven: the provider checks the user's credentials (outer
 * choice) and asks users who enrolled one for a second factor (inner choice): a challenge nonce
 * the user answers with a code derived from a secret it shares with the provider. The app
 * exchanges the code for tokens and welcomes the user, or learns that the login failed.
 *
 * @module
 */
import { concat, toHex } from '../../src/core/bytes.ts';
import type { PhysicalTimeEffects } from '../../src/core/effects.ts';
import { taggedDigest } from '../../src/core/hash.ts';
import { SeededRandom } from '../../src/handlers/random.ts';
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** An account at the provider. */
export interface Account {
  readonly password: string;
  /** The second-factor secret, when the user enrolled one. */
  readonly secret?: Uint8Array;
}

/** What the user types in. */
export interface Attempt {
  readonly user: string;
  readonly password: string;
  /** The user's second-factor secret, if it has one. */
  readonly secret?: Uint8Array;
}

/** How the login ended, as the app and the user saw it. */
export type LoginOutcome =
  | { readonly ok: true; readonly welcome: string; readonly secondFactor: boolean; readonly access: string }
  | { readonly ok: false; readonly reason: string };

/** The second-factor code for `nonce`. */
export function factorCode(secret: Uint8Array, nonce: Uint8Array): string {
  return toHex(taggedDigest('example.oauth.factor', concat(secret, nonce))).slice(0, 12);
}

/** Options of {@link oauthLogin}: a run's, and how long the app takes before its code exchange. */
export interface LoginOptions extends ExampleRunOptions {
  /** The app sends `Exchange` once this settles (default: at once). */
  readonly exchangeDelay?: Promise<void>;
}

/**
 * Logs `attempt` in at a provider holding `accounts`; `time` bounds the provider's wait for the
 * app's `Exchange` (`timeout_ms = 5000`).
 */
export async function oauthLogin(accounts: Readonly<Record<string, Account>>, attempt: Attempt, time: PhysicalTimeEffects, options: LoginOptions = {}): Promise<LoginOutcome> {
  const { exchangeDelay, ...runOptions } = options;
  const random = new SeededRandom(`oauth ${attempt.user}`);
  let credentials = { user: '', password: '' };
  let nonce: Uint8Array = new Uint8Array(0);
  let responded = '';
  let code = '';
  let exchanged = '';
  let access = '';
  let welcome: string | undefined;
  let failure: string | undefined;
  let reason = '';
  let secondFactor = false;
  const account = (): Account | undefined => accounts[credentials.user];
  const provider: RoleImpl = {
    recv: {
      Credentials: (payload) => void (credentials = payload as typeof credentials),
      Response: (payload) => void (responded = (payload as { code: string }).code),
      Exchange: (payload) => void (exchanged = (payload as { code: string }).code),
    },
    select: (labels) => {
      if (labels.includes('valid')) return account()?.password === credentials.password ? 'valid' : 'invalid';
      return account()?.secret === undefined ? 'plain' : 'second_factor';
    },
    send: {
      Denied: () => ({ reason: `unknown user or wrong password for ${credentials.user}` }),
      Challenge: () => ({ nonce: (nonce = random.randomBytes(16)) }),
      // After a challenge, the redirect carries a code only when the response was right.
      Redirect: () => ({ code: nonce.length === 0 || responded === factorCode(account()?.secret ?? new Uint8Array(0), nonce) ? `code-${credentials.user}` : 'refused' }),
      Token: () => (exchanged === `code-${credentials.user}` ? { access: `access-${credentials.user}`, refresh: `refresh-${credentials.user}` } : { access: '', refresh: '' }),
    },
  };
  const user: RoleImpl = {
    send: {
      Credentials: () => ({ user: attempt.user, password: attempt.password }),
      Response: () => ((secondFactor = true), { code: factorCode(attempt.secret ?? new Uint8Array(0), nonce) }),
      Code: () => ({ code }),
    },
    recv: {
      Challenge: (payload) => void (nonce = (payload as { nonce: Uint8Array }).nonce),
      Redirect: (payload) => void (code = (payload as { code: string }).code),
      Denied: (payload) => void (reason = (payload as { reason: string }).reason),
      Welcome: (payload) => void (welcome = (payload as { name: string }).name),
    },
  };
  const app: RoleImpl = {
    send: {
      AuthorizeRequest: () => ({ client_id: 'example-app', scope: ['profile', 'email'] }),
      Exchange: async () => {
        await exchangeDelay;
        return { code };
      },
      Welcome: () => ({ name: access === '' ? 'nobody (token refused)' : attempt.user }),
    },
    recv: {
      Code: (payload) => void (code = (payload as { code: string }).code),
      Token: (payload) => void (access = (payload as { access: string }).access),
      Failed: () => void (failure = reason),
    },
  };
  await runToEnd(loadExample('oauth-login'), { User: user, App: app, Provider: provider }, { ...runOptions, time });
  if (failure !== undefined) return { ok: false, reason: failure };
  if (welcome === undefined) throw new Error('the login neither failed nor welcomed the user');
  return { ok: true, welcome, secondFactor, access };
}
