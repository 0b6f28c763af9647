/**
 * The checker can fail: deliberately broken roles, plugged in through the cluster's roleFactory,
 * make it report the violation they cause, on a seed that replays to the same violation, while
 * the real roles on that same seed show no violation of that kind.
 */
import { describe, expect, it } from 'vitest';
import type { ViolationKind } from '../../src/sim/checker.ts';
import { DEFAULT_SIM_PARAMS, runSimulation, type SimResult } from '../../src/sim/simulator.ts';
import { brokenFactory, type BrokenVariant } from './broken-roles.ts';

/** Seeds tried per variant: most show their violation within the first few; the promise-forgetting acceptor first at seed 46. */
const SEEDS_MAX = 100;
const params = DEFAULT_SIM_PARAMS;

const CASES: readonly (readonly [BrokenVariant, ViolationKind])[] = [
  ['promise-breaking-acceptor', 'divergence'],
  ['promise-forgetting-acceptor', 'divergence'],
  ['amnesiac-acceptor', 'divergence'],
  ['asserting-acceptor', 'exception'],
  ['gap-skipping-learner', 'gap'],
  ['double-delivering-learner', 'redelivery'],
  ['no-dedup-learner', 'duplicate-value'],
  ['eager-ack-coordinator', 'acked-lost'],
  ['untraced-votes-acceptor', 'bytes-mismatch'],
];

const has = (r: SimResult, kind: ViolationKind): boolean => r.violations.some((v) => v.kind === kind);

/** The first seed on which the broken variant shows `kind` and the real roles do not. */
function firstFailingSeed(variant: BrokenVariant, kind: ViolationKind): SimResult | null {
  for (let seed = 1; seed <= SEEDS_MAX; seed++) {
    const broken = runSimulation(seed, params, { roleFactory: brokenFactory(variant) });
    if (has(broken, kind) && !has(runSimulation(seed, params), kind)) return broken;
  }
  return null;
}

describe('broken variants are caught, with a replayable seed', () => {
  it.each(CASES)('%s: %s', (variant, kind) => {
    const found = firstFailingSeed(variant, kind);
    expect(found, `no seed in 1..${SEEDS_MAX} made the checker report ${kind}`).not.toBeNull();
    if (found === null) return;
    const replayed = runSimulation(found.seed, params, { roleFactory: brokenFactory(variant) });
    expect(replayed.traceHash).toBe(found.traceHash);
    expect(replayed.violations).toEqual(found.violations);
    expect(has(replayed, kind)).toBe(true);
  });
});
