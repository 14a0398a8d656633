/**
 * Views rebuilt from a store, resuming from a checkpoint. A view checkpoint is a reducer's state
 * saved in the fact store with the store position it covers (`FactStore.saveCheckpoint`); a cold
 * start loads it and replays only the facts stored after that position, instead of every fact of
 * the journal. Both give the same state (a property test checks it): a reducer's state is a
 * function of the fact set, the checkpoint's state is the reduction of the facts up to its
 * position, and the replay adds exactly the others.
 *
 * This is the local counterpart of a snapshot fact (`snapshot.ts`): nothing is signed or pruned,
 * and the checkpoint is trusted the way the store's own rows are (the file is this device's; a
 * checkpoint is dropped whenever a fact is removed, and `check: 'full'` plus a rebuild without it
 * re-derive everything). A replay folds each stored fact once without a set of seen CIDs: the
 * store holds every CID once.
 *
 * @module
 */
import { decodeCanonical, encodeCanonical } from '../core/canonical.ts';
import type { FactStore } from './fact-store.ts';
import type { Namespace } from './namespace.ts';
import type { SnapshotReducer } from './snapshot.ts';

/** A view's state as rebuilt from a store. */
export interface StoredView<S> {
  /** The reduction of every fact of the namespace up to {@link position}. */
  readonly state: S;
  /** The store position the state covers. */
  readonly position: number;
  /** Facts folded in by this rebuild (all of them without a checkpoint, the newer ones with one). */
  readonly replayed: number;
  /** True when the rebuild started from a checkpoint. */
  readonly resumed: boolean;
}

/** How to rebuild. */
export interface RebuildOptions {
  /** Start from the saved checkpoint when there is one (default true); `false` replays every fact. */
  readonly useCheckpoint?: boolean;
}

/**
 * The state of `reducer` over the facts of `namespace` in `store`: from its checkpoint plus the
 * facts stored since when one was saved, from every fact otherwise. Facts are read trusted
 * (`verify: false`). Errors: the reducer's `snapshot.bad-state` for a checkpoint it cannot read.
 */
export async function rebuildView<S, V>(store: FactStore, namespace: Namespace, reducer: SnapshotReducer<S, V>, options: RebuildOptions = {}): Promise<StoredView<S>> {
  const position = await store.position();
  const checkpoint = options.useCheckpoint === false ? undefined : await store.loadCheckpoint(namespace, reducer.name);
  const resumed = checkpoint !== undefined && checkpoint.position <= position;
  let state = resumed ? reducer.decodeState(decodeCanonical(checkpoint.state)) : reducer.init();
  const replayed = await store.scan(namespace, (record) => { state = reducer.step(state, record); }, { verify: false, after: resumed ? checkpoint.position : 0, through: position });
  return { state, position, replayed, resumed };
}

/** Saves `view` (as {@link rebuildView} returns it, or kept up to date since) as the checkpoint of `reducer`. */
export async function saveViewCheckpoint<S, V>(store: FactStore, namespace: Namespace, reducer: SnapshotReducer<S, V>, view: Pick<StoredView<S>, 'state' | 'position'>): Promise<void> {
  await store.saveCheckpoint(namespace, reducer.name, { position: view.position, state: encodeCanonical(reducer.encodeState(view.state)) });
}
