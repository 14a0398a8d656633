/**
 * The workloads scenarios can name, by name.
 *
 * @module
 */
import type { Workload } from '../workload.ts';
import { gossipWorkload } from './gossip.ts';
import { requestResponseWorkload } from './request-response.ts';

/** Every workload, by name. */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  [gossipWorkload.name]: gossipWorkload,
  [requestResponseWorkload.name]: requestResponseWorkload,
};

export { gossipWorkload, requestResponseWorkload };
