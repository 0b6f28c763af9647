import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/protocol/coordinator.ts';
import { ballot, type Ballot, type NodeId } from '../../src/protocol/ids.ts';
import { GROUP, type ClientValue, type Message, type Value } from '../../src/protocol/messages.ts';
import type { Dissemination, ProtocolOptions } from '../../src/protocol/options.ts';
import {
  A1,
  A2,
  A3,
  ack,
  B1,
  B1_C11,
  RING,
  B2,
  B2_C11,
  batch as batchOfConsecutive,
  batchOfRuns,
  C10,
  C11,
  clientValue,
  decision,
  destinationsOf,
  EMPTY_READY,
  entry,
  expectDropped,
  heartbeat,
  L20,
  L21,
  L22,
  nack,
  NOOP_VALUE,
  oneOfEach,
  onRing,
  OTHER_RING,
  P30,
  P31,
  phase1a,
  phase1b,
  phase2a,
  ringSpec,
  routes,
  sentOfType,
  smallOptions,
  stepAll,
  STRANGER,
  run,
  submit as submitConsecutive,
  submitRuns,
  tickCollect,
  tickUntilSent,
  to,
  unexpectedTypeRows,
  vid,
} from './builders.ts';

const B3 = ballot(3, C10);
const LAYOUT_12 = [A1, A2];
// The coordinator packs runs, never splitting one: most of these tests give it runs of one value
// each, so that it can pack them freely, and say where they mean a longer run.
const singles = (values: readonly ClientValue[]): ReturnType<typeof run>[] => values.map((v) => run(v));
const submit = (from: NodeId, ...values: ClientValue[]): Message => submitRuns(from, ...singles(values));
const batch = (...values: ClientValue[]): Value => batchOfRuns(...singles(values));

/** A value of 40 bytes: with batchBytesMax 64, each instance holds one. */
const big = (seq: number, proposer: NodeId = P30): ClientValue => clientValue(proposer, seq, 40);
const small = (seq: number, proposer: NodeId = P30): ClientValue => clientValue(proposer, seq, 1);

function coordinator(id: NodeId = C10, mode: Dissemination = 'multicast', options: Partial<ProtocolOptions> = {}): Coordinator {
  return new Coordinator(id, ringSpec(mode), smallOptions(options));
}
/** A coordinator that took the lead under B1 on empty replies from `responders`. */
function leader(mode: Dissemination = 'multicast', responders: readonly NodeId[] = LAYOUT_12, options: Partial<ProtocolOptions> = {}): Coordinator {
  const c = coordinator(C10, mode, options);
  tickUntilSent(c, 'phase1a', 20);
  expect(stepAll(c, ...responders.map((a) => phase1b(a, B1, 0, 64)))).toEqual(EMPTY_READY);
  expect(c.currentStatus).toBe('leading');
  return c;
}
/** C10 heard C11 lead under round 2 with instances below `decidedUpTo` decided, then C11 went quiet: C10 runs Phase 1 under B3. */
function takingOver(decidedUpTo = 0): Coordinator {
  const c = coordinator(C10);
  c.step(heartbeat(C11, B2_C11, decidedUpTo));
  const { ready } = tickUntilSent(c, 'phase1a', 30);
  expect(ready.messages).toEqual([A1, A2, A3].map((a) => to(a, phase1a(B3, decidedUpTo, decidedUpTo + 64, true))));
  return c;
}
const proposal = (bal: Ballot, instance: number, value: Value, layout: readonly NodeId[] = LAYOUT_12): Message =>
  phase2a({ ballot: bal, instance, layout, value });
/** Submits and decides one value per instance up to `end` (exclusive); returns the Phase 1As sent on the way. */
function decideOneByOne(c: Coordinator, bal: Ballot, end: number): Message[] {
  const topUps: Message[] = [];
  for (let n = c.decidedWatermark; n < end; n++) {
    const r = stepAll(c, submit(P30, big(n)), decision(A2, [n, bal]));
    expect(proposedInstances(r.messages.map((o) => o.msg))).toEqual([n]);
    topUps.push(...sentOfType(r, 'phase1a'));
    // The window is topped up once half of it is used.
    expect(topUps.length > 0).toBe(n >= 32);
  }
  return topUps;
}
/** The instances of the Phase 2As in a list of messages. */
const proposedInstances = (msgs: readonly Message[]): number[] => msgs.flatMap((m) => (m.type === 'phase2a' ? [m.instance] : []));

