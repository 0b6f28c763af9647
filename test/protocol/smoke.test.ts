import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/sim/cluster.ts';
import { nodeId, ringId, type NodeId } from '../../src/protocol/ids.ts';
import type { Dissemination, ProtocolOptions } from '../../src/protocol/options.ts';
import type { Message } from '../../src/protocol/messages.ts';

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

/**
 * Three acceptors, one coordinator, one learner (20) and one proposer (30); every `every`-th
 * message that `lossy` picks is lost.
 */
function lossyRing(mode: Dissemination, protocol: Partial<ProtocolOptions>, lossy: (to: number, msg: Message) => boolean, every: number): Cluster {
  let k = 0;
  return new Cluster({
    ring: { ring: ringId(1), acceptors: [n(1), n(2), n(3)], coordinators: [n(10)], learners: [n(20)], dissemination: mode },
    proposers: [n(30)],
    protocol,
    policy: (_from, to, msg) => ({ drop: lossy(to, msg) && ++k % every === 0, delayTicks: 1, duplicates: 0 }),
  });
}

describe('window top-ups with instances in flight', () => {
  // Regression: a top-up once declared every instance below its start decided, so instances in
  // flight whose decision was lost were skipped by the leader and never delivered.
  it.each(['multicast', 'ring'] as const)('delivers every value with tiny windows and lost Phase 2 messages (%s)', (mode) => {
    const c = lossyRing(
      mode,
      { phase1WindowInstances: 8, instancesInFlightMax: 4, learnerWindowInstances: 64, acceptorRetainedInstancesMax: 64, batchValuesMax: 4 },
      (_to, msg) => msg.type === 'phase2a' || msg.type === 'phase2b' || msg.type === 'decision',
      7,
    );
    const ids = [];
    for (let i = 0; i < 400; i++) ids.push(c.propose(n(30), new Uint8Array([i & 255])));
    expect(c.runUntil(() => c.deliveredValues(n(20)).length === 400, 20_000)).toBe(true);
    expect(c.deliveredValues(n(20))).toEqual(ids);
  });
});

describe('acceptor retention when decisions are lost', () => {
  // Regression: an acceptor that missed one decision never advanced its decided watermark again,
  // so it could trim nothing and kept every vote from then on (4,228 of a 1,024 limit after
  // 20,000 values here, and growing).
  it.each(['multicast', 'ring'] as const)('stays within acceptorRetainedInstancesMax (%s)', (mode) => {
    const c = lossyRing(
      mode,
      { acceptorRetainedInstancesMax: 1024, phase1WindowInstances: 256, instancesInFlightMax: 16, batchValuesMax: 4 },
      (to, msg) => msg.type === 'decision' && [1, 2, 3].includes(to),
      50,
    );
    const ids = [];
    for (let round = 0; round < 10; round++) {
      for (let v = 0; v < 2000; v++) ids.push(c.propose(n(30), new Uint8Array([v & 255])));
      c.run(300);
    }
    expect(c.deliveredValues(n(20))).toEqual(ids);
    for (const a of [1, 2, 3]) expect(c.acceptor(n(a)).retainedInstances).toBeLessThanOrEqual(1024);
  });
});
