/**
 * A short run of bench/ring-floor-bench.ts: its four processes start, pass values round the
 * pattern and report a rate (the figure itself is the benchmark's, not asserted here).
 */
import { describe, expect, it } from 'vitest';
import { benchRunner, itRefusesABadOption } from './run-bench.ts';

const run = benchRunner('ring-floor-bench.ts');

describe('ring-floor bench (smoke)', () => {
  it('decides values at 1 KB and prints the row', { timeout: 60_000 }, () => {
    const r = run('--bytes', '1024', '--seconds', '1', '--warmup', '0.5');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const row = /^\| 1024 \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \/ ([\d.]+) \/ ([\d.]+) \/ ([\d.]+) \|$/m.exec(r.stdout);
    expect(row, r.stdout).not.toBeNull();
    expect(Number((row?.[1] ?? '0').replace(/,/g, ''))).toBeGreaterThan(0);
    // The total is the sum of the four processes' figures (each rounded to a tenth).
    const parts = (row?.slice(4) ?? []).map(Number);
    expect(Math.abs(parts.reduce((a, b) => a + b, 0) - Number(row?.[3]))).toBeLessThan(0.25);
  });

  itRefusesABadOption(run, '--seconds', '0');
});
