/**
 * When an acceptor of a multicast ring asks its node's gateway for the ring's values
 * (actors/values-interest.ts): a spare of the current ring and an acceptor beside the ring's
 * coordinator do not; a higher ballot makes any of them listen again until its Phase 2A says.
 */
import { describe, expect, it } from 'vitest';
import { ValuesInterest } from '../../actors/values-interest.ts';
import { ballot, instance, nodeId, ringId, type Ballot, type NodeId } from '../../src/protocol/ids.ts';
import type { Message } from '../../src/protocol/messages.ts';

const SELF = nodeId(2);
const ring = ringId(1);
const b = (round: number, coordinator: number): Ballot => ballot(round, nodeId(coordinator));

function phase2a(at: Ballot, layout: readonly number[]): Message {
  return { type: 'phase2a', ring, from: nodeId(1), ballot: at, instance: instance(5), layout: layout as NodeId[], votes: 0, value: { kind: 'noop' } } as unknown as Message;
}
const phase1a = (at: Ballot): Message => ({ type: 'phase1a', ring, from: nodeId(1), ballot: at, instanceFrom: instance(0), instanceTo: instance(10), fresh: true });
const phase2b = (at: Ballot): Message => ({ type: 'phase2b', ring, from: nodeId(1), ballot: at, instance: instance(5), votes: 1 });
const heartbeat = (at: Ballot): Message => ({ type: 'heartbeat', ring, from: nodeId(11), ballot: at, decidedUpTo: instance(3) });
const decision = (): Message => ({ type: 'decision', ring, from: nodeId(3), entries: [] });

/** Coordinators 11 and 12; 12 is in this acceptor's process. */
const isLocal = (address: number): boolean => address === 12 || address === 2;

describe('ValuesInterest', () => {
  it('listens at first, and goes on listening while it is in a ring led from elsewhere', () => {
    const v = new ValuesInterest(SELF, isLocal);
    expect(v.wantsValues).toBe(true);
    expect(v.seen(phase1a(b(1, 11)))).toBe(null);
    expect(v.seen(phase2a(b(1, 11), [1, 2]))).toBe(null);
    expect(v.seen(phase2b(b(1, 11)))).toBe(null);
    expect(v.wantsValues).toBe(true);
  });

  it('stops as a spare of the ring, and listens again at a higher ballot until its Phase 2A says', () => {
    const v = new ValuesInterest(SELF, isLocal);
    expect(v.seen(phase2a(b(1, 11), [1, 3]))).toBe(false);
    // The same ballot again, its votes, a decision, an older ballot: nothing changes.
    expect(v.seen(phase2a(b(1, 11), [1, 3]))).toBe(null);
    expect(v.seen(heartbeat(b(1, 11)))).toBe(null);
    expect(v.seen(decision())).toBe(null);
    expect(v.seen(phase1a(b(0, 12)))).toBe(null);
    expect(v.wantsValues).toBe(false);
    // A new ring is formed under a higher ballot: listen, in case this acceptor is in it.
    expect(v.seen(phase1a(b(2, 11)))).toBe(true);
    expect(v.seen(phase2a(b(2, 11), [1, 2]))).toBe(null);
    expect(v.wantsValues).toBe(true);
  });

  it('listens again on a vote or a heartbeat of a higher ballot too (its Phase 1A may have been lost)', () => {
    const v = new ValuesInterest(SELF, isLocal);
    v.seen(phase2a(b(1, 11), [1, 3]));
    expect(v.seen(phase2b(b(2, 11)))).toBe(true);
    const w = new ValuesInterest(SELF, isLocal);
    w.seen(phase2a(b(1, 11), [1, 3]));
    expect(w.seen(heartbeat(b(3, 11)))).toBe(true);
  });

  it('stops while the ring is led from its own process, in or out of the ring', () => {
    const v = new ValuesInterest(SELF, isLocal);
    expect(v.seen(phase2a(b(4, 12), [2, 3]))).toBe(false);
    // The coordinator elsewhere takes over: listen, and stay listening in its ring.
    expect(v.seen(phase1a(b(5, 11)))).toBe(true);
    expect(v.seen(phase2a(b(5, 11), [1, 2]))).toBe(null);
    expect(v.wantsValues).toBe(true);
    // A Phase 2A of the old, local ballot arriving late changes nothing.
    expect(v.seen(phase2a(b(4, 12), [2, 3]))).toBe(null);
    expect(v.wantsValues).toBe(true);
  });
});

describe('ValuesInterest of a learner', () => {
  it('needs every ring\'s values, whoever votes, unless the ring is led from its own process', () => {
    const told: boolean[] = [];
    const v = new ValuesInterest(nodeId(21), isLocal, true, (want) => told.push(want));
    expect(v.seen(phase2a(b(1, 11), [1, 3]))).toBe(null);
    expect(v.wantsValues).toBe(true);
    expect(v.seen(phase2a(b(2, 12), [2, 3]))).toBe(false);
    expect(v.seen(heartbeat(b(3, 11)))).toBe(true);
    expect(v.seen(phase2a(b(3, 11), [1, 3]))).toBe(null);
    expect(v.wantsValues).toBe(true);
    expect(told).toEqual([false, true]);
  });
});
