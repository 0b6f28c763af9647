import { describe, expect, it } from 'vitest';
import { DedupTable } from '../../src/protocol/dedup.ts';
import { nodeId, valueId, type NodeId } from '../../src/protocol/ids.ts';
import { vid } from './builders.ts';

const P = nodeId(7);

/** Feeds the sequence numbers of one proposer in order; returns firstTime() of each. */
function feed(table: DedupTable, seqs: readonly number[], proposer: NodeId = P): boolean[] {
  return seqs.map((s) => table.firstTime(vid(proposer, s)));
}

describe('DedupTable', () => {
  it.each<[string, number[], boolean[]]>([
    ['first time', [0], [true]],
    ['a duplicate', [0, 0], [true, false]],
    ['a run, each once', [0, 1, 2, 3], [true, true, true, true]],
    ['a run, then its repeats', [0, 1, 2, 2, 1, 0], [true, true, true, false, false, false]],
    ['out of order within the window', [5, 3, 4, 3, 5, 0], [true, true, true, false, false, true]],
    ['a gap filled later', [0, 2, 1, 2, 1], [true, true, true, false, false]],
    ['a first id that is not zero', [1000, 999, 1000], [true, true, false]],
    // window 8: the window holds seqMax-7..seqMax; below it everything is a late copy.
    ['the oldest number still inside the window', [10, 3], [true, true]],
    ['the first number below the window', [10, 2], [true, false]],
    ['far below the window', [100, 0, 50], [true, false, false]],
    ['window sliding past seen numbers', [0, 1, 8, 9, 1, 2], [true, true, true, true, false, true]],
    ['a jump clears the whole window', [0, 1, 2, 20, 13, 14, 12], [true, true, true, true, true, true, false]],
    ['a jump of exactly the window', [3, 11, 4, 3], [true, true, true, false]],
  ])('window 8: %s', (_what, seqs, expected) => {
    expect(feed(new DedupTable(8, 4), seqs)).toEqual(expected);
  });

  it('delivers each of many out-of-order numbers once while they stay in the window', () => {
    const table = new DedupTable(64, 1);
    const seen: number[] = [];
    // Blocks of 32 numbers, each block reversed and sent twice: every number is new exactly once.
    for (let block = 0; block < 20; block++) {
      const seqs = Array.from({ length: 32 }, (_, k) => block * 32 + 31 - k);
      for (const s of [...seqs, ...seqs]) if (table.firstTime(vid(P, s))) seen.push(s);
    }
    expect(seen).toHaveLength(20 * 32);
    expect(new Set(seen).size).toBe(20 * 32);
  });

  it('keeps proposers apart', () => {
    const table = new DedupTable(8, 4);
    expect(feed(table, [0, 1], nodeId(1))).toEqual([true, true]);
    expect(feed(table, [0, 1], nodeId(2))).toEqual([true, true]);
    expect(feed(table, [1, 0], nodeId(1))).toEqual([false, false]);
    expect(table.proposerCount).toBe(2);
  });

  it('tracks at most proposersMax proposers, forgetting the one tracked longest', () => {
    const table = new DedupTable(8, 3);
    for (const p of [1, 2, 3]) expect(table.firstTime(vid(nodeId(p), 0))).toBe(true);
    expect(table.proposerCount).toBe(3);
    expect(table.firstTime(vid(nodeId(4), 0))).toBe(true);
    expect(table.proposerCount).toBe(3);
    // Proposers 2, 3 and 4 are remembered; proposer 1 was forgotten, so its copy looks new.
    expect(table.firstTime(vid(nodeId(2), 0))).toBe(false);
    expect(table.firstTime(vid(nodeId(3), 0))).toBe(false);
    expect(table.firstTime(vid(nodeId(4), 0))).toBe(false);
    expect(table.firstTime(vid(nodeId(1), 0))).toBe(true);
    expect(table.proposerCount).toBe(3);
  });

  it('stays at proposersMax under many proposers', () => {
    const table = new DedupTable(4, 16);
    for (let p = 0; p < 1000; p++) table.firstTime(vid(nodeId(p), p % 5));
    expect(table.proposerCount).toBe(16);
    // The last 16 proposers are still remembered.
    for (let p = 984; p < 1000; p++) expect(table.firstTime(vid(nodeId(p), p % 5))).toBe(false);
  });
});

describe('dedup across proposer epochs', () => {
  it('judges an old epoch’s late value by its own window, not the new epoch’s', () => {
    // Regression (simulator): a restarted proposer's first values were delivered before an
    // acked value of its previous life, which was then dropped as a duplicate and lost.
    const t = new DedupTable(8, 16);
    const p = 31 as NodeId;
    expect(t.firstTime(valueId(p, 116))).toBe(true);
    expect(t.firstTime(valueId(p, 2 ** 24))).toBe(true);
    expect(t.firstTime(valueId(p, 117))).toBe(true);
    expect(t.firstTime(valueId(p, 116))).toBe(false);
    expect(t.firstTime(valueId(p, 2 ** 24))).toBe(false);
  });
});
