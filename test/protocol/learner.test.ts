import { describe, expect, it } from 'vitest';
import { ballot, type Ballot, type NodeId } from '../../src/protocol/ids.ts';
import { Learner } from '../../src/protocol/learner.ts';
import type { ClientValue, Message, Value } from '../../src/protocol/messages.ts';
import type { Dissemination } from '../../src/protocol/options.ts';
import type { DeliveredRuns } from '../../src/protocol/ready.ts';
import {
  A1,
  A2,
  A3,
  B1,
  B2,
  batch,
  batchOfRuns,
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
  L21,
  L22,
  NOOP_VALUE,
  onRing,
  OTHER_RING,
  P30,
  P31,
  phase2a,
  phase2b,
  repair,
  RING,
  ringSpec,
  run,
  runsOf,
  skip,
  smallOptions,
  stepAll,
  STRANGER,
  tickCollect,
  to,
  unexpectedTypeRows,
} from './builders.ts';

const LAYOUT = [A1, A2];
const cv = (seq: number, proposer: NodeId = P30): ClientValue => clientValue(proposer, seq);
/** The value of instance `n` in these tests: one client value with seq n. */
const valueOf = (n: number): Value => batch(cv(n));
const proposal = (n: number, bal: Ballot = B1, value: Value = valueOf(n)): Message => phase2a({ ballot: bal, instance: n, layout: LAYOUT, value });
const delivered = (n: number, values: readonly ClientValue[] = [cv(n)], slots = 1): DeliveredRuns => ({ ring: RING, instance: i(n), runs: runsOf(values), slots });

function learner(id: NodeId = L20, mode: Dissemination = 'multicast', startInstance = 0): Learner {
  return new Learner(id, ringSpec(mode), smallOptions(), startInstance);
}
/** The repairs sent on each of `n` ticks, as "tick:acceptor:from-to". */
function repairsOver(l: Learner, n: number): string[] {
  return tickCollect(l, n).flatMap((r, t) =>
    r.messages.flatMap((o) => (o.msg.type === 'repair' ? [`${t + 1}:${o.to}:${o.msg.instanceFrom}-${o.msg.instanceTo}`] : [])),
  );
}

describe('learner delivery', () => {
  it.each([
    ['2A first', [proposal(0), decision(A2, [0, B1])]],
    ['decision first', [decision(A2, [0, B1]), proposal(0)]],
  ])('delivers an instance once it holds its 2A and its decision (%s)', (_order, msgs) => {
    const l = learner();
    expect(stepAll(l, ...msgs)).toEqual({ persist: null, messages: [], delivered: [delivered(0)] });
    expect(l.deliveredUpTo).toBe(1);
  });

  it('delivers in instance order when decisions arrive out of order', () => {
    const l = learner();
    stepAll(l, proposal(0), proposal(1), proposal(2), proposal(3));
    expect(stepAll(l, decision(A2, [2, B1]), decision(A2, [1, B1]), decision(A2, [3, B1])).delivered).toEqual([]);
    expect(stepAll(l, decision(A2, [0, B1])).delivered).toEqual([0, 1, 2, 3].map((n) => delivered(n)));
    expect(l.deliveredUpTo).toBe(4);
  });

  it('delivers the value of the decided ballot, not another proposal for the instance', () => {
    const l = learner();
    const other = batch(cv(7, P31));
    stepAll(l, proposal(0, B1), proposal(0, B2, other));
    expect(stepAll(l, decision(A2, [0, B2])).delivered).toEqual([delivered(0, [cv(7, P31)])]);
  });

  it('holds a decision until the 2A of its ballot arrives', () => {
    const l = learner();
    stepAll(l, proposal(0, B1));
    expect(stepAll(l, decision(A2, [0, B2])).delivered).toEqual([]);
    expect(stepAll(l, proposal(0, B2, valueOf(9))).delivered).toEqual([delivered(0, [cv(9)])]);
  });

  it('keeps a bounded number of proposals per instance, the oldest making way', () => {
    const l = learner();
    const ballots = [1, 2, 3, 4, 5].map((round) => ballot(round, C10));
    for (const [k, bal] of ballots.entries()) l.step(proposal(0, bal, valueOf(k)));
    expect(stepAll(l, decision(A2, [0, ballots[0] as Ballot])).delivered).toEqual([]);
    expect(stepAll(l, proposal(0, ballots[0] as Ballot, valueOf(0))).delivered).toEqual([delivered(0, [cv(0)])]);
  });

  it('delivers a duplicated run of client values once, in the first instance that holds it', () => {
    const l = learner();
    const r01 = run(cv(0), cv(1));
    const r2 = run(cv(2));
    stepAll(l, proposal(0, B1, batchOfRuns(r01)), proposal(1, B1, batchOfRuns(r01, r2)), proposal(2, B1, batchOfRuns(r2)));
    expect(stepAll(l, decision(A2, [0, B1], [1, B1], [2, B1])).delivered).toEqual([
      delivered(0, [cv(0), cv(1)]),
      delivered(1, [cv(2)]),
      delivered(2, []),
    ]);
    expect(l.stats).toMatchObject({ instancesDelivered: 3, valuesDelivered: 3, duplicatesDropped: 3 });
  });

  it('keeps apart the same sequence number of two proposers', () => {
    const l = learner();
    const r = stepAll(l, proposal(0, B1, batch(cv(0, P30), cv(0, P31))), decision(A2, [0, B1]));
    expect(r.delivered).toEqual([delivered(0, [cv(0, P30), cv(0, P31)])]);
  });

  it.each<[string, Value, DeliveredRuns]>([
    ['a no-op', NOOP_VALUE, delivered(0, [], 1)],
    ['a skip of 5 slots', skip(5), delivered(0, [], 5)],
    ['an empty batch', batch(), delivered(0, [], 1)],
  ])('delivers %s with its slots and no values', (_what, value, expected) => {
    const l = learner();
    expect(stepAll(l, proposal(0, B1, value), decision(A2, [0, B1])).delivered).toEqual([expected]);
  });

  it('delivers from a repair reply without a 2A or a decision', () => {
    const l = learner();
    expect(stepAll(l, deliver(A3, entry(0, B1, valueOf(0)), entry(1, B1, skip(2)))).delivered).toEqual([delivered(0), delivered(1, [], 2)]);
  });

  it('starts at its start instance and ignores what lies below it', () => {
    const l = learner(L20, 'multicast', 10);
    expect(stepAll(l, proposal(9), decision(A2, [9, B1]))).toEqual(EMPTY_READY);
    expect(stepAll(l, proposal(10), decision(A2, [10, B1])).delivered).toEqual([delivered(10)]);
    expect(l.drops.total).toBe(0);
  });

  it('ignores what it has delivered already', () => {
    const l = learner();
    stepAll(l, proposal(0), decision(A2, [0, B1]));
    expect(stepAll(l, proposal(0), decision(A2, [0, B1]), deliver(A1, entry(0, B1, valueOf(0))))).toEqual(EMPTY_READY);
  });
});