describe('coordinator standby', () => {
  it('waits, then sends a fresh Phase 1A to every acceptor', () => {
    const c = coordinator();
    // Before any leader was heard it waits 2 * heartbeatTicks + 1 ticks.
    const early = tickCollect(c, 4);
    expect(early.every((r) => r.messages.length === 0)).toBe(true);
    c.tick();
    expect(c.ready()).toEqual({
      persist: null,
      messages: [A1, A2, A3].map((a) => to(a, phase1a(B1, 0, 64, true))),
      delivered: [],
    });
    expect(c.currentStatus).toBe('phase1');
    expect(c.stats.takeovers).toBe(1);
  });

  it('waits its rank times takeoverStaggerTicks longer', () => {
    const { ready, ticks } = tickUntilSent(coordinator(C11), 'phase1a', 30);
    expect(ticks).toBe(5 + 5);
    expect(sentOfType(ready, 'phase1a')[0]?.ballot).toBe(B1_C11);
  });

  it('stays standby while the leader is heard, then takes over above its ballot from what it knows decided', () => {
    const c = coordinator(C11);
    for (let t = 0; t < 15; t++) {
      c.step(heartbeat(C10, B1, 7));
      expect(tickCollect(c, 2).flatMap(routes)).toEqual([]);
    }
    // The leader goes quiet: takeoverTicks plus one stagger after the last heartbeat (two ticks
    // ago), C11 runs Phase 1 a round above the leader's.
    const { ready, ticks } = tickUntilSent(c, 'phase1a', 30);
    expect(ticks).toBe(10 + 5 - 2);
    expect(ready.messages).toEqual([A1, A2, A3].map((a) => to(a, phase1a(ballot(2, C11), 7, 71, true))));
  });

  it('takes over from a leader whose ballot is below what the acceptors promised (simulator seed 6015274)', () => {
    // C11 restarted: the acceptors still promise its previous life's ballot (round 3), above the
    // ballot C10 leads with (round 2). C10, with nothing to propose, never learns it is stale;
    // deferring to its heartbeats left instances decided under C11's old ballot unknown to
    // every learner for good.
    const c = coordinator(C11);
    const stale = ballot(2, C10);
    for (let t = 0; t < 15; t++) {
      c.step(heartbeat(A1, ballot(3, C11), 0));
      c.step(heartbeat(C10, stale, 7));
      c.tick();
      c.tick();
      if (sentOfType(c.ready(), 'phase1a').length > 0) break;
    }
    expect(c.currentStatus).toBe('phase1');
    expect(c.stats.takeovers).toBe(1);
  });

  it('drops and counts a submit while standby under a leader it has heard of', () => {
    const c = coordinator();
    stepAll(c, heartbeat(C11, B1_C11));
    expect(stepAll(c, submit(P30, small(0)))).toEqual(EMPTY_READY);
    expect(c.drops.toJSON()).toEqual({ 'submit-not-leader': 1 });
    expect(c.queuedValues).toBe(0);
  });

  it('keeps submits while standby with no leader heard of yet, and hands them to the leader it hears of', () => {
    const c = coordinator();
    expect(stepAll(c, submit(P30, small(0)))).toEqual(EMPTY_READY);
    expect(c.drops.toJSON()).toEqual({});
    expect(c.queuedValues).toBe(1);
    expect(stepAll(c, heartbeat(C11, B1_C11)).messages).toEqual([to(C11, { type: 'submit', ring: RING, from: C10, runs: [run(small(0))] })]);
    expect(c.queuedValues).toBe(0);
  });

  it('proposes what it kept while standby first, once it leads', () => {
    const c = coordinator();
    stepAll(c, submit(P30, small(0)));
    tickUntilSent(c, 'phase1a', 20);
    const r = stepAll(c, ...LAYOUT_12.map((a) => phase1b(a, B1, 0, 64)));
    expect(c.currentStatus).toBe('leading');
    expect(r.messages.map((o) => o.msg)).toContainEqual(proposal(B1, 0, batch(small(0))));
  });
});

