import { describe, expect, it } from 'vitest';
import { Acceptor, type AcceptorState } from '../../src/protocol/acceptor.ts';
import { ballot, ballotNode, type Ballot, type NodeId } from '../../src/protocol/ids.ts';
import { GROUP, type Message } from '../../src/protocol/messages.ts';
import type { Dissemination } from '../../src/protocol/options.ts';
import {
  A1,
  A2,
  A3,
  B1,
  B1_C11,
  B2,
  batch,
  C10,
  C11,
  clientValue,
  decision,
  deliver,
  EMPTY_READY,
  entry,
  expectDropped,
  heartbeat,
  i,
  L20,
  nack,
  NOOP_VALUE,
  onRing,
  OTHER_RING,
  P30,
  phase1a,
  phase1b,
  phase2a,
  phase2b,
  repair,
  ringSpec,
  smallOptions,
  stepAll,
  STRANGER,
  tickCollect,
  to,
  unexpectedTypeRows,
} from './builders.ts';

const V = batch(clientValue(P30, 0, 4));
const W = batch(clientValue(P30, 1, 4));
const RING_12 = [A1, A2];
const RING_123 = [A1, A2, A3];

function acceptor(id: NodeId = A1, mode: Dissemination = 'multicast', recovered: AcceptorState | null = null): Acceptor {
  return new Acceptor(id, ringSpec(mode), smallOptions(), recovered);
}
/** An acceptor that has promised `bal` (its ready() already taken). */
function promisedAcceptor(bal: Ballot, id: NodeId = A1, mode: Dissemination = 'multicast'): Acceptor {
  const a = acceptor(id, mode);
  stepAll(a, phase1a(bal, 0, 64, true));
  expect(a.promisedBallot).toBe(bal);
  return a;
}
/** Multicast: `a` (ring[0] of RING_12) votes on instances `from..to-1`; ready() taken. */
function voteOn(a: Acceptor, from: number, to: number, bal: Ballot = B1): void {
  for (let n = from; n < to; n++) a.step(phase2a({ ballot: bal, instance: n, layout: RING_12, value: batch(clientValue(P30, n)) }));
  a.ready();
}

