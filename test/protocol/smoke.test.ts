import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/sim/cluster.ts';
import { nodeId, ringId, type NodeId } from '../../src/protocol/ids.ts';
import type { Dissemination } from '../../src/protocol/options.ts';

const n = (x: number): NodeId => nodeId(x);
function ring(mode: Dissemination) {
  return new Cluster({
    ring: { ring: ringId(1), acceptors: [n(1), n(2), n(3)], coordinators: [n(10), n(11)], learners: [n(20), n(21)], dissemination: mode },
    proposers: [n(30)],
  });
}

describe.each(['multicast', 'ring'] as const)('smoke %s', (mode) => {
  it('decides and delivers 1000 values in order', () => {
    const c = ring(mode);
    const ids = [];
    for (let i = 0; i < 1000; i++) ids.push(c.propose(n(30), new Uint8Array([i & 255])));
    const ok = c.runUntil(() => c.deliveredValues(n(20)).length === 1000 && c.deliveredValues(n(21)).length === 1000, 2000);
    expect(ok).toBe(true);
    expect(c.deliveredValues(n(20))).toEqual(ids);
    expect(c.deliveredValues(n(21))).toEqual(ids);
    c.run(100);
    expect(c.acked.get(n(30))?.length).toBe(1000);
  });
});