describe('learner repair', () => {
  it('asks an acceptor after learnerGapTicks, then every repairTimeoutTicks, rotating acceptors', () => {
    const l = learner(L20);
    stepAll(l, decision(A2, [0, B1]));
    expect(repairsOver(l, 12)).toEqual(['3:1:0-1', '6:2:0-1', '9:3:0-1', '12:1:0-1']);
    expect(l.stats.repairsSent).toBe(4);
  });

  it('starts its rotation at its own place in the learner list', () => {
    const l = learner(L21);
    stepAll(l, decision(A2, [0, B1]));
    expect(repairsOver(l, 6)).toEqual(['3:2:0-1', '6:3:0-1']);
  });

  it('sends the repair exactly as a Repair message', () => {
    const l = learner(L20);
    stepAll(l, decision(A2, [0, B1]));
    const third = tickCollect(l, 3)[2];
    expect(third?.messages.filter((o) => o.msg.type !== 'heartbeat')).toEqual([to(A1, repair(L20, 0, 1))]);
    expect(third?.delivered).toEqual([]);
  });

  it('asks for at most repairInstancesMax instances, up to the highest one known decided', () => {
    const l = learner(L20);
    stepAll(l, decision(A2, [9, B1]));
    expect(repairsOver(l, 3)).toEqual(['3:1:0-4']);
    const l2 = learner(L20);
    stepAll(l2, decision(A2, [2, B1]));
    expect(repairsOver(l2, 3)).toEqual(['3:1:0-3']);
  });

  it('notices a gap from a heartbeat', () => {
    const l = learner(L20);
    stepAll(l, heartbeat(C10, B1, 2));
    expect(repairsOver(l, 3)).toEqual(['3:1:0-2']);
  });

  it('stops asking once the gap is filled', () => {
    const l = learner(L20);
    stepAll(l, proposal(1), decision(A2, [0, B1], [1, B1]));
    expect(repairsOver(l, 3)).toEqual(['3:1:0-2']);
    expect(stepAll(l, deliver(A1, entry(0, B1, valueOf(0)))).delivered).toEqual([delivered(0), delivered(1)]);
    expect(repairsOver(l, 10)).toEqual([]);
  });

  it('asks the same acceptor for the next stretch at once when a repair is answered in full and it is still behind', () => {
    const l = learner(L20);
    stepAll(l, decision(A2, [9, B1]));
    expect(repairsOver(l, 3)).toEqual(['3:1:0-4']);
    const answer = stepAll(l, deliver(A1, entry(0, B1, valueOf(0)), entry(1, B1, valueOf(1)), entry(2, B1, valueOf(2)), entry(3, B1, valueOf(3))));
    expect(answer.delivered).toHaveLength(4);
    expect(answer.messages).toEqual([to(A1, repair(L20, 4, 8))]);
    // A partial answer does not ask again: the rest of it may be on its way.
    expect(stepAll(l, deliver(A1, entry(4, B1, valueOf(4)))).messages).toEqual([]);
  });

  it('asks for its gap as soon as it hears of a later decision when it started past instance 0', () => {
    const l = learner(L20, 'multicast', 10);
    expect(stepAll(l, decision(A2, [15, B1])).messages).toEqual([to(A1, repair(L20, 10, 14))]);
    // Once: after that, the usual timers.
    expect(stepAll(l, decision(A2, [16, B1])).messages).toEqual([]);
  });

  it('tells every acceptor and coordinator how far it has delivered, on every tick it moved, and every heartbeatTicks otherwise', () => {
    const l = learner(L20);
    const reports = (n: number): string[][] =>
      tickCollect(l, n).map((r) => r.messages.flatMap((o) => (o.msg.type === 'heartbeat' ? [`${String(o.to)}:${o.msg.decidedUpTo}`] : [])));
    const toAll = (upTo: number): string[] => [A1, A2, A3, C10, C11].map((n) => `${n}:${upTo}`);
    stepAll(l, proposal(0), decision(A2, [0, B1]));
    expect(reports(1)).toEqual([toAll(1)]);
    stepAll(l, proposal(1), decision(A2, [1, B1]));
    // Moved on tick 2 (reported); unmoved on tick 3; heartbeatTicks (2) on tick 4.
    expect(reports(3)).toEqual([toAll(2), [], toAll(2)]);
  });

  it('asks nothing while it is not behind', () => {
    const l = learner(L20);
    stepAll(l, proposal(0), proposal(1));
    expect(repairsOver(l, 10)).toEqual([]);
  });
});

