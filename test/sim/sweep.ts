/** Runs a sweep profile's seeds as test cases: every seed must pass both phases. */
import { describe, expect, it } from 'vitest';
import { formatShape } from '../../src/sim/ring-shape.ts';
import { formatParams, runSimulation } from '../../src/sim/simulator.ts';
import { seedChunks, type SweepProfile } from './profiles.ts';

export function sweep(profile: SweepProfile, half: 0 | 1): void {
  describe(`sweep: ${profile.name} (${formatParams(profile.params)})`, () => {
    for (const { first, last } of seedChunks(profile, half)) {
      it(`seeds ${first}–${last}: no safety or liveness violation`, () => {
        const failures: string[] = [];
        let faults = 0;
        let acked = 0;
        for (let seed = first; seed <= last; seed++) {
          const r = runSimulation(seed, profile.params);
          faults += r.faults.total;
          acked += r.valuesAcked;
          const v = r.violations[0];
          if (v !== undefined) failures.push(`seed ${seed} (${formatShape(r.shape)}): ${v.kind} at t=${v.at}: ${v.message}`);
        }
        const replay = `npx tsx runtime/cli/sim-command.ts --seed <SEED> ${formatParams(profile.params)} --trace`;
        expect(failures, `replay a failing seed with: ${replay}`).toEqual([]);
        // The sweep must have exercised something: faults were injected and values got through.
        expect(faults).toBeGreaterThan(100 * (last - first + 1));
        expect(acked).toBeGreaterThan(100 * (last - first + 1));
      });
    }
  });
}
