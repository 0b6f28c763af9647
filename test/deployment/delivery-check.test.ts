/** deliveryCheck: what the benchmarks check in a learner's record of a load still running. */
import { describe, expect, it } from 'vitest';
import { PROPOSER_NODE_ID, deliveryCheck, loadOnItsWayMax } from './processes.ts';

const rec = (...seqs: number[]): [number, number][] => seqs.map((s) => [PROPOSER_NODE_ID, s]);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

describe('deliveryCheck', () => {
  it('passes every value once, in order', () => {
    expect(deliveryCheck(rec(...range(0, 100)), 20)).toEqual({ delivered: 100, problems: [], outOfOrder: 0 });
  });

  it('counts values delivered after a later one of the same proposer, without calling it wrong', () => {
    const c = deliveryCheck(rec(0, 1, 5, 6, 2, 3, 4, 7), 20);
    expect(c.problems).toEqual([]);
    expect(c.outOfOrder).toBe(3);
  });

  it('finds a value delivered twice', () => {
    expect(deliveryCheck(rec(0, 1, 2, 1, 3), 20).problems).toEqual(['1 values delivered twice']);
  });

  it('finds a value missing that can no longer be on its way, and not one that may', () => {
    // 20 on its way at most: below 100 - 20 = 80 every value must be there; 95 may still come.
    const all = range(0, 101).filter((v) => v !== 37 && v !== 95);
    expect(deliveryCheck(rec(...all), 20).problems).toEqual(['1 values missing below 80 (the first: 37)']);
    expect(deliveryCheck(rec(...range(0, 101).filter((v) => v !== 95)), 20).problems).toEqual([]);
  });

  it('lets a value be on its way as far back as twice the load window or the proposer span, whichever is more', () => {
    expect(loadOnItsWayMax(1024)).toBe(16_384);
    expect(loadOnItsWayMax(8192)).toBe(16_384);
    expect(loadOnItsWayMax(10_000)).toBe(20_000);
    expect(loadOnItsWayMax(1024, { proposerValuesInFlightMax: 32 })).toBe(2048);
  });

  it('finds values from another proposer', () => {
    expect(deliveryCheck([[PROPOSER_NODE_ID, 0], [9, 0]], 20).problems).toEqual(['1 values not from the proposer']);
  });
});