describe('learner bad input', () => {
  it.each<[string, Message]>([
    ['a 2A', proposal(64)],
    ['a decision', decision(A2, [64, B1])],
    ['a deliver', deliver(A1, entry(64, B1, valueOf(64)))],
  ])('drops and counts %s beyond its window', (_what, msg) => {
    expectDropped(learner(), msg, 'beyond-window');
  });

  it('takes the last instance of its window', () => {
    const l = learner();
    stepAll(l, proposal(63), decision(A2, [63, B1]));
    expect(l.drops.total).toBe(0);
  });

  it.each<[string, Message, string]>([
    ['another ring', onRing(proposal(0), OTHER_RING), 'wrong-ring'],
    ['a deliver from a stranger', deliver(STRANGER, entry(0, B1, valueOf(0))), 'deliver-unknown-sender'],
    ...unexpectedTypeRows('submit', 'ack', 'phase1a', 'phase1b', 'nack', 'repair'),
  ])('drops and counts %s', (_what, msg, reason) => {
    const l = learner();
    expectDropped(l, msg, reason);
    expect(l.deliveredUpTo).toBe(0);
  });

  it('ignores the group traffic of Phase 2B without counting it', () => {
    const l = learner();
    expect(stepAll(l, phase2b(A1, B1, 0, 1))).toEqual(EMPTY_READY);
    expect(l.drops.total).toBe(0);
  });
});

describe('learner chain (ring mode)', () => {
  it('passes newly learned entries to the next learner only', () => {
    const l = learner(L20, 'ring');
    const e0 = entry(0, B1, valueOf(0));
    expect(stepAll(l, deliver(A2, e0))).toEqual({ persist: null, messages: [to(L21, deliver(L20, e0))], delivered: [delivered(0)] });
    // Known already: not passed on again.
    expect(stepAll(l, deliver(A2, e0))).toEqual(EMPTY_READY);
  });

  it('passes on only the new entries of a message, in chunks of repairInstancesMax', () => {
    const l = learner(L21, 'ring');
    const entries = [0, 1, 2, 3, 4, 5, 6].map((n) => entry(n, B1, valueOf(n)));
    stepAll(l, deliver(L20, ...entries.slice(0, 1)));
    const r = stepAll(l, deliver(L20, ...entries));
    expect(r.messages).toEqual([to(L22, deliver(L21, ...entries.slice(1, 5))), to(L22, deliver(L21, ...entries.slice(5)))]);
    expect(r.delivered).toEqual([1, 2, 3, 4, 5, 6].map((n) => delivered(n)));
  });

  it('passes on what a repair reply brings, in any order', () => {
    const l = learner(L20, 'ring');
    const e1 = entry(1, B1, valueOf(1));
    expect(stepAll(l, deliver(A3, e1))).toEqual({ persist: null, messages: [to(L21, deliver(L20, e1))], delivered: [] });
  });

  it('the last learner of the chain passes nothing on', () => {
    const l = learner(L22, 'ring');
    expect(stepAll(l, deliver(L21, entry(0, B1, valueOf(0))))).toEqual({ persist: null, messages: [], delivered: [delivered(0)] });
  });

  it('passes nothing on in multicast mode', () => {
    const l = learner(L20, 'multicast');
    expect(stepAll(l, deliver(A1, entry(0, B1, valueOf(0)))).messages).toEqual([]);
  });
});
