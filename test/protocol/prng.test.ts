import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/protocol/prng.ts';

const draws = (p: Prng, n: number): number[] => Array.from({ length: n }, () => p.nextU32());

describe('Prng', () => {
  it.each([0, 1, 42, 0xffff_ffff, -1])('replays the same stream from seed %i', (seed) => {
    expect(draws(new Prng(seed), 100)).toEqual(draws(new Prng(seed), 100));
  });

  it.each([
    [0, 1],
    [1, 2],
    [42, 43],
    [0x8000_0000, 0],
  ])('gives seeds %i and %i different streams', (s1, s2) => {
    const [a, c] = [draws(new Prng(s1), 16), draws(new Prng(s2), 16)];
    const same = a.filter((x, k) => x === c[k]).length;
    expect(same).toBe(0);
  });

  it('draws 32-bit unsigned integers and floats in [0, 1)', () => {
    const p = new Prng(7);
    for (let k = 0; k < 10_000; k++) {
      const u = p.nextU32();
      expect(Number.isInteger(u) && u >= 0 && u <= 0xffff_ffff).toBe(true);
      const f = p.next();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });

  it.each([1, 2, 3, 10, 1000])('keeps below(%i) in range', (n) => {
    const p = new Prng(n);
    for (let k = 0; k < 5000; k++) {
      const x = p.below(n);
      expect(Number.isInteger(x) && x >= 0 && x < n, `${x}`).toBe(true);
    }
  });

  it('spreads below(n) roughly uniformly', () => {
    const n = 10;
    const total = 100_000;
    const counts = new Array<number>(n).fill(0);
    const p = new Prng(2024);
    for (let k = 0; k < total; k++) {
      const x = p.below(n);
      counts[x] = (counts[x] ?? 0) + 1;
    }
    // Chi-squared with 9 degrees of freedom: 27.9 is the 0.999 quantile.
    const expected = total / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it.each([
    [0, 0],
    [1, 1],
    [0.25, 0.25],
    [0.9, 0.9],
  ])('chance(%f) comes true at about that rate', (prob, rate) => {
    const p = new Prng(11);
    let hits = 0;
    for (let k = 0; k < 20_000; k++) if (p.chance(prob)) hits++;
    expect(Math.abs(hits / 20_000 - rate)).toBeLessThan(0.02);
  });

  it('forks a generator that differs from its parent and replays', () => {
    const parent = new Prng(99);
    const child = parent.fork();
    const again = new Prng(99).fork();
    const childDraws = draws(child, 8);
    expect(childDraws).toEqual(draws(again, 8));
    expect(childDraws).not.toEqual(draws(parent, 8));
  });
});
