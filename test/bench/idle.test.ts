/**
 * A short run of bench/idle-bench.ts: five processes with no load, and the CPU they take (the
 * figures themselves are the benchmark's).
 */
import { describe, expect, it } from 'vitest';
import { benchRunner, itRefusesABadOption } from './run-bench.ts';

const run = benchRunner('idle-bench.ts');

describe('idle bench (smoke)', () => {
  it('starts five idle processes and prints the CPU each took', { timeout: 60_000 }, () => {
    const r = run('--settle', '1', '--seconds', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^five idle processes, tickMs 10, gateway own-thread \(default\), over 1 s after 1 s: [\d.]+% of a core in all$/m);
    for (const node of ['a1', 'a2', 'a3', 'l', 'p']) expect(r.stdout).toMatch(new RegExp(`^  ${node}: [\\d.]+% of a core$`, 'm'));
  });

  itRefusesABadOption(run, '--tick-ms', '0');
  itRefusesABadOption(run, '--gateway', 'main-thread');
});
