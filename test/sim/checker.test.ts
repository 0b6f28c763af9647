/**
 * The checker on hand-made event streams: each property it guards, shown failing once, and the
 * cases it must accept (a restarted learner re-delivering, a crashed learner owing nothing).
 */
import { describe, expect, it } from 'vitest';
import { instance, nodeId, ringId, valueId, type NodeId, type ValueId } from '../../src/protocol/ids.ts';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';
import { Checker, violationPhase, type MergeOrderCheck, type ViolationKind } from '../../src/sim/checker.ts';

const L1 = nodeId(21);
const L2 = nodeId(22);
const P = nodeId(31);
const RING = ringId(1);
const v = (seq: number): ValueId => valueId(P, seq);
const bytesOf = (seq: number): Uint8Array => new Uint8Array([seq, seq + 1]);

/** A checker with values 0..9 proposed by P. */
function checker(mergeChecks: MergeOrderCheck[] = []): Checker {
  const c = new Checker([L1, L2], [P], mergeChecks);
  for (let s = 0; s < 10; s++) c.onProposed(P, v(s), bytesOf(s));
  return c;
}

function deliver(c: Checker, learner: NodeId, i: number, seqs: number[], bytes = bytesOf): void {
  const d: DeliveredInstance = { ring: RING, instance: instance(i), values: seqs.map((s) => ({ id: v(s), bytes: bytes(s) })), slots: 1 };
  c.onEvent({ kind: 'delivered', at: i, learner, d });
}

const kinds = (c: Checker): ViolationKind[] => c.violations.map((x) => x.kind);

describe('checker: safety', () => {
  it('accepts learners that deliver the same sequence at different paces', () => {
    const c = checker();
    deliver(c, L1, 0, [0, 1]);
    deliver(c, L1, 1, []);
    deliver(c, L2, 0, [0, 1]);
    deliver(c, L1, 2, [2]);
    deliver(c, L2, 1, []);
    expect(c.violations).toEqual([]);
    expect(c.stats.valuesDelivered).toBe(5);
  });

  it.each([
    ['divergence', (c: Checker) => (deliver(c, L1, 0, [0]), deliver(c, L2, 0, [1]))],
    ['divergence', (c: Checker) => (deliver(c, L1, 0, [0, 1]), deliver(c, L2, 0, [1, 0]))],
    ['gap', (c: Checker) => (deliver(c, L1, 0, [0]), deliver(c, L1, 2, [1]))],
    ['redelivery', (c: Checker) => (deliver(c, L1, 0, [0]), deliver(c, L1, 0, [0]))],
    ['duplicate-value', (c: Checker) => (deliver(c, L1, 0, [0]), deliver(c, L1, 1, [0]))],
    ['not-proposed', (c: Checker) => deliver(c, L1, 0, [42])],
    ['bytes-mismatch', (c: Checker) => deliver(c, L1, 0, [3], () => new Uint8Array([9]))],
    ['ack-not-proposed', (c: Checker) => c.onEvent({ kind: 'acked', at: 1, proposer: P, id: v(77) })],
  ] as const)('reports %s', (kind, run) => {
    const c = checker();
    run(c);
    expect(kinds(c)).toContain(kind);
    expect(violationPhase(kind)).toBe('safety');
    expect(c.ok).toBe(false);
  });

  it('treats a restarted learner as a new incarnation that must agree with the others', () => {
    const c = checker();
    deliver(c, L1, 0, [0]);
    deliver(c, L1, 1, [1]);
    c.onEvent({ kind: 'crash', at: 5, node: L1 });
    c.onEvent({ kind: 'restart', at: 9, node: L1 });
    deliver(c, L1, 0, [0]); // starts over from instance 0: neither a gap nor a redelivery
    expect(c.violations).toEqual([]);
    deliver(c, L1, 1, [2]);
    expect(kinds(c)).toEqual(['divergence']);
    expect(c.violations[0]?.message).toContain('learner 21#1');
  });

  it('keeps the first violations and counts the rest', () => {
    const c = checker();
    for (let i = 0; i < 50; i++) deliver(c, L1, i, [42]);
    expect(c.violations.length).toBe(20);
    expect(c.violationsTotal).toBeGreaterThan(50);
  });
});

describe('checker: liveness', () => {
  it('holds when every live learner delivered what was acked and what is pending', () => {
    const c = checker();
    c.onEvent({ kind: 'acked', at: 1, proposer: P, id: v(0) });
    for (const l of [L1, L2]) deliver(c, l, 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.livenessSatisfied()).toBe(true);
  });

  it('reports an acked value a live learner lacks, and owes nothing for a crashed learner', () => {
    const c = checker();
    c.onEvent({ kind: 'acked', at: 1, proposer: P, id: v(0) });
    c.onEvent({ kind: 'crash', at: 2, node: L2 });
    deliver(c, L1, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.livenessSatisfied()).toBe(false);
    c.reportLiveness(100, 50);
    expect(kinds(c)).toEqual(['acked-lost']);
    expect(c.violations[0]?.node).toBe(L1);
    expect(violationPhase('acked-lost')).toBe('liveness');
  });

  it('requires values pending at a live proposer, but not those of a restarted one', () => {
    const c = checker();
    for (const l of [L1, L2]) deliver(c, l, 0, [0, 1, 2]);
    expect(c.livenessSatisfied()).toBe(false); // 3..9 are pending at P
    c.reportLiveness(100, 50);
    expect(kinds(c)).toEqual(['not-delivered', 'not-delivered']);
    const restarted = checker();
    restarted.onEvent({ kind: 'crash', at: 1, node: P });
    restarted.onEvent({ kind: 'restart', at: 2, node: P });
    expect(restarted.livenessSatisfied()).toBe(true);
  });

  it('requires a value one learner delivered from every other live learner', () => {
    const c = checker();
    c.onEvent({ kind: 'crash', at: 1, node: P }); // nothing pending is owed
    deliver(c, L1, 0, [5]);
    expect(c.livenessSatisfied()).toBe(false);
    deliver(c, L2, 0, [5]);
    expect(c.livenessSatisfied()).toBe(true);
  });
});

describe('checker: multi-ring merge hook', () => {
  it('shows every delivery to the merge checks and reports their problems', () => {
    const seen: string[] = [];
    const merge: MergeOrderCheck = {
      observe(who, d) {
        seen.push(`${who.learner}#${who.incarnation}:${d.ring}/${d.instance}`);
        return d.instance === 1 ? 'ring 1 took two turns in a row' : null;
      },
    };
    const c = checker([merge]);
    deliver(c, L1, 0, [0]);
    deliver(c, L1, 1, [1]);
    expect(seen).toEqual(['21#0:1/0', '21#0:1/1']);
    expect(kinds(c)).toEqual(['merge-order']);
    expect(c.violations[0]?.message).toContain('two turns');
  });
});
