/**
 * bench/multi-process-steady.ts refuses bad options before it starts any process: its own options
 * by name, and protocol options the nodes would refuse by the config field they would name.
 */
import { describe, expect, it } from 'vitest';
import { benchRunner, itRefusesABadOption } from './run-bench.ts';

const run = benchRunner('multi-process-steady.ts');

describe('multi-process-steady bench (options)', () => {
  itRefusesABadOption(run, '--protocol', 'instancesInFlightMax');

  it('refuses a protocol option the nodes would refuse, naming its field, without starting them', () => {
    const r = run('--protocol', 'instancesInFlightMax=0');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('rings[0].protocol.instancesInFlightMax');
    expect(r.stdout).not.toMatch(/values\/s acked/);
  });
});