describe('coordinator Phase 1', () => {
  it('re-sends the Phase 1A after phase1TimeoutTicks to the acceptors that did not answer', () => {
    const c = coordinator();
    tickUntilSent(c, 'phase1a', 20);
    stepAll(c, phase1b(A1, B1, 0, 64));
    const rs = tickCollect(c, 3);
    expect(rs.slice(0, 2).every((r) => r.messages.length === 0)).toBe(true);
    expect(rs[2]?.messages).toEqual([to(A2, phase1a(B1, 0, 64, true)), to(A3, phase1a(B1, 0, 64, true))]);
    expect(c.currentStatus).toBe('phase1');
  });

  it.each<[string, NodeId[], NodeId[]]>([
    ['1 and 2', [A1, A2], [A1, A2]],
    ['3 then 1', [A3, A1], [A1, A3]],
    ['2 then 3', [A2, A3], [A2, A3]],
  ])('leads on a quorum of replies (%s) with a ring of quorum size in configured order', (_what, responders, layout) => {
    expect(leader('multicast', responders).currentLayout).toEqual(layout);
  });

  it.each<[string, NodeId[], NodeId[]]>([
    ['1 and 2', [A1, A2], [A2, A1]],
    ['3 then 2', [A3, A2], [A2, A3]],
    ['1 and 3, without it', [A1, A3], [A1, A3]],
  ])('starts its ring at its near acceptor when that one answered (%s), and sends its Phase 2A there in ring mode', (_what, responders, layout) => {
    const c = new Coordinator(C10, ringSpec('ring'), smallOptions(), A2);
    tickUntilSent(c, 'phase1a', 20);
    stepAll(c, ...responders.map((a) => phase1b(a, B1, 0, 64)));
    expect(c.currentLayout).toEqual(layout);
    expect(stepAll(c, submit(P30, small(0))).messages).toEqual([to(layout[0] as NodeId, proposal(B1, 0, batch(small(0)), layout))]);
  });

  it('re-proposes the highest-ballot vote of each instance and fills gaps with no-ops', () => {
    const c = takingOver();
    const [v, w, x, y, z] = [0, 1, 2, 3, 4].map((seq) => batch(small(seq, P31))) as [Value, Value, Value, Value, Value];
    const r = stepAll(
      c,
      phase1b(A1, B3, 0, 64, [entry(0, B1, v), entry(1, B2_C11, w), entry(3, B1, x)]),
      phase1b(A2, B3, 0, 64, [entry(0, B2, y), entry(1, B1, z)]),
    );
    expect(c.currentStatus).toBe('leading');
    expect(r.messages).toEqual([
      to(GROUP, proposal(B3, 0, y)),
      to(GROUP, proposal(B3, 1, w)),
      to(GROUP, proposal(B3, 2, NOOP_VALUE)),
      to(GROUP, proposal(B3, 3, x)),
    ]);
  });

  it('starts from the first instance it does not know decided', () => {
    const c = takingOver(5);
    const r = stepAll(c, phase1b(A1, B3, 5, 69, [entry(6, B1, NOOP_VALUE)]), phase1b(A3, B3, 5, 69), submit(P30, small(0)));
    expect(r.messages).toEqual([
      to(GROUP, proposal(B3, 5, NOOP_VALUE, [A1, A3])),
      to(GROUP, proposal(B3, 6, NOOP_VALUE, [A1, A3])),
      to(GROUP, proposal(B3, 7, batch(small(0)), [A1, A3])),
    ]);
  });

  it.each<[string, Message, string]>([
    ['a 1B of another ballot', phase1b(A1, B2, 0, 64), 'phase1b-stale'],
    ['a 1B reaching beyond the window', phase1b(A1, B1, 0, 65), 'phase1b-stale'],
    ['a 1B of a later window', phase1b(A1, B1, 64, 128), 'phase1b-stale'],
    ['a 1B from an unknown acceptor', phase1b(STRANGER, B1, 0, 64), 'phase1b-unknown-acceptor'],
  ])('drops %s, not counting it towards the quorum', (_what, msg, reason) => {
    const c = coordinator();
    tickUntilSent(c, 'phase1a', 20);
    c.step(msg);
    c.step(phase1b(A2, B1, 0, 64));
    expect(c.currentStatus).toBe('phase1');
    expect(c.drops.toJSON()).toEqual({ [reason]: 1 });
  });

  it('counts one reply per acceptor towards the quorum', () => {
    const c = coordinator();
    tickUntilSent(c, 'phase1a', 20);
    stepAll(c, phase1b(A1, B1, 0, 64), phase1b(A1, B1, 0, 64));
    expect(c.currentStatus).toBe('phase1');
  });
});