describe('acceptor Phase 1', () => {
  it('promises a fresh ballot and reports, persisting the promise with the reply', () => {
    const a = acceptor();
    expect(stepAll(a, phase1a(B1, 0, 64, true))).toEqual({
      persist: { promised: B1, accepted: [], decided: [] },
      messages: [to(C10, phase1b(A1, B1, 0, 64, []))],
      delivered: [],
    });
  });

  it.each<[string, Ballot, Ballot, boolean, 'promise' | 'reply' | 'nack']>([
    ['a fresh higher ballot', B1, B2, true, 'promise'],
    ['a fresh ballot of a higher node, same round', B1, B1_C11, true, 'promise'],
    ['a fresh equal ballot', B1, B1, true, 'nack'],
    ['a fresh lower ballot', B2, B1, true, 'nack'],
    ['a fresh lower round of a higher node', B2, B1_C11, true, 'nack'],
    ['a top-up of the equal ballot', B1, B1, false, 'reply'],
    ['a top-up of a higher ballot', B1, B2, false, 'promise'],
    ['a top-up of a lower ballot', B2, B1, false, 'nack'],
  ])('answers %s', (_what, held, incoming, fresh, outcome) => {
    const a = promisedAcceptor(held);
    const from = ballotNode(incoming);
    const r = stepAll(a, phase1a(incoming, 64, 128, fresh, from));
    const expected = {
      promise: { persist: { promised: incoming, accepted: [], decided: [] }, messages: [to(from, phase1b(A1, incoming, 64, 128))], delivered: [] },
      reply: { persist: null, messages: [to(from, phase1b(A1, incoming, 64, 128))], delivered: [] },
      nack: { persist: null, messages: [to(from, nack(A1, incoming, held))], delivered: [] },
    }[outcome];
    expect(r).toEqual(expected);
    expect(a.promisedBallot).toBe(outcome === 'promise' ? incoming : held);
  });

  it('reports its votes inside the window only', () => {
    const a = acceptor();
    voteOn(a, 0, 1);
    voteOn(a, 5, 6);
    voteOn(a, 70, 71);
    const v = (n: number) => batch(clientValue(P30, n));
    expect(stepAll(a, phase1a(B2, 0, 64, true)).messages).toEqual([to(C10, phase1b(A1, B2, 0, 64, [entry(0, B1, v(0)), entry(5, B1, v(5))]))]);
    expect(stepAll(a, phase1a(B2, 5, 10, false)).messages).toEqual([to(C10, phase1b(A1, B2, 5, 10, [entry(5, B1, v(5))]))]);
    expect(stepAll(a, phase1a(B2, 64, 128, false)).messages).toEqual([to(C10, phase1b(A1, B2, 64, 128, [entry(70, B1, v(70))]))]);
  });

  it('reports the latest vote of an instance with its ballot', () => {
    const a = acceptor();
    stepAll(a, phase2a({ ballot: B1, instance: 3, layout: RING_12, value: V }));
    stepAll(a, phase2a({ ballot: B2, instance: 3, layout: RING_12, value: W }));
    expect(stepAll(a, phase1a(B1_C11, 0, 64, false, C11)).messages).toEqual([to(C11, nack(A1, B1_C11, B2))]);
    expect(stepAll(a, phase1a(ballot(3, C11), 0, 64, true, C11)).messages).toEqual([to(C11, phase1b(A1, ballot(3, C11), 0, 64, [entry(3, B2, W)]))]);
  });

  it('clamps the reported window to its trim point', () => {
    const a = acceptor();
    voteOn(a, 0, 70);
    stepAll(a, decision(A2, ...Array.from({ length: 70 }, (_, n): [number, Ballot] => [n, B1])));
    // 64 instances retained: 0..5 are trimmed.
    expect(a.retainedInstances).toBe(64);
    const reply = stepAll(a, phase1a(B2, 0, 64, true)).messages[0]?.msg;
    expect(reply).toMatchObject({ type: 'phase1b', instanceFrom: 6, instanceTo: 64 });
    expect(reply?.type === 'phase1b' && reply.accepted.map((e) => e.instance)).toEqual(Array.from({ length: 58 }, (_, k) => k + 6));
    // A window wholly below the trim point reports an empty window at its end.
    expect(stepAll(a, phase1a(B2, 0, 4, false)).messages).toEqual([to(C10, phase1b(A1, B2, 4, 4, []))]);
    // A Phase 2A below the trim point is dropped and counted.
    expect(stepAll(a, phase2a({ ballot: B2, instance: 2, layout: RING_12, value: V }))).toEqual(EMPTY_READY);
    expect(a.drops.toJSON()).toEqual({ 'phase2a-trimmed': 1 });
  });
});

