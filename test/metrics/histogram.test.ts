import { describe, expect, it } from 'vitest';
import { Histogram } from '../../src/metrics/histogram.ts';
import { Prng } from '../../src/protocol/prng.ts';

describe('Histogram', () => {
  it('is exact below 64', () => {
    const h = new Histogram();
    for (let v = 0; v < 64; v++) h.record(v);
    expect(h.quantile(0.5)).toBe(32);
    expect(h.count).toBe(64);
    expect(h.max).toBe(63);
  });

  it('keeps quantiles within about 3% over a wide range', () => {
    const rng = new Prng(7);
    const values: number[] = [];
    const h = new Histogram();
    for (let i = 0; i < 100_000; i++) {
      const v = Math.floor(2 ** (rng.next() * 30));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = values[Math.ceil(q * values.length) - 1] as number;
      const approx = h.quantile(q);
      expect(Math.abs(approx - exact) / exact, `q=${q} exact=${exact} approx=${approx}`).toBeLessThan(0.035);
    }
  });

  it('merges and resets', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(10);
    b.record(1000);
    a.merge(b);
    expect(a.count).toBe(2);
    expect(a.max).toBe(1000);
    a.reset();
    expect(a.count).toBe(0);
    expect(a.quantile(0.99)).toBe(0);
  });
});
