/**
 * A short run of bench/vote-store-bench.ts: it appends to an acceptor's log in each mode asked and
 * prints a row for each (the figures themselves are the benchmark's).
 */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { benchRunner, itRefusesABadOption } from './run-bench.ts';

const run = benchRunner('vote-store-bench.ts');

describe('vote-store bench (smoke)', () => {
  it('appends in both modes, begins segments in kept files, and prints a row for each', { timeout: 60_000 }, () => {
    const r = run('--roots', tmpdir(), '--seconds', '1', '--value-bytes', '8192', '--segment-bytes', '65536');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const mode of ['async', 'sync']) {
      const row = new RegExp(`^\\| [^|]+ \\| ${mode} \\| (\\d+) \\| [\\d.]+ / [\\d.]+ / [\\d.]+ \\| (\\d+) \\| (\\d+) \\| 0 \\|$`, 'm').exec(r.stdout);
      expect(row, r.stdout).not.toBeNull();
      expect(Number(row?.[1])).toBeGreaterThan(0);
      // Segments of 64 KiB over a second of appends: many begun, nearly all in kept files.
      expect(Number(row?.[3])).toBeGreaterThan(0);
      expect(Number(row?.[3])).toBeLessThanOrEqual(Number(row?.[2]));
    }
  });

  itRefusesABadOption(run, '--modes', 'fast');
});