describe('acceptor Phase 2, multicast', () => {
  it('votes on the 2A as ring[0], persisting promise and vote with the 2B', () => {
    const a = acceptor(A1);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V }))).toEqual({
      persist: { promised: B1, accepted: [entry(0, B1, V)], decided: [] },
      messages: [to(A2, phase2b(A1, B1, 0, 1))],
      delivered: [],
    });
    expect(a.voteOf(i(0))).toEqual({ ballot: B1, value: V, decided: false });
  });

  it('persists only the vote when the ballot is already promised', () => {
    const a = promisedAcceptor(B1);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V })).persist).toEqual({ promised: null, accepted: [entry(0, B1, V)], decided: [] });
  });

  it('forwards the vote again on a re-sent 2A without saving it twice', () => {
    const a = acceptor(A1);
    stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }));
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }))).toEqual({
      persist: null,
      messages: [to(A2, phase2b(A1, B1, 0, 1))],
      delivered: [],
    });
  });

  it.each([
    ['2A first', [phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V }), phase2b(A1, B1, 0, 1)]],
    ['2B first', [phase2b(A1, B1, 0, 1), phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V })]],
  ] as const)('a middle member waits for the 2A and the 2B (%s)', (_order, [first, second]) => {
    const a = acceptor(A2);
    const r1 = stepAll(a, first);
    expect(r1.messages).toEqual([]);
    const r2 = stepAll(a, second);
    expect(r2.messages).toEqual([to(A3, phase2b(A2, B1, 0, 2))]);
    // The vote is saved in the ready() that carries the 2A's effect: never after the 2B leaves.
    const votes = [...(r1.persist?.accepted ?? []), ...(r2.persist?.accepted ?? [])];
    expect(votes).toEqual([entry(0, B1, V)]);
    expect((first.type === 'phase2a' ? r1 : r2).persist).toEqual({ promised: B1, accepted: [entry(0, B1, V)], decided: [] });
  });

  it.each([
    ['2A first', [phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }), phase2b(A1, B1, 0, 1)]],
    ['2B first', [phase2b(A1, B1, 0, 1), phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V })]],
  ] as const)('the last member decides and tells the group (%s)', (_order, msgs) => {
    const a = acceptor(A2);
    const r = stepAll(a, ...msgs);
    // The decider saves its decision too, so that it still serves the value after a restart.
    expect(r).toEqual({ persist: { promised: B1, accepted: [entry(0, B1, V)], decided: [{ instance: 0, ballot: B1 }] }, messages: [to(GROUP, decision(A2, [0, B1]))], delivered: [] });
    expect(a.voteOf(i(0))?.decided).toBe(true);
  });

  it('batches decisions to the group, decisionEntriesMax per message', () => {
    const a = acceptor(A2);
    for (let n = 0; n < 6; n++) a.step(phase2a({ ballot: B1, instance: n, layout: RING_12, value: V }));
    for (let n = 0; n < 6; n++) a.step(phase2b(A1, B1, n, 1));
    expect(a.ready().messages).toEqual([to(GROUP, decision(A2, [0, B1], [1, B1], [2, B1], [3, B1])), to(GROUP, decision(A2, [4, B1], [5, B1]))]);
  });

  it('a spare outside the layout neither votes nor counts a drop', () => {
    const a = acceptor(A3);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }))).toEqual(EMPTY_READY);
    expect(a.voteOf(i(0))).toBeUndefined();
    expect(a.drops.total).toBe(0);
  });

  it('nacks a 2A below its promise, saving nothing', () => {
    const a = promisedAcceptor(B2);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }))).toEqual({
      persist: null,
      messages: [to(C10, nack(A1, B1, B2))],
      delivered: [],
    });
    expect(a.voteOf(i(0))).toBeUndefined();
  });

  it('nacks a 2B below its promise', () => {
    const a = promisedAcceptor(B2, A2);
    expect(stepAll(a, phase2b(A1, B1, 0, 1)).messages).toEqual([to(C10, nack(A2, B1, B2))]);
  });

  it('votes on a higher ballot than promised, promising it', () => {
    const a = promisedAcceptor(B1);
    expect(stepAll(a, phase2a({ ballot: B2, instance: 0, layout: RING_12, value: V })).persist).toEqual({ promised: B2, accepted: [entry(0, B2, V)], decided: [] });
  });

  it.each([
    ['too many votes', phase2b(A1, B1, 0, 2)],
    ['a sender that is not the previous member', phase2b(A3, B1, 0, 1)],
  ])('drops a 2B with %s', (_what, bad) => {
    const a = acceptor(A2);
    stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }));
    expect(stepAll(a, bad)).toEqual(EMPTY_READY);
    expect(a.drops.toJSON()).toEqual({ 'phase2b-bad-votes': 1 });
  });

  it('holds at most acceptorPendingVotesMax votes that wait for their value', () => {
    const a = acceptor(A2);
    for (let n = 0; n < 5; n++) a.step(phase2b(A1, B1, n, 1));
    expect(a.drops.toJSON()).toEqual({ 'phase2b-pending-full': 1 });
    // The four held votes complete when their 2A arrives; the dropped one does not.
    for (let n = 0; n < 5; n++) a.step(phase2a({ ballot: B1, instance: n, layout: RING_12, value: V }));
    expect(a.ready().messages).toEqual([to(GROUP, decision(A2, [0, B1], [1, B1], [2, B1], [3, B1]))]);
  });
});

