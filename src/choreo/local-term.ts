/**
 * Local terms: the projector's working form of local types. Structured terms are hash-consed (a
 * structurally equal term is the same object) and a continuation shared by many branches is built
 * once, so merging identical projections is usually a pointer comparison. Unlike the
 * public {@link LocalType}, a receive or a branch still carries the tags of the choices it informs
 * of, which the merge consumes (`projection.ts`). {@link TermTable.toLocalType} turns a term into
 * the public form, keeping the sharing.
 *
 * Projecting every role of a large protocol makes tens of thousands of terms, all alive until the
 * check ends, so the table is built to allocate little: each term is made whole in one object
 * literal (never completed in place, which would give it a second property store), hash-consing looks terms up by the id of their
 * continuation and compares the few candidates field by field (no string keys), and a term keeps
 * its public form in its own `form` slot (no side map).
 *
 * @module
 */
import type { Signature, Tag } from './global-type.ts';
import { END, type GatherGroup, type LocalType, type RoleName } from './local-type.ts';

interface TermBase {
  /** Unique per distinct term within one {@link TermTable}. */
  readonly id: number;
  /** True when a receive or branch in this term still carries choice tags. */
  readonly tagged: boolean;
  /** The public form, once {@link TermTable.toLocalType} has made it; written only there. */
  form: LocalType | undefined;
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

/** The fields that make a term what it is: a term without its identity and cache. */
export type Shape = Term extends infer T ? (T extends Term ? Omit<T, 'id' | 'tagged' | 'form'> : never) : never;

/** Entries of a select or branch: label and projection, in source order. */
export type Entries = readonly (readonly [string, Term])[];

const NO_TAGS: readonly Tag[] = [];

/** True when both tag lists name the same branches of the same choices, in the same order. */
export function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (x?.choice !== y?.choice || x?.label !== y?.label) return false;
  }
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEntries(a: Entries, b: Entries): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (x?.[0] !== y?.[0] || x?.[1] !== y?.[1]) return false;
  }
  return true;
}

/** True when the two shapes are structurally equal (subterms compared by identity, as hash-consing guarantees). */
function sameShape(a: Shape, b: Shape): boolean {
  switch (a.kind) {
    case 'send':
      return b.kind === 'send' && a.to === b.to && a.sig.id === b.sig.id && a.next === b.next && sameTags(a.tags, b.tags);
    case 'recv':
      return b.kind === 'recv' && a.from === b.from && a.sig.id === b.sig.id && a.next === b.next && a.gather?.id === b.gather?.id && sameTags(a.tags, b.tags);
    case 'select':
      return b.kind === 'select' && sameEntries(a.entries, b.entries);
    case 'branch':
      return b.kind === 'branch' && a.from === b.from && a.choice === b.choice && sameTags(a.tags, b.tags) && sameEntries(a.entries, b.entries);
    case 'local':
      return b.kind === 'local' && a.action === b.action && a.next === b.next && sameStrings(a.args, b.args);
    case 'rec':
      return b.kind === 'rec' && a.label === b.label && a.body === b.body;
    case 'var':
      return b.kind === 'var' && a.label === b.label;
    case 'par':
      return b.kind === 'par' && a.next === b.next && a.branches.length === b.branches.length && a.branches.every((branch, index) => branch === b.branches[index]);
    case 'end':
      return b.kind === 'end';
  }
}

/**
 * The number a shape is filed under for hash-consing: the id of the subterm it continues with,
 * which nearly always tells distinct terms apart, combined with the kind. Equal shapes get equal
 * numbers; unequal ones that collide are told apart by {@link sameShape}.
 */
