/**
 * Journal namespaces. Every journal, and every fact in it, belongs to exactly one namespace: an
 * authority's own journal (its devices, its keys, its commitment tree) or a relational context's
 * journal (shared by the authorities in that context). The namespace is the identifier itself,
 * whose prefix (`authority-` or `context-`) says which kind it is.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import { identifierKind, parseIdentifier, type AuthorityId, type ContextId } from '../core/identifiers.ts';

/** The scope of a journal: an authority or a relational context. */
export type Namespace = AuthorityId | ContextId;

/** Which kind of scope a namespace is. */
export type NamespaceKind = 'authority' | 'context';

/** Parses a namespace; anything but an authority or context identifier is `journal.bad-namespace`. */
export function parseNamespace(text: string): Namespace {
  const kind = identifierKind(text);
  if (kind !== 'authority' && kind !== 'context') {
    throw permanentError('journal.bad-namespace', `a namespace is an authority or context identifier, got "${text.slice(0, 60)}"`);
  }
  return parseIdentifier(kind, text);
}

/** The kind of a namespace. */
export function namespaceKind(namespace: Namespace): NamespaceKind {
  return namespace.startsWith('authority-') ? 'authority' : 'context';
}
