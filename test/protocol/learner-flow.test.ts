import { describe, expect, it } from 'vitest';
import { LearnerFlow, lagInstancesMaxOf } from '../../src/protocol/learner-flow.ts';
import { resolveProtocolOptions } from '../../src/protocol/options.ts';
import { L20, L21, L22 } from './builders.ts';

const LAG = 10;
const SUSPECT = 5;
const STALL = 20;
const flow = (): LearnerFlow => new LearnerFlow(new Set([L20, L21]), LAG, SUSPECT, STALL);

describe('learner flow control', () => {
  it('holds the leader lagMax instances past the slowest learner it counts, and lets it go on as that learner delivers', () => {
    const f = flow();
    f.heard(L20, 0, 0, 0);
    expect(f.allows(9, 1)).toBe(true);
    expect(f.allows(10, 1)).toBe(false);
    f.heard(L20, 3, 2, 10);
    expect([f.allows(12, 2), f.allows(13, 2)]).toEqual([true, false]);
    expect(f.stats).toEqual({ learnerHolds: 2, learnersLetGo: 0 });
    expect(f.summary()).toEqual({ counted: 1, slowestUpTo: 3 });
  });

  it('knows only the ring learners', () => {
    const f = flow();
    expect([f.isLearner(L20), f.isLearner(L21), f.isLearner(L22)]).toEqual([true, true, false]);
  });

  it('does not wait for a learner first heard from further behind than lagMax, until it comes within lagMax', () => {
    const f = flow();
    f.heard(L20, 0, 0, 100);
    expect(f.allows(100, 0)).toBe(true);
    expect(f.summary().counted).toBe(0);
    f.heard(L20, 91, 1, 100);
    expect(f.allows(100, 1)).toBe(true);
    expect(f.allows(101, 1)).toBe(false);
  });

  it('does not wait for a learner it has not heard from for suspectTicks, and counts it again only once it comes back within lagMax', () => {
    const f = flow();
    f.heard(L20, 0, 0, 0);
    expect(f.allows(10, SUSPECT)).toBe(false);
    expect(f.allows(10, SUSPECT + 1)).toBe(true);
    // Back, still far behind: not waited for.
    f.heard(L20, 0, 20, 50);
    expect(f.allows(50, 20)).toBe(true);
    f.heard(L20, 45, 21, 50);
    expect(f.allows(55, 21)).toBe(false);
  });

  it('lets go a learner that delivers nothing for stallTicks while the leader waits for it, until it comes back within lagMax', () => {
    const f = flow();
    f.heard(L20, 0, 0, 0);
    for (let now = 1; now <= STALL; now++) {
      f.heard(L20, 0, now, 10);
      expect(f.allows(10, now)).toBe(false);
    }
    f.heard(L20, 0, STALL + 1, 10);
    expect(f.allows(10, STALL + 1)).toBe(true);
    expect(f.stats.learnersLetGo).toBe(1);
    // Moving again but still lagMax behind: not counted; within it: counted.
    f.heard(L20, 5, STALL + 2, 20);
    expect(f.allows(20, STALL + 2)).toBe(true);
    f.heard(L20, 11, STALL + 3, 20);
    expect(f.allows(21, STALL + 3)).toBe(false);
  });

  it('does not take a learner that had everything while the ring was idle for a stalled one', () => {
    const f = flow();
    f.heard(L20, 5, 0, 5);
    f.heard(L20, 5, 100, 5);
    expect(f.allows(15, 101)).toBe(false);
    expect(f.stats.learnersLetGo).toBe(0);
  });

  it('is bounded by what the acceptors retain and by the learners\' window, whichever is least', () => {
    expect(lagInstancesMaxOf(resolveProtocolOptions())).toBe(256);
    expect(lagInstancesMaxOf(resolveProtocolOptions({ acceptorRetainedBytesMax: 4 * 56 * 1024 }))).toBe(4);
    expect(lagInstancesMaxOf(resolveProtocolOptions({ learnerLagInstancesMax: 100_000 }))).toBe(292);
    expect(lagInstancesMaxOf(resolveProtocolOptions({ learnerLagInstancesMax: 100_000, acceptorRetainedBytesMax: 1024 ** 3, phase1WindowInstances: 64, learnerWindowInstances: 64 }))).toBe(64);
  });
});