describe('coordinator batching and flow control', () => {
  it('packs queued values into one instance up to batchBytesMax', () => {
    const c = leader();
    const values = [0, 1, 2, 3, 4].map((s) => clientValue(P30, s, 20));
    expect(stepAll(c, submit(P30, ...values)).messages).toEqual([
      to(GROUP, proposal(B1, 0, batch(...values.slice(0, 3)))),
      to(GROUP, proposal(B1, 1, batch(...values.slice(3)))),
    ]);
  });

  it('packs at most batchValuesMax values into one instance', () => {
    const c = leader();
    const values = [0, 1, 2, 3, 4, 5].map((s) => small(s));
    expect(stepAll(c, submit(P30, ...values)).messages).toEqual([
      to(GROUP, proposal(B1, 0, batch(...values.slice(0, 4)))),
      to(GROUP, proposal(B1, 1, batch(...values.slice(4)))),
    ]);
  });

  it('puts a value larger than batchBytesMax nowhere, counting it', () => {
    const c = leader();
    expect(stepAll(c, submit(P30, clientValue(P30, 0, 65), small(1))).messages).toEqual([to(GROUP, proposal(B1, 0, batch(small(1))))]);
    expect(c.drops.toJSON()).toEqual({ 'submit-run-too-large': 1 });
  });

  it('keeps a run whole: its values go into one instance, and the next run into the next', () => {
    const values = [0, 1, 2].map((s) => clientValue(P30, s, 20));
    const c = leader();
    expect(stepAll(c, submitConsecutive(P30, ...values)).messages).toEqual([to(GROUP, proposal(B1, 0, batchOfConsecutive(...values)))]);
    const c2 = leader();
    const r = stepAll(c2, submitRuns(P30, run(...values), run(clientValue(P30, 3, 20), clientValue(P30, 4, 20))));
    expect(r.messages).toEqual([
      to(GROUP, proposal(B1, 0, batchOfRuns(run(...values)))),
      to(GROUP, proposal(B1, 1, batchOfRuns(run(clientValue(P30, 3, 20), clientValue(P30, 4, 20))))),
    ]);
  });

  it('puts a run of more than batchValuesMax values or batchBytesMax bytes nowhere, counting it', () => {
    const c = leader();
    const five = [0, 1, 2, 3, 4].map((s) => small(s));
    const tooBig = [5, 6, 7].map((s) => clientValue(P30, s, 30));
    expect(stepAll(c, submitRuns(P30, run(...five), run(...tooBig), run(small(8)))).messages).toEqual([to(GROUP, proposal(B1, 0, batch(small(8))))]);
    expect(c.drops.toJSON()).toEqual({ 'submit-run-too-large': 2 });
  });

  it('keeps at most instancesInFlightMax instances in flight, proposing the next on a decision', () => {
    const c = leader();
    const r = stepAll(c, submit(P30, ...[0, 1, 2, 3, 4, 5].map((s) => big(s))));
    expect(proposedInstances(r.messages.map((o) => o.msg))).toEqual([0, 1, 2, 3]);
    expect([c.instancesInFlight, c.queuedValues]).toEqual([4, 2]);
    const r2 = stepAll(c, decision(A2, [0, B1]));
    expect(r2.messages).toEqual([to(GROUP, proposal(B1, 4, batch(big(4)))), to(P30, ack(C10, vid(P30, 0)))]);
    expect([c.instancesInFlight, c.queuedValues]).toEqual([4, 1]);
  });

  it('drops and counts values past coordinatorQueueValuesMax', () => {
    const c = leader();
    stepAll(c, submit(P30, ...[0, 1, 2, 3].map((s) => big(s))));
    expect(c.instancesInFlight).toBe(4);
    stepAll(c, submit(P30, ...[4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((s) => big(s))));
    expect(c.queuedValues).toBe(8);
    expect(c.drops.toJSON()).toEqual({ 'submit-queue-full': 2 });
  });

  it('queues a retried value once', () => {
    const c = leader();
    stepAll(c, submit(P30, ...[0, 1, 2, 3, 4].map((s) => big(s))));
    expect(stepAll(c, submit(P30, big(4), big(0)))).toEqual(EMPTY_READY);
    expect(c.queuedValues).toBe(1);
    expect(c.drops.total).toBe(0);
  });
});

describe('coordinator flow control from the learners', () => {
  it('opens no instance learnerLagInstancesMax past the slowest learner, and goes on as it delivers', () => {
    const c = leader('multicast', LAYOUT_12, { learnerLagInstancesMax: 6 });
    expect(stepAll(c, heartbeat(L20, B1, 0), heartbeat(L21, B1, 0))).toEqual(EMPTY_READY);
    const first = stepAll(c, submit(P30, ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => big(n))));
    expect(proposedInstances(first.messages.map((o) => o.msg))).toEqual([0, 1, 2, 3]);
    // All four decided: the in-flight limit would allow four more, the learners at 0 two.
    const decided = stepAll(c, decision(A2, [0, B1], [1, B1], [2, B1], [3, B1]));
    expect(proposedInstances(decided.messages.map((o) => o.msg))).toEqual([4, 5]);
    expect(c.learners).toMatchObject({ learnerHolds: 1, counted: 2, slowestUpTo: 0 });
    // One learner moving is not enough: the other holds the leader back.
    expect(proposedInstances(stepAll(c, heartbeat(L20, B1, 4)).messages.map((o) => o.msg))).toEqual([]);
    expect(proposedInstances(stepAll(c, heartbeat(L21, B1, 2)).messages.map((o) => o.msg))).toEqual([6, 7]);
    expect(c.learners).toMatchObject({ learnerHolds: 1, slowestUpTo: 2 });
  });

  it('is not held back by learners it has not heard from', () => {
    const c = leader('multicast', LAYOUT_12, { learnerLagInstancesMax: 2 });
    stepAll(c, submit(P30, ...[0, 1, 2, 3].map((n) => big(n))));
    expect(c.instancesInFlight).toBe(4);
    expect(c.learners).toMatchObject({ learnerHolds: 0, counted: 0, slowestUpTo: null });
  });

  it('takes a learner progress report as one, not as a heartbeat from a stranger', () => {
    const c = leader();
    stepAll(c, heartbeat(L22, B2, 5));
    expect(c.drops.total).toBe(0);
    expect(c.currentBallot).toBe(B1);
  });
});