describe('acceptor Phase 2, ring mode', () => {
  it('adds its vote to the travelling 2A and passes it on with the value', () => {
    const a = acceptor(A1, 'ring');
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V }))).toEqual({
      persist: { promised: B1, accepted: [entry(0, B1, V)], decided: [] },
      messages: [to(A2, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 1 }))],
      delivered: [],
    });
    const middle = acceptor(A2, 'ring');
    expect(stepAll(middle, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 1 })).messages).toEqual([
      to(A3, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 2 })),
    ]);
  });

  it('the decider tells the coordinator and ring[0], and starts the value down the learner chain', () => {
    const a = acceptor(A2, 'ring');
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V, votes: 1 }))).toEqual({
      persist: { promised: B1, accepted: [entry(0, B1, V)], decided: [{ instance: 0, ballot: B1 }] },
      messages: [to(C10, decision(A2, [0, B1])), to(A1, decision(A2, [0, B1])), to(L20, deliver(A2, entry(0, B1, V)))],
      delivered: [],
    });
  });

  it('passes a decision on along the ring, up to the member before the decider', () => {
    const first = acceptor(A1, 'ring');
    stepAll(first, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V }));
    expect(stepAll(first, decision(A3, [0, B1])).messages).toEqual([to(A2, decision(A1, [0, B1]))]);
    // Already known: not passed on again.
    expect(stepAll(first, decision(A3, [0, B1])).messages).toEqual([]);
    const middle = acceptor(A2, 'ring');
    stepAll(middle, phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 1 }));
    expect(stepAll(middle, decision(A1, [0, B1])).messages).toEqual([]);
    expect(middle.voteOf(i(0))?.decided).toBe(true);
  });

  it.each([
    ['no votes from ring[0]', phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 0 })],
    ['a sender that is not the previous member', phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 1, from: A3 })],
    ['too many votes', phase2a({ ballot: B1, instance: 0, layout: RING_123, value: V, votes: 2, from: A1 })],
  ])('drops a 2A at a middle member with %s', (_what, bad) => {
    expectDropped(acceptor(A2, 'ring'), bad, 'phase2a-bad-votes');
  });

  it('drops a 2B: ring mode has none', () => {
    expectDropped(acceptor(A2, 'ring'), phase2b(A1, B1, 0, 1), 'phase2b-ring-mode');
  });
});

