/** Every seed the simulator found failing, replayed: fixed bugs stay fixed, open ones are tracked. */
import { describe, expect, it } from 'vitest';
import { formatParams, resolveSimParams, runSimulation } from '../../src/sim/simulator.ts';
import { REGRESSIONS } from './regressions.ts';

describe('simulator regressions', () => {
  it.each(REGRESSIONS.filter((r) => r.status === 'fixed'))('fixed, seed $seed: $bug', (r) => {
    const params = resolveSimParams(r.params);
    const result = runSimulation(r.seed, params);
    const replay = `npx tsx runtime/cli/sim-command.ts --seed ${r.seed} ${formatParams(params)} --trace`;
    expect(result.violations, `the bug is back; replay: ${replay}`).toEqual([]);
  });

  it.each(REGRESSIONS.filter((r) => r.status === 'open'))('open, seed $seed: $bug', (r) => {
    const params = resolveSimParams(r.params);
    const kinds = runSimulation(r.seed, params).violations.map((v) => v.kind);
    const why = `seed ${r.seed} no longer shows ${r.kind}: if the bug is fixed, mark it fixed in test/sim/regressions.ts`;
    expect(kinds, why).toContain(r.kind);
  });
});
