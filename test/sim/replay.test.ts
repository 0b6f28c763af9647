/**
 * Replay: a run is a pure function of its seed and parameters. The same seed gives the same trace
 * (and so the same trace hash), another seed another; printing the trace does not perturb it; the
 * printed parameters name every fault rate; the ring shape stays within its bounds.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TraceHash } from '../../src/sim/trace-hash.ts';
import { formatParams, resolveSimParams, runSimulation } from '../../src/sim/simulator.ts';
import { randomShape } from '../../src/sim/ring-shape.ts';
import { Prng } from '../../src/protocol/prng.ts';

const params = resolveSimParams({ ticksSafety: 800, ticksLivenessMax: 2000 });

describe('replay', () => {
  it('runs the same seed to the same trace hash and the same verdict', () => {
    for (const seed of [1, 77, 4_000_000_000]) {
      const a = runSimulation(seed, params);
      const b = runSimulation(seed, params);
      expect(b.traceHash).toBe(a.traceHash);
      expect({ ...b, faults: b.faults.toJSON() }).toEqual({ ...a, faults: a.faults.toJSON() });
      expect(a.faults.total).toBeGreaterThan(0);
    }
  });

  it('gives different seeds different trace hashes', () => {
    const hashes = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) hashes.add(runSimulation(seed, params).traceHash);
    expect(hashes.size).toBe(30);
  });

  it('prints the same trace twice, and printing it does not change the run', () => {
    const print = (): { lines: string; hash: string } => {
      const h = new TraceHash();
      let n = 0;
      const r = runSimulation(5, params, { onTrace: (line) => (h.addString(line), n++) });
      expect(n).toBeGreaterThan(1000);
      return { lines: h.value, hash: r.traceHash };
    };
    const first = print();
    expect(print()).toEqual(first);
    expect(runSimulation(5, params).traceHash).toBe(first.hash);
  });

  it('prints every fault parameter, in the flags the command takes', () => {
    const text = formatParams(params);
    for (const flag of ['--loss', '--dup', '--reorder', '--reorder-ticks', '--crash', '--crash-roles', '--down-ticks', '--partition', '--partition-roles', '--partition-leader', '--partition-ticks', '--ticks', '--liveness-ticks', '--mode']) {
      expect(text).toMatch(new RegExp(`${flag} \\S`));
    }
  });

  it('prints flags that replay the same run through the command, protocol options and workload included', () => {
    const p = resolveSimParams({ ...params, workload: { proposeRate: 0.3, valuesMax: 150 }, protocol: { instancesInFlightMax: 4, phase1WindowInstances: 16 } });
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'runtime/cli/sim-command.ts', '--seed', '5', ...formatParams(p).split(' ')], { encoding: 'utf8' });
    expect(out).toContain(`trace hash: ${runSimulation(5, p).traceHash}`);
    expect(runSimulation(5, p).traceHash).not.toBe(runSimulation(5, params).traceHash);
  });

  it('changes the trace when a fault rate changes', () => {
    const lossier = resolveSimParams({ ...params, faults: { lossRate: params.faults.lossRate + 0.01 } });
    expect(runSimulation(1, lossier).traceHash).not.toBe(runSimulation(1, params).traceHash);
  });
});

describe('ring shapes', () => {
  it('stay within bounds and cover both modes and every size', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 2000; seed++) {
      const s = randomShape(new Prng(seed), 'mixed');
      expect([3, 5]).toContain(s.ring.acceptors.length);
      expect(s.ring.coordinators.length).toBeGreaterThanOrEqual(1);
      expect(s.ring.coordinators.length).toBeLessThanOrEqual(3);
      expect(s.ring.learners.length).toBeGreaterThanOrEqual(1);
      expect(s.ring.learners.length).toBeLessThanOrEqual(3);
      expect(s.proposers.length).toBeGreaterThanOrEqual(1);
      expect(s.proposers.length).toBeLessThanOrEqual(2);
      seen.add(`${s.ring.dissemination} ${s.ring.acceptors.length} ${s.ring.coordinators.length} ${s.ring.learners.length} ${s.proposers.length}`);
    }
    expect(seen.size).toBe(2 * 2 * 3 * 3 * 2);
  });

  it('keep their size when the mode is fixed', () => {
    const mixed = randomShape(new Prng(9), 'mixed');
    const ring = randomShape(new Prng(9), 'ring');
    expect(ring.ring.dissemination).toBe('ring');
    expect(ring.ring.acceptors).toEqual(mixed.ring.acceptors);
    expect(ring.proposers).toEqual(mixed.proposers);
  });
});
