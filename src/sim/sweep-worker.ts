/**
 * Entry point of a sweep worker thread: runs the seeds it was given and posts their results.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeeds, type SweepTask } from './sweep.ts';

parentPort?.postMessage(await runSeeds(workerData as SweepTask));
