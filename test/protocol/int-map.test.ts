import { describe, expect, it } from 'vitest';
import { IntMap, IntSet } from '../../src/protocol/int-map.ts';
import { ListsByKey } from '../../src/protocol/multimap.ts';
import { Prng } from '../../src/protocol/prng.ts';

const sorted = <V>(entries: Iterable<[number, V]>): [number, V][] => [...entries].sort((a, b) => a[0] - b[0]);

describe('IntMap', () => {
  it('gets, sets, overwrites and deletes', () => {
    const m = new IntMap<number, string>(4);
    m.set(7, 'a').set(8, 'b');
    m.set(7, 'c');
    expect(m.get(7)).toBe('c');
    expect(m.get(8)).toBe('b');
    expect(m.get(9)).toBeUndefined();
    expect(m.size).toBe(2);
    expect(m.delete(7)).toBe(true);
    expect(m.delete(7)).toBe(false);
    expect(m.has(7)).toBe(false);
    expect(m.size).toBe(1);
  });

  it('grows when two live keys meet in one slot, keeping both', () => {
    const m = new IntMap<number, number>(4);
    m.set(1, 10);
    m.set(5, 50); // slot 1 of 4 again
    m.set(1 + 64, 650);
    expect([m.get(1), m.get(5), m.get(65)]).toEqual([10, 50, 650]);
    expect(m.size).toBe(3);
  });

  it('keeps keys past its largest capacity aside, and takes them in when room is made', () => {
    const m = new IntMap<number, number>(4, 4);
    m.set(0, 0).set(4, 4).set(8, 8); // all slot 0: two wait aside
    expect(sorted(m)).toEqual([
      [0, 0],
      [4, 4],
      [8, 8],
    ]);
    expect(m.size).toBe(3);
    m.delete(0);
    m.set(4, 40); // still aside, not in both places
    expect(m.size).toBe(2);
    expect(m.get(4)).toBe(40);
    m.delete(4);
    m.delete(8);
    expect(m.size).toBe(0);
    expect([...m]).toEqual([]);
  });

  it('spreads value ids of several proposers (keys past 2^32) over distinct slots', () => {
    const m = new IntMap<number, number>(8, 1 << 12);
    const span = 2 ** 40;
    for (let p = 1; p <= 4; p++) for (let s = 0; s < 100; s++) m.set(p * span + s, p);
    expect(m.size).toBe(400);
    for (let p = 1; p <= 4; p++) for (let s = 0; s < 100; s++) expect(m.get(p * span + s)).toBe(p);
  });

  it('lets entries be deleted while it is walked', () => {
    const m = new IntMap<number, number>();
    for (let i = 0; i < 100; i++) m.set(i, i);
    for (const [k] of m) if (k % 2 === 0) m.delete(k);
    m.forEach((_, k) => {
      if (k % 3 === 0) m.delete(k);
    });
    expect(sorted(m).map(([k]) => k)).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 2 !== 0 && i % 3 !== 0));
  });

  it('behaves as a Map under random use: a window that advances, stragglers, clears (seeded)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rng = new Prng(seed);
      const m = new IntMap<number, number>(2, 256);
      const model = new Map<number, number>();
      let base = 0;
      for (let step = 0; step < 3000; step++) {
        const r = rng.below(100);
        const key = r < 5 ? base - rng.below(2000) : base + rng.below(300);
        if (r < 55) {
          m.set(key, step);
          model.set(key, step);
        } else if (r < 85) expect(m.delete(key)).toBe(model.delete(key));
        else if (r < 99) base += rng.below(8);
        else {
          m.clear();
          model.clear();
        }
        expect(m.get(key)).toBe(model.get(key));
        expect(m.has(key)).toBe(model.has(key));
        expect(m.size).toBe(model.size);
      }
      expect(sorted(m)).toEqual(sorted(model));
      expect([...m.keys()].sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
    }
  });
});

describe('IntSet', () => {
  it('adds, finds and removes', () => {
    const s = new IntSet(2);
    s.add(3).add(3).add(1000);
    expect(s.size).toBe(2);
    expect(s.has(1000)).toBe(true);
    expect(s.delete(3)).toBe(true);
    expect([...s]).toEqual([1000]);
    s.clear();
    expect(s.size).toBe(0);
  });
});

describe('ListsByKey', () => {
  it('hands each non-empty list over once, and starts it afresh', () => {
    const l = new ListsByKey<string, number>();
    l.append('a', 1);
    l.append('b', 2);
    l.append('a', 3);
    expect(l.size).toBe(3);
    const items: number[] = [];
    l.forEachItem((x) => items.push(x));
    expect(items.sort()).toEqual([1, 2, 3]);
    const got: [string, number[]][] = [];
    l.drain((k, list) => got.push([k, list]));
    expect(got).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
    expect(l.size).toBe(0);
    l.drain(() => {
      throw new Error('nothing to hand over');
    });
    l.append('b', 4);
    const again: [string, number[]][] = [];
    l.drain((k, list) => again.push([k, list]));
    expect(again).toEqual([['b', [4]]]);
    // The lists handed over are the caller's: the next appends do not touch them.
    expect(got[1]?.[1]).toEqual([2]);
  });
});