describe('coordinator decisions and acks', () => {
  it('acks the decided value ids to their proposers, once', () => {
    const c = leader();
    stepAll(c, submit(P30, small(0), small(1)), submit(P31, small(0, P31)));
    const r = stepAll(c, decision(A2, [0, B1], [1, B1]));
    expect(r.messages).toEqual([to(P30, ack(C10, vid(P30, 0), vid(P30, 1))), to(P31, ack(C10, vid(P31, 0)))]);
    expect(c.decidedWatermark).toBe(2);
    expect(stepAll(c, decision(A2, [0, B1], [1, B1]))).toEqual(EMPTY_READY);
  });

  it('acks nothing for a decided no-op', () => {
    const c = takingOver();
    stepAll(c, phase1b(A1, B3, 0, 64, [entry(1, B1, NOOP_VALUE)]), phase1b(A2, B3, 0, 64));
    expect(stepAll(c, decision(A2, [0, B3], [1, B3]))).toEqual(EMPTY_READY);
    expect(c.decidedWatermark).toBe(2);
  });

  it('moves its watermark over decisions that arrive out of order', () => {
    const c = leader();
    stepAll(c, decision(A2, [2, B1]), decision(A2, [1, B1]));
    expect(c.decidedWatermark).toBe(0);
    stepAll(c, decision(A2, [0, B1]));
    expect(c.decidedWatermark).toBe(3);
  });

  it('drops and counts a decision too far ahead', () => {
    const c = leader();
    stepAll(c, decision(A2, [4 * 64, B1]));
    expect(c.drops.toJSON()).toEqual({ 'decision-too-far': 1 });
  });
});

