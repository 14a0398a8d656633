/**
 * Local terms: the projector's working form of local types. Structured terms are hash-consed (a
 * structurally equal term is the same object) and a continuation shared by many branches is built
 * once, so merging identical projections is usually a pointer comparison. Unlike the
 * public {@link LocalType}, a receive or a branch still carries the tags of the choices it informs
 * of, which the merge consumes (`projection.ts`). {@link toLocalType} turns a term into the public
 * form, keeping the sharing.
 *
 * @module
 */
import { systemError } from '../core/errors.ts';
import type { Signature, Tag } from './global-type.ts';
import { END, type GatherGroup, type LocalType, type RoleName } from './local-type.ts';

interface TermBase {
  /** Unique per distinct term within one {@link TermTable}. */
  readonly id: number;
  /** True when a receive or branch in this term still carries choice tags. */
  readonly tagged: boolean;
}

/** A local term. */
export type Term = TermBase &
  (
    | { readonly kind: 'send'; readonly to: RoleName; readonly sig: Signature; readonly tags: readonly Tag[]; readonly next: Term }
    | { readonly kind: 'recv'; readonly from: RoleName; readonly sig: Signature; readonly tags: readonly Tag[]; readonly gather: GatherGroup | null; readonly next: Term }
    | { readonly kind: 'select'; readonly entries: readonly (readonly [string, Term])[] }
    | { readonly kind: 'branch'; readonly from: RoleName; readonly choice: number; readonly tags: readonly Tag[]; readonly entries: readonly (readonly [string, Term])[] }
    | { readonly kind: 'local'; readonly action: string; readonly args: readonly string[]; readonly next: Term }
    | { readonly kind: 'rec'; readonly label: string; readonly body: Term }
    | { readonly kind: 'var'; readonly label: string }
    | { readonly kind: 'par'; readonly branches: readonly Term[]; readonly next: Term }
    | { readonly kind: 'end' }
  );

/** A term of one kind. */
export type TermOf<K extends Term['kind']> = Extract<Term, { kind: K }>;

type Shape = Term extends infer T ? (T extends Term ? Omit<T, 'id' | 'tagged'> : never) : never;

function tagKey(tags: readonly Tag[]): string {
  if (tags.length === 0) return '';
  return tags.map((tag) => `${tag.choice}:${tag.label}`).join(',');
}

function entriesKey(entries: readonly (readonly [string, Term])[]): string {
  return entries.map(([label, term]) => `${label}=${term.id}`).join(',');
}

/** The table that hash-conses terms; one per projected protocol. */
export class TermTable {
  private readonly terms = new Map<string, Term>();
  private nextId = 0;
  private readonly publicForms = new Map<number, LocalType>();
  /** The `end` term. */
  readonly end: Term;

  constructor() {
    this.end = this.make({ kind: 'end' });
  }

  /** The one term with this shape. */
  make(shape: Shape): Term {
    const key = shapeKey(shape);
    const existing = this.terms.get(key);
    if (existing !== undefined) return existing;
    // The shape is a fresh object made by the caller; completing it in place saves a copy.
    const term = Object.assign(shape, { id: this.nextId++, tagged: isTagged(shape) }) as Term;
    this.terms.set(key, term);
    return term;
  }

  /**
   * `send(to, sig, next)`, the hot path of projection. Messages are not hash-consed: a message
   * term is made once per message node of the global type, and a continuation shared by several
   * branches is already one object, so interning them would only cost a table lookup. Terms that
   * are equal but distinct still merge: the merge compares them structurally.
   */
  send(to: RoleName, sig: Signature, tags: readonly Tag[], next: Term): Term {
    return { kind: 'send', id: this.nextId++, tagged: next.tagged, to, sig, tags, next };
  }

  /** `recv(from, sig, next)`, the other hot path; not hash-consed, like {@link send}. */
  recv(from: RoleName, sig: Signature, tags: readonly Tag[], gather: GatherGroup | null, next: Term): Term {
    return { kind: 'recv', id: this.nextId++, tagged: tags.length > 0 || next.tagged, from, sig, tags, gather, next };
  }