describe('acceptor bad input', () => {
  const unknownCoordinator = ballot(1, STRANGER);
  it.each<[string, Message, string]>([
    ['another ring', onRing(phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }), OTHER_RING), 'wrong-ring'],
    ['a layout below quorum', phase2a({ ballot: B1, instance: 0, layout: [A1], value: V }), 'phase2a-bad-layout'],
    ['a layout with a repeat', phase2a({ ballot: B1, instance: 0, layout: [A1, A1], value: V }), 'phase2a-bad-layout'],
    ['a layout with a stranger', phase2a({ ballot: B1, instance: 0, layout: [A1, STRANGER], value: V }), 'phase2a-bad-layout'],
    ['an empty layout', phase2a({ ballot: B1, instance: 0, layout: [], value: V }), 'phase2a-bad-layout'],
    ['a layout longer than the ring', phase2a({ ballot: B1, instance: 0, layout: [A1, A2, A3, STRANGER], value: V }), 'phase2a-bad-layout'],
    ['a multicast 2A with votes', phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V, votes: 1, from: C10 }), 'phase2a-bad-votes'],
    ['a multicast 2A not from its coordinator', phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V, from: C11 }), 'phase2a-bad-votes'],
    ['a 2A of an unknown coordinator', phase2a({ ballot: unknownCoordinator, instance: 0, layout: RING_12, value: V }), 'phase2a-bad-ballot'],
    ['a 1A from an unknown coordinator', phase1a(unknownCoordinator, 0, 64, true), 'phase1a-bad-sender'],
    ['a 1A whose ballot is another node', phase1a(B1_C11, 0, 64, true, C10), 'phase1a-bad-sender'],
    ['a 1A with an empty window', phase1a(B1, 64, 64, true), 'phase1a-bad-window'],
    ['a 1A with a reversed window', phase1a(B1, 64, 0, true), 'phase1a-bad-window'],
    ['a 1A wider than the window', phase1a(B1, 0, 65, true), 'phase1a-bad-window'],
    ['a repair with an empty range', repair(L20, 5, 5), 'repair-bad-range'],
    ...unexpectedTypeRows('submit', 'ack', 'phase1b', 'nack', 'deliver'),
  ])('drops and counts %s', (_what, msg, reason) => {
    const a = acceptor(A1);
    expectDropped(a, msg, reason);
    expect(a.promisedBallot).toBe(0);
  });

  it('ignores heartbeats without counting them', () => {
    const a = acceptor(A1);
    expect(stepAll(a, heartbeat(C10, B1))).toEqual(EMPTY_READY);
    expect(a.drops.total).toBe(0);
  });
});

describe('acceptor repair', () => {
  it('replies with decided values only', () => {
    const a = acceptor(A1);
    voteOn(a, 0, 3);
    stepAll(a, decision(A2, [0, B1], [2, B1]));
    expect(stepAll(a, repair(L20, 0, 3))).toEqual({
      persist: null,
      messages: [to(L20, deliver(A1, entry(0, B1, batch(clientValue(P30, 0))), entry(2, B1, batch(clientValue(P30, 2)))))],
      delivered: [],
    });
  });

  it('does not serve a vote decided under another ballot', () => {
    const a = acceptor(A1);
    voteOn(a, 0, 1);
    stepAll(a, decision(A2, [0, B2]));
    expect(stepAll(a, repair(L20, 0, 1))).toEqual(EMPTY_READY);
    expect(a.voteOf(i(0))?.decided).toBe(false);
  });

  it('serves at most repairInstancesMax instances per request', () => {
    const a = acceptor(A1);
    voteOn(a, 0, 10);
    stepAll(a, decision(A2, ...Array.from({ length: 10 }, (_, n): [number, Ballot] => [n, B1])));
    const replies = stepAll(a, repair(L20, 0, 10)).messages;
    expect(replies).toHaveLength(1);
    expect(replies[0]?.msg.type === 'deliver' && replies[0].msg.entries.map((e) => e.instance)).toEqual([0, 1, 2, 3]);
  });

  it('splits its answer into Delivers of at most batchBytesMax bytes of values, each fitting one datagram as a Phase 2A does', () => {
    // batchBytesMax 64 (SMALL_LIMITS): values of 40 bytes go one to a Deliver, of 20 bytes three.
    for (const [bytes, perMessage] of [[40, 1], [20, 3]] as const) {
      const a = acceptor(A1);
      for (let n = 0; n < 4; n++) a.step(phase2a({ ballot: B1, instance: n, layout: RING_12, value: batch(clientValue(P30, n, bytes)) }));
      a.ready();
      stepAll(a, decision(A2, [0, B1], [1, B1], [2, B1], [3, B1]));
      const sizes = stepAll(a, repair(L20, 0, 4)).messages.map((o) => (o.msg.type === 'deliver' ? o.msg.entries.length : -1));
      expect(sizes).toEqual(perMessage === 1 ? [1, 1, 1, 1] : [3, 1]);
    }
  });

  it('replies with nothing when it knows nothing decided', () => {
    const a = acceptor(A1);
    voteOn(a, 0, 2);
    expect(stepAll(a, repair(L20, 0, 2))).toEqual(EMPTY_READY);
  });
});

