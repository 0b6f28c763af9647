import { describe, expect, it } from 'vitest';
import { valueId, type NodeId } from '../../src/protocol/ids.ts';
import { batchesOf, packRun, runsFitting, type ValueRun } from '../../src/protocol/runs.ts';

/** A run of `count` values of `size` bytes each, ids from `seq`. */
const run = (seq: number, count: number, size: number): ValueRun =>
  packRun(valueId(30 as NodeId, seq), Array.from({ length: count }, () => new Uint8Array(size)));

describe('batches of runs', () => {
  const runs = [run(0, 2, 10), run(2, 3, 10), run(5, 1, 40), run(6, 4, 1)];

  it('takes runs while their values fit the byte and value limits, never splitting one', () => {
    expect(runsFitting(runs, 0, 50, 100)).toBe(2); // 20 + 30 bytes; the 40-byte run would pass 50
    expect(runsFitting(runs, 0, 1000, 5)).toBe(2); // 2 + 3 values; 1 more would pass 5
    expect(runsFitting(runs, 2, 10, 100)).toBe(3); // one run larger than the limit still goes alone
    expect(runsFitting(runs, 4, 10, 100)).toBe(4); // nothing left
  });

  it('cuts a list into consecutive batches that together hold every run once, in order', () => {
    const batches = batchesOf(runs, 50, 100);
    expect(batches.map((b) => b.map((r) => r.first))).toEqual([[runs[0]?.first, runs[1]?.first], [runs[2]?.first, runs[3]?.first]]); // 50 bytes, then 40 + 4
    expect(batchesOf([], 50, 100)).toEqual([]);
  });
});
