/**
 * Identifiers of the things Aura names: authorities (an identity, held by a threshold of devices),
 * devices, relational contexts, protocol sessions and accounts.
 *
 * Each is 32 bytes, either random (from {@link RandomEffects}, so simulations reproduce them) or
 * derived from canonical bytes. The text form is `<kind>-<base32>` (RFC 4648 lowercase, no
 * padding, 52 characters), e.g. `authority-ciqj…`. Identifiers are branded strings holding that
 * text form, so they are cheap map keys, print as themselves, and cannot be mixed up by type.
 *
 * Derivation: `id = taggedDigest("aura.id.v1." + kind, canonicalBytes)` (BLAKE3-256, see
 * {@link taggedDigest} for the byte layout of the tag).
 *
 * @module
 */
import { base32 } from 'multiformats/bases/base32';
import { encodeCanonical } from './canonical.ts';
import type { RandomEffects } from './effects.ts';
import { permanentError } from './errors.ts';
import { taggedDigest } from './hash.ts';
import { BoundedSet } from './bounded-memo.ts';

/** The kinds of identifier, which are also their text prefixes. */
export type IdentifierKind = 'authority' | 'device' | 'context' | 'session' | 'account';

declare const brand: unique symbol;
/** A string known to be the text form of an identifier of kind `K`. */
export type Identifier<K extends IdentifierKind> = string & { readonly [brand]: K };

/** An authority: an identity whose key is shared by a threshold of devices. */
export type AuthorityId = Identifier<'authority'>;
/** A device: one holder of a key share. */
export type DeviceId = Identifier<'device'>;
/** A relational context between authorities (a contact, a group). */
export type ContextId = Identifier<'context'>;
/** One run of a protocol. */
export type SessionId = Identifier<'session'>;
/** An account as a user sees it. */
export type AccountId = Identifier<'account'>;

/** Length of an identifier's bytes. */
export const IDENTIFIER_LENGTH = 32;
const ENCODED_LENGTH = 52;
const KINDS: readonly IdentifierKind[] = ['authority', 'device', 'context', 'session', 'account'];

/** The identifier of kind `kind` whose bytes are `bytes` (exactly 32). */
export function identifierFromBytes<K extends IdentifierKind>(kind: K, bytes: Uint8Array): Identifier<K> {
  if (bytes.length !== IDENTIFIER_LENGTH) {
    throw permanentError('id.malformed', `${article(kind)} ${kind} identifier has ${IDENTIFIER_LENGTH} bytes, got ${bytes.length}`);
  }
  return `${kind}-${base32.baseEncode(bytes)}` as Identifier<K>;
}

/** A fresh random identifier. */
export function randomIdentifier<K extends IdentifierKind>(kind: K, random: RandomEffects): Identifier<K> {
  return identifierFromBytes(kind, random.randomBytes(IDENTIFIER_LENGTH));
}

/** The identifier derived from `value`: the tagged hash of its canonical encoding. */
export function deriveIdentifier<K extends IdentifierKind>(kind: K, value: unknown): Identifier<K> {
  return identifierFromBytes(kind, taggedDigest(`aura.id.v1.${kind}`, encodeCanonical(value)));
}

/**
 * Texts {@link parseIdentifier} accepted: every message of a session carries the same few
 * identifiers, checked again on each receipt, and a text that was a canonical identifier stays
 * one. The prefix is checked before the cache is asked, so a text is only ever accepted as its own kind.
 */
const PARSED_LIMIT = 4096;
const parsed = new BoundedSet<string>(PARSED_LIMIT);

/**
 * Parses the text form of an identifier of kind `kind`. Error `id.malformed` says what is wrong:
 * the wrong prefix (naming the kind found), the wrong length, or a character outside base32.
 */
export function parseIdentifier<K extends IdentifierKind>(kind: K, text: string): Identifier<K> {
  const dash = text.indexOf('-');
  const prefix = dash < 0 ? '' : text.slice(0, dash);
  if (prefix !== kind) {
    const found = (KINDS as readonly string[]).includes(prefix) ? `${article(prefix)} ${prefix} identifier` : `no known prefix`;
    throw permanentError('id.malformed', `expected ${article(kind)} ${kind} identifier (${kind}-…), got "${shorten(text)}" with ${found}`, { context: { kind } });
  }
  if (parsed.has(text)) return text as Identifier<K>;
  const body = text.slice(dash + 1);
  if (body.length !== ENCODED_LENGTH || !/^[a-z2-7]+$/.test(body)) {
    throw permanentError('id.malformed', `"${shorten(text)}" is not ${article(kind)} ${kind} identifier: expected ${ENCODED_LENGTH} characters of a-z and 2-7 after "${kind}-"`, {
      context: { kind },
    });
  }
  // A 52-character body has 4 spare bits; the decoder refuses them set, or the re-encoding differs.
  if (!decodesCanonically(body)) {
    throw permanentError('id.malformed', `"${shorten(text)}" is not the canonical spelling of a ${kind} identifier`, { context: { kind } });
  }
  parsed.add(text);
  return text as Identifier<K>;
}

/** The 32 bytes behind an identifier. */
export function identifierBytes(id: Identifier<IdentifierKind>): Uint8Array {
  return base32.baseDecode(id.slice(id.indexOf('-') + 1));
}

/** The kind an identifier's text names, or `undefined` for text that is no identifier. */
export function identifierKind(text: string): IdentifierKind | undefined {
  const prefix = text.slice(0, Math.max(0, text.indexOf('-')));
  return (KINDS as readonly string[]).includes(prefix) ? (prefix as IdentifierKind) : undefined;
}

function decodesCanonically(body: string): boolean {
  try {
    return base32.baseEncode(base32.baseDecode(body)) === body;
  } catch {
    return false;
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
