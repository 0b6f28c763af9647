import { describe, expect, it } from 'vitest';
import { PendingTable } from '../../runtime/node/pending-table.ts';

describe('PendingTable', () => {
  it('returns each entry once, by id, in any order', () => {
    const t = new PendingTable<string>(4, 1024);
    for (let id = 1; id <= 100; id++) t.set(id, `v${id}`);
    expect(t.size).toBe(100);
    for (let id = 100; id >= 1; id -= 2) expect(t.take(id)).toBe(`v${id}`);
    for (let id = 1; id <= 100; id += 2) expect(t.take(id)).toBe(`v${id}`);
    expect(t.take(5)).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('keeps an old entry as a straggler once the table is at its largest', () => {
    const t = new PendingTable<number>(8, 8);
    t.set(1, 1);
    // Ids 2..100 pass while id 1 waits; each slot is reused many times.
    for (let id = 2; id <= 100; id++) {
      t.set(id, id);
      expect(t.take(id)).toBe(id);
    }
    t.set(9, 9); // the slot of id 1 again
    expect(t.take(1)).toBe(1);
    expect(t.take(9)).toBe(9);
    expect(t.size).toBe(0);
  });

  it('grows instead of evicting while below its largest size', () => {
    const t = new PendingTable<number>(2, 64);
    for (let id = 1; id <= 64; id++) t.set(id, id * 10);
    for (let id = 1; id <= 64; id++) expect(t.take(id)).toBe(id * 10);
  });

  it('takes all entries, or those picked, including stragglers', () => {
    const t = new PendingTable<{ line: number }>(4, 4);
    for (let id = 1; id <= 10; id++) t.set(id, { line: id % 2 });
    const odd = t.takeAll((e) => e.line === 1);
    expect(odd).toHaveLength(5);
    expect(t.size).toBe(5);
    expect(t.takeAll()).toHaveLength(5);
    expect(t.size).toBe(0);
    expect(t.take(2)).toBeUndefined();
  });

  it('handles ids near the top of the 32-bit range', () => {
    const t = new PendingTable<number>(16, 16);
    const ids = [0xfffffffd, 0xfffffffe, 1, 2];
    for (const id of ids) t.set(id, id);
    for (const id of ids) expect(t.take(id)).toBe(id);
  });
});