/** Decisions from coordinator A2 for instances `from` … `to - 1` (but `skip`), under B1. */
function decideAll(a: Acceptor, from: number, to: number, skip: number[] = []): void {
  stepAll(a, decision(A2, ...Array.from({ length: to - from }, (_, n): [number, Ballot] => [from + n, B1]).filter(([n]) => !skip.includes(n))));
}

describe('acceptor retention when decisions are missed', () => {

  it('trims past an instance whose decision it missed, once a coordinator reports it decided', () => {
    const a = acceptor();
    voteOn(a, 0, 100);
    // The decision of instance 3 is lost: its own watermark stops at 3, and nothing above can be trimmed.
    decideAll(a, 0, 100, [3]);
    expect(a.retainedInstances).toBe(97);
    stepAll(a, heartbeat(C10, B1, 100));
    expect(a.retainedInstances).toBe(64);
    expect(a.voteOf(i(3))).toBeUndefined();
    expect(a.voteOf(i(36))).toMatchObject({ decided: true });
    // Its own watermark goes on past the trimmed instances: what it tells the coordinator.
    expect(tickCollect(a, 2).flatMap((r) => r.messages)).toEqual([to(C10, heartbeat(A1, B1, 100))]);
  });

  it('does not trim below what it holds while within its limits, nor past what was reported', () => {
    const a = acceptor();
    voteOn(a, 0, 60);
    decideAll(a, 0, 60, [3]);
    stepAll(a, heartbeat(C10, B1, 60));
    expect(a.retainedInstances).toBe(60);
    // Reported decided only below 20: the votes above stay, whatever the limit.
    const b = acceptor();
    voteOn(b, 0, 100);
    stepAll(b, heartbeat(C10, B1, 20));
    expect(b.retainedInstances).toBe(80);
    expect(b.voteOf(i(20))).toBeDefined();
  });

  it('trims again after a restart from a store that kept only its newest votes', () => {
    // The store had trimmed below 5000: recovered votes start there, with no decided prefix.
    const accepted = Array.from({ length: 64 }, (_, n) => entry(5000 + n, B1, batch(clientValue(P30, n))));
    const a = acceptor(A1, 'multicast', { promised: B1, accepted, decided: accepted.map((e) => ({ instance: e.instance, ballot: B1 })) });
    voteOn(a, 5064, 5100);
    decideAll(a, 5064, 5100);
    expect(a.retainedInstances).toBe(100);
    stepAll(a, heartbeat(C10, B1, 5100));
    expect(a.retainedInstances).toBe(64);
    expect(a.voteOf(i(5035))).toBeUndefined();
    expect(a.voteOf(i(5036))).toMatchObject({ decided: true });
    expect(tickCollect(a, 2).flatMap((r) => r.messages)).toEqual([to(C10, heartbeat(A1, B1, 5100))]);
  });

  it('drops and counts a heartbeat that comes from neither a coordinator nor a learner', () => {
    const a = acceptor();
    expectDropped(a, heartbeat(A2, B1, 100), 'heartbeat-unknown-sender');
  });
});

describe('acceptor retention for lagging learners', () => {
  const NO_BALLOT = 0 as Ballot;

  it('keeps what a live learner has not delivered, up to twice its limits', () => {
    const a = acceptor();
    stepAll(a, heartbeat(L20, NO_BALLOT, 10));
    voteOn(a, 0, 100);
    decideAll(a, 0, 100);
    // 64 instances is the limit: 10 … 99 stay for the learner that has delivered only 0 … 9.
    expect(a.retainedInstances).toBe(90);
    expect(a.voteOf(i(10))).toMatchObject({ decided: true });
    // It catches up: the rest goes down to the limit.
    stepAll(a, heartbeat(L20, NO_BALLOT, 60));
    expect(a.retainedInstances).toBe(64);
    // Past twice the limit, the oldest go even though the learner still needs them.
    voteOn(a, 100, 200);
    decideAll(a, 100, 200);
    expect(a.retainedInstances).toBe(128);
  });

  it('stops keeping for a learner not heard from within suspectTicks', () => {
    const a = acceptor();
    stepAll(a, heartbeat(L20, NO_BALLOT, 0));
    voteOn(a, 0, 100);
    decideAll(a, 0, 100);
    expect(a.retainedInstances).toBe(100);
    tickCollect(a, 11);
    voteOn(a, 100, 101);
    decideAll(a, 100, 101);
    expect(a.retainedInstances).toBe(64);
  });
});