describe('coordinator timeouts and the window', () => {
  it('re-sends an undecided Phase 2A after phase2TimeoutTicks', () => {
    const c = leader();
    const first = stepAll(c, submit(P30, small(0))).messages;
    const rs = tickCollect(c, 4);
    expect(rs.slice(0, 3).flatMap((r) => sentOfType(r, 'phase2a'))).toEqual([]);
    expect(sentOfType(rs[3] ?? EMPTY_READY, 'phase2a')).toEqual(first.map((o) => o.msg));
    expect(c.stats.phase2Resends).toBe(1);
  });

  it('tops the window up with a non-fresh Phase 1A when half of it is used, and waits for it at the end', () => {
    const c = leader();
    const topUps = decideOneByOne(c, B1, 64);
    expect(topUps).toEqual([A1, A2, A3].map(() => phase1a(B1, 64, 128, false)));
    // Everything up to 63 is decided; 64 lies beyond the window until the top-up completes.
    expect(stepAll(c, submit(P30, big(64))).messages).toEqual([]);
    expect(c.queuedValues).toBe(1);
    const r = stepAll(c, phase1b(A1, B1, 64, 128), phase1b(A3, B1, 64, 128));
    expect(r.messages).toEqual([to(GROUP, proposal(B1, 64, batch(big(64))))]);
  });

  it('re-proposes a vote that a top-up reports', () => {
    const c = takingOver();
    stepAll(c, phase1b(A1, B3, 0, 64), phase1b(A2, B3, 0, 64));
    decideOneByOne(c, B3, 64);
    const w = batch(small(0, P31));
    const r = stepAll(c, phase1b(A1, B3, 64, 128, [entry(64, B2_C11, w)]), phase1b(A2, B3, 64, 128), submit(P30, big(64)));
    expect(r.messages).toEqual([to(GROUP, proposal(B3, 64, w)), to(GROUP, proposal(B3, 65, batch(big(64))))]);
  });

  it('forms a new ring under a new ballot when a ring member goes quiet', () => {
    const c = leader();
    let phase1: Message[] = [];
    for (let t = 0; t < 20 && phase1.length === 0; t++) {
      c.step(heartbeat(A1, B1));
      c.step(heartbeat(A3, B1));
      c.tick();
      phase1 = sentOfType(c.ready(), 'phase1a');
    }
    expect(phase1).toEqual([A1, A2, A3].map(() => phase1a(B2, 0, 64, true)));
    stepAll(c, phase1b(A3, B2, 0, 64), phase1b(A1, B2, 0, 64));
    expect(c.currentLayout).toEqual([A1, A3]);
    expect(c.stats.reconfigurations).toBe(1);
  });
});

