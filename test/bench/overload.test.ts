/**
 * A short run of bench/overload-bench.ts: the node is offered a rate from its first millisecond,
 * delivers values and reports each second (the figures themselves are the benchmark's).
 */
import { describe, expect, it } from 'vitest';
import { benchRunner, itRefusesABadOption } from './run-bench.ts';

const run = benchRunner('overload-bench.ts');

describe('overload bench (smoke)', () => {
  it('delivers under an open-loop rate and prints each second', { timeout: 60_000 }, () => {
    const r = run('--rate', '20000', '--seconds', '2');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const seconds = /^delivered per second: ([\d, ]+)$/m.exec(r.stdout);
    expect(seconds, r.stdout).not.toBeNull();
    const counts = (seconds?.[1] ?? '').trim().split(' ').map((n) => Number(n.replace(/,/g, '')));
    expect(counts.length).toBe(2);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^refused: [\d,]+ of [\d,]+ offered$/m);
  });

  itRefusesABadOption(run, '--outstanding-bytes', '0');
});