describe('acceptor heartbeat', () => {
  it('sends nothing before it has promised', () => {
    const a = acceptor(A1);
    expect(tickCollect(a, 6).every((r) => r.messages.length === 0)).toBe(true);
  });

  it('tells the coordinator of its promise every heartbeatTicks, with what it knows decided', () => {
    const a = acceptor(A1);
    voteOn(a, 0, 2);
    stepAll(a, decision(A2, [0, B1], [1, B1]));
    expect(tickCollect(a, 4).map((r) => r.messages)).toEqual([[], [to(C10, heartbeat(A1, B1, 2))], [], [to(C10, heartbeat(A1, B1, 2))]]);
  });
});

describe('acceptor recovery', () => {
  const recovered: AcceptorState = { promised: B2, accepted: [entry(3, B1, V)], decided: [] };

  it('keeps its promise after a restart: a lower ballot is refused', () => {
    const a = acceptor(A1, 'multicast', recovered);
    expect(a.promisedBallot).toBe(B2);
    expect(stepAll(a, phase1a(B1, 0, 64, true)).messages).toEqual([to(C10, nack(A1, B1, B2))]);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 3, layout: RING_12, value: W })).messages).toEqual([to(C10, nack(A1, B1, B2))]);
    expect(a.voteOf(i(3))).toEqual({ ballot: B1, value: V, decided: false });
  });

  it('reports its recovered votes to a higher ballot', () => {
    const a = acceptor(A1, 'multicast', recovered);
    const b3 = ballot(3, C10);
    expect(stepAll(a, phase1a(b3, 0, 64, true))).toEqual({
      persist: { promised: b3, accepted: [], decided: [] },
      messages: [to(C10, phase1b(A1, b3, 0, 64, [entry(3, B1, V)]))],
      delivered: [],
    });
  });

  it('completes a recovered vote when the 2A is re-sent, without saving it again', () => {
    const a = acceptor(A2, 'multicast', { promised: B1, accepted: [entry(0, B1, V)], decided: [] });
    // The recovered vote has no layout: the 2B waits for the re-sent 2A.
    expect(stepAll(a, phase2b(A1, B1, 0, 1))).toEqual(EMPTY_READY);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value: V }))).toEqual({
      persist: { promised: null, accepted: [], decided: [{ instance: 0, ballot: B1 }] },
      messages: [to(GROUP, decision(A2, [0, B1]))],
      delivered: [],
    });
  });

  it('keeps what it knew decided across a restart, and serves it to a repair', () => {
    const a = acceptor(A2, 'multicast', { promised: B1, accepted: [entry(0, B1, V)], decided: [{ instance: i(0), ballot: B1 }] });
    expect(a.voteOf(i(0))?.decided).toBe(true);
    expect(stepAll(a, repair(L20, 0, 1)).messages).toEqual([to(L20, deliver(A2, entry(0, B1, V)))]);
  });
});

describe('acceptor noop and skip values', () => {
  it.each([
    ['noop', NOOP_VALUE],
    ['skip', { kind: 'skip', slots: 5 } as const],
  ])('votes on and serves a %s like any value', (_kind, value) => {
    const a = acceptor(A1);
    expect(stepAll(a, phase2a({ ballot: B1, instance: 0, layout: RING_12, value })).persist).toEqual({ promised: B1, accepted: [entry(0, B1, value)], decided: [] });
    stepAll(a, decision(A2, [0, B1]));
    expect(stepAll(a, repair(L20, 0, 1)).messages).toEqual([to(L20, deliver(A1, entry(0, B1, value)))]);
  });
});
