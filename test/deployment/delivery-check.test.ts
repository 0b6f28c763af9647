/** deliveryCheck: what the benchmarks check in a learner's record of a load still running. */
import { describe, expect, it } from 'vitest';
import { PROPOSER_NODE_ID, deliveryCheck } from './processes.ts';

const rec = (...seqs: number[]): [number, number][] => seqs.map((s) => [PROPOSER_NODE_ID, s]);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

describe('deliveryCheck', () => {
  it('passes every value once, in order', () => {
    expect(deliveryCheck(rec(...range(0, 100)), 10)).toEqual({ delivered: 100, problems: [], outOfOrder: 0 });
  });

  it('counts values delivered after a later one of the same proposer, without calling it wrong', () => {
    const c = deliveryCheck(rec(0, 1, 5, 6, 2, 3, 4, 7), 10);
    expect(c.problems).toEqual([]);
    expect(c.outOfOrder).toBe(3);
  });

  it('finds a value delivered twice', () => {
    expect(deliveryCheck(rec(0, 1, 2, 1, 3), 10).problems).toEqual(['1 values delivered twice']);
  });

  it('finds a value missing that can no longer be on its way, and not one that may', () => {
    // Window 10: below 100 - 20 = 80 every value must be there; 95 may still come.
    const all = range(0, 101).filter((v) => v !== 37 && v !== 95);
    expect(deliveryCheck(rec(...all), 10).problems).toEqual(['1 values missing below 80 (the first: 37)']);
    expect(deliveryCheck(rec(...range(0, 101).filter((v) => v !== 95)), 10).problems).toEqual([]);
  });

  it('finds values from another proposer', () => {
    expect(deliveryCheck([[PROPOSER_NODE_ID, 0], [9, 0]], 10).problems).toEqual(['1 values not from the proposer']);
  });
});
