/** Fault injection: the limits it keeps (at most f acceptors down), the roles it may touch, and partitions that cut both ways. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { nodeId, ringId, type NodeId } from '../../src/protocol/ids.ts';
import type { Message } from '../../src/protocol/messages.ts';
import { Prng } from '../../src/protocol/prng.ts';
import { Cluster, type RoleKind } from '../../src/sim/cluster.ts';
import { FaultCounts, NetworkFaults, NodeFaults, resolveFaultRates } from '../../src/sim/faults.ts';

const n = (x: number): NodeId => nodeId(x);
function cluster(acceptors: number): Cluster {
  return new Cluster({
    ring: { ring: ringId(1), acceptors: Array.from({ length: acceptors }, (_, i) => n(i + 1)), coordinators: [n(11), n(12)], learners: [n(21)], dissemination: 'multicast' },
    proposers: [n(31)],
  });
}
const HEARTBEAT: Message = { type: 'heartbeat', ring: ringId(1), from: n(11), ballot: 0 as never, decidedUpTo: 0 as never };

describe('node faults', () => {
  it.each([3, 5])('never has more than f of %i acceptors down, and restarts every node in the end', (acceptors) => {
    const c = cluster(acceptors);
    const counts = new FaultCounts();
    const faults = new NodeFaults(c, resolveFaultRates({ crashRate: 1, downTicksMin: 5, downTicksMax: 50 }), new Prng(3), counts);
    const f = (acceptors - 1) / 2;
    let acceptorsDownMax = 0;
    for (let t = 0; t < 500; t++) {
      faults.tick(t);
      const down = c.spec.acceptors.filter((a) => !c.isUp(a)).length;
      acceptorsDownMax = Math.max(acceptorsDownMax, down);
    }
    expect(acceptorsDownMax).toBe(f);
    expect(counts.get('crash-coordinator') + counts.get('crash-learner') + counts.get('crash-proposer')).toBeGreaterThan(0);
    faults.restartAll();
    expect(c.nodeIds.every((id) => c.isUp(id))).toBe(true);
  });

  it('crashes only the roles it is given', () => {
    const c = cluster(3);
    const counts = new FaultCounts();
    const faults = new NodeFaults(c, resolveFaultRates({ crashRate: 1, crashRoles: ['learner'] }), new Prng(1), counts);
    for (let t = 0; t < 200; t++) faults.tick(t);
    expect(counts.get('crash-learner')).toBeGreaterThan(0);
    expect(counts.total).toBe(counts.get('crash-learner') + counts.get('restart'));
  });
});

describe('network faults', () => {
  it('cuts a partition off both ways until it heals, and only nodes of the roles given', () => {
    const c = cluster(3);
    const roles: RoleKind[] = ['acceptor', 'learner'];
    const net = new NetworkFaults(resolveFaultRates({ lossRate: 0, partitionRate: 1, partitionRoles: roles, partitionTicksMin: 10, partitionTicksMax: 10 }), new Prng(2), new FaultCounts());
    const p = net.tick(0, c);
    expect(p).not.toBeNull();
    if (p === null) return;
    const inside = [...p.side][0] as NodeId;
    for (const id of p.side) expect(roles).toContain(c.kindOf(id));
    const outside = c.nodeIds.find((id) => !p.side.has(id)) as NodeId;
    expect(net.policy(inside, outside, HEARTBEAT, 1).drop).toBe(true);
    expect(net.policy(outside, inside, HEARTBEAT, 1).drop).toBe(true);
    expect(net.policy(outside, outside, HEARTBEAT, 1).drop).toBe(false);
    expect(net.tick(5, c)).toBeNull(); // one partition at a time
    net.tick(10, c); // heals, and (rate 1) starts the next one
    expect(net.partition?.healAt).toBe(20);
  });

  it('loses, duplicates and delays messages at the rates given', () => {
    const counts = new FaultCounts();
    const net = new NetworkFaults(resolveFaultRates({ lossRate: 0.25, duplicateRate: 0.1, reorderRate: 0.2, reorderTicksMax: 9 }), new Prng(4), counts);
    let dropped = 0;
    let delayMax = 0;
    for (let i = 0; i < 10_000; i++) {
      const fate = net.policy(n(1), n(2), HEARTBEAT, i);
      if (fate.drop) dropped++;
      else delayMax = Math.max(delayMax, fate.delayTicks);
    }
    expect(dropped / 10_000).toBeCloseTo(0.25, 1);
    expect(counts.get('duplicate')).toBeGreaterThan(500);
    expect(delayMax).toBe(10);
    expect(counts.get('reorder')).toBeGreaterThan(1000);
  });

  it('refuses rates that are not probabilities and ranges that are upside down', () => {
    expect(() => resolveFaultRates({ lossRate: 1.5 })).toThrow(ConfigError);
    expect(() => resolveFaultRates({ downTicksMin: 50, downTicksMax: 10 })).toThrow(/downTicksMax/);
    expect(() => resolveFaultRates({ crashRoles: ['leader' as RoleKind] })).toThrow(/crashRoles/);
  });
});