function bucketOf(shape: Shape): number {
  switch (shape.kind) {
    case 'send':
      return shape.next.id * 9;
    case 'recv':
      return shape.next.id * 9 + 1;
    case 'select':
      return (shape.entries[0]?.[1].id ?? -1) * 9 + 2;
    case 'branch':
      return (shape.entries[0]?.[1].id ?? -1) * 9 + 3;
    case 'local':
      return shape.next.id * 9 + 4;
    case 'rec':
      return shape.body.id * 9 + 5;
    case 'var':
      return 6;
    case 'par':
      return shape.next.id * 9 + 7;
    case 'end':
      return 8;
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

/** The table that hash-conses terms; one per projected protocol. */
export class TermTable {
  private readonly buckets = new Map<number, Term | Term[]>();
  private nextId = 0;
  /** Terms waiting for their public form in {@link toLocalType}; kept between calls to reuse its storage. */
  private readonly pending: Term[] = [];
  /** The `end` term. */
  readonly end: Term;

  constructor() {
    this.end = this.make({ kind: 'end' });
  }

  /** The one term with this shape. */
  make(shape: Shape): Term {
    const bucket = bucketOf(shape);
    const filed = this.buckets.get(bucket);
    if (filed !== undefined) {
      if (!Array.isArray(filed)) {
        if (sameShape(filed, shape)) return filed;
      } else {
        for (const candidate of filed) if (sameShape(candidate, shape)) return candidate;
      }
    }
    const term = this.build(shape);
    if (filed === undefined) this.buckets.set(bucket, term);
    else if (Array.isArray(filed)) filed.push(term);
    else this.buckets.set(bucket, [filed, term]);
    return term;
  }

  /**
   * `send(to, sig, next)`, the hot path of projection. Messages are not hash-consed: a message
   * term is made once per message node of the global type, and a continuation shared by several
   * branches is already one object, so interning them would only cost a table lookup. Terms that
   * are equal but distinct still merge: the merge compares them structurally.
   */
  send(to: RoleName, sig: Signature, tags: readonly Tag[], next: Term): Term {
    return { kind: 'send', id: this.nextId++, tagged: next.tagged, form: undefined, to, sig, tags, next };
  }

  /** `recv(from, sig, next)`, the other hot path; not hash-consed, like {@link send}. */
  recv(from: RoleName, sig: Signature, tags: readonly Tag[], gather: GatherGroup | null, next: Term): Term {
    return { kind: 'recv', id: this.nextId++, tagged: tags.length > 0 || next.tagged, form: undefined, from, sig, tags, gather, next };
  }

  /** The same send, receive or local step as `term`, continuing with `next` instead. */
  withNext(term: TermOf<'send' | 'recv' | 'local'>, next: Term): Term {
    switch (term.kind) {
      case 'send':
        return this.make({ kind: 'send', to: term.to, sig: term.sig, tags: term.tags, next });
      case 'recv':
        return this.make({ kind: 'recv', from: term.from, sig: term.sig, tags: term.tags, gather: term.gather, next });
      case 'local':
        return this.make({ kind: 'local', action: term.action, args: term.args, next });
    }
  }

  /** The same receive or branch as `term`, carrying `tags` instead. */
  withTags(term: TermOf<'recv' | 'branch'>, tags: readonly Tag[]): Term {
    const carried = tags.length === 0 ? NO_TAGS : tags;
    if (term.kind === 'recv') return this.make({ kind: 'recv', from: term.from, sig: term.sig, tags: carried, gather: term.gather, next: term.next });
    return this.make({ kind: 'branch', from: term.from, choice: term.choice, tags: carried, entries: term.entries });
  }

  /**
   * The public local type of a term; shared subterms stay shared. Converted bottom-up with an
   * explicit stack, so that neither long chains nor deeply nested choices can overflow the stack.
   */
  toLocalType(root: Term): LocalType {
    if (root.form !== undefined) return root.form;
    const stack = this.pending;
    stack.push(root);
    while (stack.length > 0) {
      const term = stack[stack.length - 1]!; // the stack is not empty
      if (term.form === undefined && !pushUnconverted(term, stack)) term.form = convert(term);
      if (term.form !== undefined) stack.pop();
    }
    return formOf(root);
  }

  /**
   * A new term of this shape, made whole in one object literal per kind: completing the caller's
   * shape in place would give the term a second, out-of-object property store, and the shape
   * itself dies young, which costs the garbage collector almost nothing.
   */
  private build(shape: Shape): Term {
    const id = this.nextId++;
    const tagged = isTagged(shape);
    switch (shape.kind) {
      case 'send':
        return { kind: 'send', id, tagged, form: undefined, to: shape.to, sig: shape.sig, tags: shape.tags, next: shape.next };
      case 'recv':
        return { kind: 'recv', id, tagged, form: undefined, from: shape.from, sig: shape.sig, tags: shape.tags, gather: shape.gather, next: shape.next };
      case 'select':
        return { kind: 'select', id, tagged, form: undefined, entries: shape.entries };
      case 'branch':
        return { kind: 'branch', id, tagged, form: undefined, from: shape.from, choice: shape.choice, tags: shape.tags, entries: shape.entries };
      case 'local':
        return { kind: 'local', id, tagged, form: undefined, action: shape.action, args: shape.args, next: shape.next };
      case 'rec':
        return { kind: 'rec', id, tagged, form: undefined, label: shape.label, body: shape.body };
      case 'var':
        return { kind: 'var', id, tagged, form: undefined, label: shape.label };
      case 'par':
        return { kind: 'par', id, tagged, form: undefined, branches: shape.branches, next: shape.next };
      case 'end':
        return { kind: 'end', id, tagged, form: undefined };
    }
  }
}

/** Pushes the children of `term` that have no public form yet; false when there are none. */
function pushUnconverted(term: Term, stack: Term[]): boolean {
  const before = stack.length;
  switch (term.kind) {
    case 'send':
    case 'recv':
    case 'local':
      if (term.next.form === undefined) stack.push(term.next);
      break;
    case 'select':
    case 'branch':
      for (const [, entry] of term.entries) if (entry.form === undefined) stack.push(entry);
      break;
    case 'rec':
      if (term.body.form === undefined) stack.push(term.body);
      break;
    case 'par':
      for (const branch of term.branches) if (branch.form === undefined) stack.push(branch);
      if (term.next.form === undefined) stack.push(term.next);
      break;
    case 'var':
    case 'end':
      break;
  }
  return stack.length > before;
}

function formOf(term: Term): LocalType {
  // Only called on children that pushUnconverted found converted, or on the root once converted.
  return term.form!;
}

function convert(term: Term): LocalType {
  switch (term.kind) {
    case 'send': {
      const { label, payload, annotations } = term.sig;
      const next = formOf(term.next);
      if (term.tags.length === 0) return { kind: 'send', to: term.to, label, payload, annotations, next };
      return { kind: 'send', to: term.to, label, payload, annotations, choice: term.tags.map((tag) => tag.label), next };
    }
    case 'recv': {
      const { label, payload, annotations } = term.sig;
      const next = formOf(term.next);
      if (term.gather === null) return { kind: 'recv', from: term.from, label, payload, annotations, next };
      return { kind: 'recv', from: term.from, label, payload, annotations, gather: term.gather, next };
    }
    case 'local':
      return { kind: 'local', action: term.action, args: term.args, next: formOf(term.next) };
    case 'select':
      return { kind: 'select', branches: record(term.entries) };
    case 'branch':
      return { kind: 'branch', from: term.from, branches: record(term.entries) };
    case 'rec':
      return { kind: 'rec', label: term.label, body: formOf(term.body) };
    case 'var':
      return { kind: 'var', label: term.label };
    case 'par':
      return { kind: 'par', branches: term.branches.map(formOf), next: formOf(term.next) };
    case 'end':
      return END;
  }
}

function record(entries: Entries): Record<string, LocalType> {
  const result: Record<string, LocalType> = {};
  for (const [label, term] of entries) result[label] = formOf(term);
  return result;
}