  /**
   * The public local type of a term; shared subterms stay shared. Converted bottom-up with an
   * explicit stack, so that neither long chains nor deeply nested choices can overflow the stack.
   */
  toLocalType(root: Term): LocalType {
    const stack: Term[] = [root];
    while (stack.length > 0) {
      const term = stack[stack.length - 1]!; // the stack is not empty
      if (this.publicForms.has(term.id)) {
        stack.pop();
        continue;
      }
      if (term.kind === 'send' || term.kind === 'recv' || term.kind === 'local') {
        // The common case, without allocating a list of children.
        if (!this.publicForms.has(term.next.id)) {
          stack.push(term.next);
          continue;
        }
      } else {
        const missing = childrenOf(term).filter((child) => !this.publicForms.has(child.id));
        if (missing.length > 0) {
          stack.push(...missing);
          continue;
        }
      }
      this.publicForms.set(term.id, this.convert(term));
      stack.pop();
    }
    return this.converted(root);
  }

  private converted(term: Term): LocalType {
    const form = this.publicForms.get(term.id);
    if (form === undefined) throw systemError('choreo.internal', `local term ${term.id} was not converted before its parent`);
    return form;
  }

  private convert(term: Term): LocalType {
    switch (term.kind) {
      case 'send': {
        const { label, payload, annotations } = term.sig;
        const next = this.converted(term.next);
        if (term.tags.length === 0) return { kind: 'send', to: term.to, label, payload, annotations, next };
        return { kind: 'send', to: term.to, label, payload, annotations, choice: term.tags.map((tag) => tag.label), next };
      }
      case 'recv': {
        const { label, payload, annotations } = term.sig;
        const next = this.converted(term.next);
        if (term.gather === null) return { kind: 'recv', from: term.from, label, payload, annotations, next };
        return { kind: 'recv', from: term.from, label, payload, annotations, gather: term.gather, next };
      }
      case 'local':
        return { kind: 'local', action: term.action, args: term.args, next: this.converted(term.next) };
      case 'select':
        return { kind: 'select', branches: this.record(term.entries) };
      case 'branch':
        return { kind: 'branch', from: term.from, branches: this.record(term.entries) };
      case 'rec':
        return { kind: 'rec', label: term.label, body: this.converted(term.body) };
      case 'var':
        return { kind: 'var', label: term.label };
      case 'par':
        return { kind: 'par', branches: term.branches.map((branch) => this.converted(branch)), next: this.converted(term.next) };
      case 'end':
        return END;
    }
  }

  private record(entries: readonly (readonly [string, Term])[]): Record<string, LocalType> {
    const record: Record<string, LocalType> = {};
    for (const [label, term] of entries) record[label] = this.converted(term);
    return record;
  }
}

function childrenOf(term: Exclude<Term, { kind: 'send' | 'recv' | 'local' }>): readonly Term[] {
  switch (term.kind) {
    case 'select':
    case 'branch':
      return term.entries.map(([, entry]) => entry);
    case 'rec':
      return [term.body];
    case 'par':
      return [...term.branches, term.next];
    case 'var':
    case 'end':
      return [];
  }
}

function shapeKey(shape: Shape): string {
  switch (shape.kind) {
    case 'send':
      return `s|${shape.to}|${shape.sig.id}|${tagKey(shape.tags)}|${shape.next.id}`;
    case 'recv':
      return `r|${shape.from}|${shape.sig.id}|${tagKey(shape.tags)}|${shape.gather?.id ?? ''}|${shape.next.id}`;
    case 'select':
      return `S|${entriesKey(shape.entries)}`;
    case 'branch':
      return `B|${shape.from}|${shape.choice}|${tagKey(shape.tags)}|${entriesKey(shape.entries)}`;
    case 'local':
      return `l|${shape.action}|${JSON.stringify(shape.args)}|${shape.next.id}`;
    case 'rec':
      return `R|${shape.label}|${shape.body.id}`;
    case 'var':
      return `v|${shape.label}`;
    case 'par':
      return `p|${shape.branches.map((branch) => branch.id).join(',')}|${shape.next.id}`;
    case 'end':
      return 'e';
  }
}

function isTagged(shape: Shape): boolean {
  switch (shape.kind) {
    case 'send':
    case 'local':
      return shape.next.tagged;
    case 'recv':
      return shape.tags.length > 0 || shape.next.tagged;
    case 'branch':
      return shape.tags.length > 0 || shape.entries.some(([, term]) => term.tagged);
    case 'select':
      return shape.entries.some(([, term]) => term.tagged);
    case 'rec':
      return shape.body.tagged;
    case 'par':
      return shape.next.tagged || shape.branches.some((branch) => branch.tagged);
    case 'var':
    case 'end':
      return false;
  }
}
