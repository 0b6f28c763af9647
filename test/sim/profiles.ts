/**
 * The fault profiles the test suite sweeps, and the seeds it runs under each.
 *
 * The rates are held below what the simulator can do (`npm run sim` defaults to all faults at
 * once) because several fault classes still hit open protocol bugs, listed in regressions.ts:
 * - loss is 2%, not 20%: a lost Phase 1B stalls Phase 1 for good (open bug D);
 * - acceptors and coordinators crash only where no message is lost and no learner is cut off: a
 *   restarted acceptor forgets which instances were decided (E), and a re-proposed decided
 *   instance is never served to a learner again (F);
 * - partitions cut off learners and proposers only: a coordinator cut off from its ring acks values
 *   another ballot replaced (A) or ignores their retries (C).
 * When a bug is fixed, raise the rate it holds down and move its seeds to `fixed`.
 */
import { resolveSimParams, type SimParams } from '../../src/sim/simulator.ts';

export interface SweepProfile {
  readonly name: string;
  readonly params: SimParams;
  readonly seedFirst: number;
  readonly seedCount: number;
}

/** Seeds per test case: small enough that one case stays well under the test timeout. */
export const SEEDS_PER_CASE = 100;

const network = { duplicateRate: 0.05, reorderRate: 0.1, reorderTicksMax: 15 } as const;
const clientPartitions = { partitionRate: 0.003, partitionRoles: ['learner', 'proposer'], partitionTicksMin: 20, partitionTicksMax: 300 } as const;

export const SWEEP_PROFILES: readonly SweepProfile[] = [
  {
    name: 'network',
    params: resolveSimParams({ faults: { ...network, lossRate: 0.02, crashRate: 0, ...clientPartitions } }),
    seedFirst: 1,
    seedCount: 1000,
  },
  {
    name: 'client crashes',
    params: resolveSimParams({ faults: { ...network, lossRate: 0.02, crashRate: 0.004, crashRoles: ['learner', 'proposer'], ...clientPartitions } }),
    seedFirst: 1,
    seedCount: 1000,
  },
  {
    name: 'server crashes',
    params: resolveSimParams({ faults: { ...network, lossRate: 0, crashRate: 0.004, crashRoles: ['acceptor', 'coordinator', 'proposer'], partitionRate: 0 } }),
    seedFirst: 1,
    seedCount: 1000,
  },
];

/** The profile's seeds cut into test cases of `SEEDS_PER_CASE`; `half` 0 or 1 takes every other case. */
export function seedChunks(p: SweepProfile, half: 0 | 1): { first: number; last: number }[] {
  const chunks: { first: number; last: number }[] = [];
  for (let first = p.seedFirst; first < p.seedFirst + p.seedCount; first += SEEDS_PER_CASE) {
    chunks.push({ first, last: Math.min(first + SEEDS_PER_CASE, p.seedFirst + p.seedCount) - 1 });
  }
  return chunks.filter((_, i) => i % 2 === half);
}
