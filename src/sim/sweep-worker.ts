/**
 * Entry point of a sweep worker thread: asks for seeds by posting results (an empty list at
 * first), runs each chunk it is sent, and posts the results back, until the sweep stops it.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { runSeeds, type SweepTask } from './sweep.ts';

parentPort?.on('message', (task: SweepTask) => {
  void runSeeds(task).then((results) => parentPort?.postMessage(results));
});
parentPort?.postMessage([]);
