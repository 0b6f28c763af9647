/**
 * A short run of bench/latency-floor-bench.ts: the machine's gaps are measured, the worker echoes
 * every value offered, and the latency quantiles are printed (the figures themselves are the
 * benchmark's, not asserted here).
 */
import { describe, expect, it } from 'vitest';
import { benchRunner, itRefusesABadOption } from './run-bench.ts';

const run = benchRunner('latency-floor-bench.ts');

describe('latency-floor bench (smoke)', () => {
  it('echoes the offered values, with work and a promise per value, and prints their latency', { timeout: 60_000 }, () => {
    const r = run('--rate', '20000', '--work-us', '1', '--promises', '--seconds', '1', '--warmup', '0.2', '--gaps-seconds', '0.2');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^machine: (2 threads spinning in C|one JavaScript thread spinning) 0\.2 s.* lost its core \d+ times/m);
    const row = /^run 1: offered [\d,]+, delivered ([\d,]+) values\/s, latency p50 ([\d.]+) \/ p99 ([\d.]+) \/ p99\.9 ([\d.]+) \/ max ([\d.]+) ms$/m.exec(r.stdout);
    expect(row, r.stdout).not.toBeNull();
    // Open loop at 20,000 values/s for 1 s: nearly all come back within the window.
    expect(Number((row?.[1] ?? '0').replace(/,/g, ''))).toBeGreaterThan(10_000);
    const [p50, p99, p999] = [row?.[2], row?.[3], row?.[4]].map(Number);
    expect(p50).toBeLessThanOrEqual(p99 as number);
    expect(p99).toBeLessThanOrEqual(p999 as number);
  });

  itRefusesABadOption(run, '--work-us', '-1');
});
