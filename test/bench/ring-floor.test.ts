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
    const row = /^\| 1024 \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \|$/m.exec(r.stdout);
    expect(row, r.stdout).not.toBeNull();
    expect(Number((row?.[1] ?? '0').replace(/,/g, ''))).toBeGreaterThan(0);
  });

  itRefusesABadOption(run, '--seconds', '0');
});
