/**
 * A short run of bench/ring-floor-bench.ts: its four processes start, pass values round the
 * pattern and report a rate (the figure itself is the benchmark's, not asserted here).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../../bench/ring-floor-bench.ts', import.meta.url));

describe('ring-floor bench (smoke)', () => {
  it('decides values at 1 KB and prints the row', { timeout: 60_000 }, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH, '--bytes', '1024', '--seconds', '1', '--warmup', '0.5'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const row = /^\| 1024 \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \|$/m.exec(r.stdout);
    expect(row, r.stdout).not.toBeNull();
    expect(Number((row?.[1] ?? '0').replace(/,/g, ''))).toBeGreaterThan(0);
  });

  it('refuses a bad option, naming it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH, '--seconds', '0'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--seconds');
  });
});