describe('coordinator heartbeats', () => {
  it('sends heartbeats to the group every heartbeatTicks while leading (multicast)', () => {
    const c = leader();
    stepAll(c, decision(A2, [0, B1]));
    const rs = tickCollect(c, 4).filter((r) => r.messages.length > 0);
    expect(rs.map((r) => r.messages)).toEqual([[to(GROUP, heartbeat(C10, B1, 1))], [to(GROUP, heartbeat(C10, B1, 1))]]);
  });

  it('sends heartbeats to the other coordinators, the learners and the acceptors (ring mode)', () => {
    const c = leader('ring');
    const r = tickCollect(c, 2).find((x) => x.messages.length > 0) ?? EMPTY_READY;
    expect(destinationsOf(r, 'heartbeat')).toEqual([C11, L20, L21, L22, A1, A2, A3]);
  });

  it('sends its Phase 2A to ring[0] in ring mode', () => {
    const c = leader('ring', [A2, A3]);
    expect(stepAll(c, submit(P30, small(0))).messages).toEqual([to(A2, proposal(B1, 0, batch(small(0)), [A2, A3]))]);
  });
});

describe('coordinator stepping down', () => {
  it.each<[string, Message, Ballot]>([
    ['a Nack with a higher promise', nack(A1, B1, B1_C11), B2],
    ['a heartbeat from a coordinator with a higher ballot', heartbeat(C11, B1_C11), B2],
    ['a heartbeat from an acceptor that promised a higher ballot', heartbeat(A2, B2_C11), B3],
  ])('stops proposing at once on %s, handing its runs to the new leader', (_what, msg, nextBallot) => {
    const c = leader();
    stepAll(c, submit(P30, ...[0, 1, 2, 3, 4, 5].map((s) => big(s))));
    // In flight and queued, oldest first: all of them go to C11, whose ballot is higher.
    const handed = stepAll(c, msg).messages;
    expect(handed.every((o) => o.to === C11 && o.msg.type === 'submit')).toBe(true);
    expect(handed.flatMap((o) => (o.msg.type === 'submit' ? o.msg.runs.map((r) => r.first) : []))).toEqual([0, 1, 2, 3, 4, 5].map((n) => vid(P30, n)));
    expect([c.currentStatus, c.instancesInFlight, c.queuedValues]).toEqual(['standby', 0, 0]);
    expect(stepAll(c, submit(P30, small(9)))).toEqual(EMPTY_READY);
    expect(c.drops.toJSON()).toEqual({ 'submit-not-leader': 1 });
    // Nothing more (no Phase 2, no heartbeat) until it takes over again takeoverTicks later,
    // above the ballot it saw.
    expect(tickCollect(c, 9).flatMap(routes)).toEqual([]);
    const { ready } = tickUntilSent(c, 'phase1a', 1);
    expect(sentOfType(ready, 'phase1a')[0]?.ballot).toBe(nextBallot);
  });

  it.each<[string, Message]>([
    ['a Nack with a lower promise', nack(A1, B1, ballot(0, C11))],
    ['a Nack for another ballot', nack(A1, ballot(0, C10), B1_C11)],
    ['a heartbeat from a coordinator with a lower ballot', heartbeat(C11, ballot(0, C11))],
    ['a heartbeat from an acceptor with the leader ballot', heartbeat(A1, B1)],
  ])('keeps leading on %s', (_what, msg) => {
    const c = leader();
    stepAll(c, msg);
    expect(c.currentStatus).toBe('leading');
    expect(stepAll(c, submit(P30, small(0))).messages).toEqual([to(GROUP, proposal(B1, 0, batch(small(0))))]);
  });
});

describe('coordinator bad input', () => {
  it.each<[string, Message, string]>([
    ['another ring', onRing(submit(P30, small(0)), OTHER_RING), 'wrong-ring'],
    ...unexpectedTypeRows('ack', 'phase1a', 'deliver', 'repair'),
    ['a heartbeat from a stranger', heartbeat(STRANGER, B2), 'heartbeat-unknown-sender'],
    ['a heartbeat from itself', heartbeat(C10, B2), 'heartbeat-unknown-sender'],
  ])('drops and counts %s', (_what, msg, reason) => {
    const c = leader();
    expectDropped(c, msg, reason);
    expect(c.currentStatus).toBe('leading');
  });

  it('ignores the group traffic of Phase 2 without counting it', () => {
    const c = leader();
    expect(stepAll(c, oneOfEach(A1).phase2a, oneOfEach(A1).phase2b)).toEqual(EMPTY_READY);
    expect(c.drops.total).toBe(0);
  });
});
