import { describe, expect, it } from 'vitest';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import { SEQ_MAX, type ValueId } from '../../src/protocol/ids.ts';
import type { ClientValue, Message } from '../../src/protocol/messages.ts';
import type { AckedRun, Ready } from '../../src/protocol/ready.ts';
import { packRun, runsCount, runsIds, runsValues } from '../../src/protocol/runs.ts';
import type { ProtocolOptions } from '../../src/protocol/options.ts';
import { Proposer } from '../../src/protocol/proposer.ts';
import {
  ack,
  at,
  B1,
  C10,
  C11,
  EMPTY_READY,
  expectDropped,
  heartbeat,
  onRing,
  OTHER_RING,
  P30,
  ringSpec,
  routes,
  smallOptions,
  stepAll,
  STRANGER,
  submit,
  tickCollect,
  to,
  unexpectedTypeRows,
  vid,
} from './builders.ts';

/** A proposer that has heard from coordinator C10 (an ack of nothing): it sends all it has. */
function proposer(seqStart = 0, overrides: Partial<ProtocolOptions> = {}): Proposer {
  const p = unheardProposer(seqStart, overrides);
  p.step(ack(C10));
  return p;
}
/** A proposer no coordinator has acknowledged anything to yet. */
function unheardProposer(seqStart = 0, overrides: Partial<ProtocolOptions> = {}): Proposer {
  return new Proposer(P30, ringSpec(), smallOptions(overrides), seqStart);
}
const bytes = (size: number, fill = 0): Uint8Array => new Uint8Array(size).fill(fill);
/** Proposes one value per size; returns the client values as the proposer will send them. */
function proposeAll(p: Proposer, sizes: readonly number[]): ClientValue[] {
  return sizes.map((size, k) => {
    const b = bytes(size, k);
    const id = p.propose(b);
    if (id === null) throw new Error('back-pressure');
    return { id, bytes: b };
  });
}
/** The ids of the Submit messages in a ready(), one list per message. */
const submittedIds = (msgs: readonly { msg: Message }[]): ValueId[][] => msgs.flatMap((o) => (o.msg.type === 'submit' ? [runsIds(o.msg.runs)] : []));

describe('proposer ids', () => {
  it.each([0, 100, SEQ_MAX - 2])('numbers its values from seqStart %i', (seqStart) => {
    const p = proposer(seqStart);
    expect([p.propose(bytes(1)), p.propose(bytes(1)), p.propose(bytes(1))]).toEqual([0, 1, 2].map((k) => vid(P30, seqStart + k)));
  });

  it('moves to the next epoch when an epoch is used up, and wraps after the last', () => {
    const p = proposer(2 ** 24 - 1);
    expect(p.epoch).toBe(0);
    expect(p.propose(bytes(1))).toBe(vid(P30, 2 ** 24 - 1));
    expect(p.epoch).toBe(1);
    expect(p.propose(bytes(1))).toBe(vid(P30, 2 ** 24));
    const last = proposer(SEQ_MAX);
    expect(last.propose(bytes(1))).toBe(vid(P30, SEQ_MAX));
    expect(last.propose(bytes(1))).toBe(vid(P30, 0));
  });

  it('refuses a value larger than submitBytesMax with a typed error, without using an id', () => {
    const p = proposer();
    let thrown: unknown;
    try {
      p.propose(bytes(33));
    } catch (e) {
      thrown = e;
    }
    expect(isRingcastError(thrown, ErrorCode.VALUE_TOO_LARGE)).toBe(true);
    expect(thrown).toMatchObject({ name: 'RingcastError', code: 'RINGCAST_ERR_VALUE_TOO_LARGE' });
    expect(p.propose(bytes(32))).toBe(vid(P30, 0));
  });
});

describe('proposer batching', () => {
  it('sends what was proposed to the first coordinator in one Submit', () => {
    const p = proposer();
    const values = proposeAll(p, [1, 2, 3]);
    expect(p.ready()).toEqual({ persist: null, messages: [to(C10, submit(P30, ...values))], delivered: [] });
    expect(p.ready()).toEqual(EMPTY_READY);
  });

  it.each<[string, number[], number[]]>([
    ['values that fill submitBytesMax', [10, 10, 10, 10, 10], [3, 2]],
    ['a value of exactly submitBytesMax', [1, 32, 1], [1, 1, 1]],
    ['values up to batchValuesMax', [1, 1, 1, 1, 1, 1], [4, 2]],
    ['bytes and count together', [16, 16, 1, 1, 1, 1, 1], [2, 4, 1]],
  ])('splits %s into several Submits', (_what, sizes, counts) => {
    const p = proposer();
    const values = proposeAll(p, sizes);
    const r = p.ready();
    expect(r.messages.map((o) => (o.msg.type === 'submit' ? runsCount(o.msg.runs) : -1))).toEqual(counts);
    expect(r.messages.flatMap((o) => (o.msg.type === 'submit' ? runsValues(o.msg.runs) : []))).toEqual(values);
  });

  it('packs consecutive values into one run, and starts a new one at an epoch boundary', () => {
    const p = proposer(2 ** 24 - 2);
    const values = proposeAll(p, [1, 1, 1]);
    const r = p.ready();
    expect(r.messages.flatMap((o) => (o.msg.type === 'submit' ? o.msg.runs.map((run) => [run.first, run.count]) : []))).toEqual([
      [vid(P30, 2 ** 24 - 2), 2],
      [vid(P30, 2 ** 24), 1],
    ]);
    expect(r.messages.flatMap((o) => (o.msg.type === 'submit' ? runsValues(o.msg.runs) : []))).toEqual(values);
  });

  it('applies back-pressure at proposerValuesInFlightMax, and lifts it on the ack of a run', () => {
    const p = proposer();
    const values = proposeAll(p, [1, 1, 1, 1, 1, 1, 1, 1]);
    expect(p.propose(bytes(1))).toBeNull();
    expect(p.valuesInFlight).toBe(8);
    p.ready();
    // batchValuesMax is 4: two runs of four.
    expect(stepAll(p, ack(C10, at(values, 0).id)).delivered).toEqual([{ first: vid(P30, 0), count: 4, tag: undefined, tagOffset: 0 }]);
    for (let k = 8; k < 12; k++) expect(p.propose(bytes(1))).toBe(vid(P30, k));
    expect(p.propose(bytes(1))).toBeNull();
  });

  it('keeps every value in flight within proposerValuesInFlightMax sequence numbers of the newest, however few are in flight', () => {
    // A run lost on its way stays in flight while the others are acked: learners would drop it
    // as a late copy once the numbers ran a dedup window past it (five processes lost values so).
    const p = proposer();
    const lost = proposeAll(p, [1, 1, 1, 1]); // run 0-3, never acked
    p.ready();
    const next = proposeAll(p, [1, 1, 1, 1]); // run 4-7
    p.ready();
    stepAll(p, ack(C10, at(next, 0).id));
    expect(p.valuesInFlight).toBe(4);
    // Only 4 values in flight, but 8 would put value 0 eight numbers below the newest.
    expect(p.propose(bytes(1))).toBeNull();
    expect(p.proposeRun(packRun(vid(P30, 0), [bytes(1)]).packed, 1)).toBeNull();
    // Its re-send acked, the proposer goes on.
    stepAll(p, ack(C10, at(lost, 0).id));
    expect(p.propose(bytes(1))).toBe(vid(P30, 8));
  });
});

describe('proposer packed runs', () => {
  const packed = (...sizes: number[]): Uint8Array => packRun(vid(P30, 0), sizes.map((n) => bytes(n, n))).packed;

  it('gives a packed run consecutive ids after the values proposed one by one, in runs of their own', () => {
    const p = proposer();
    const single = proposeAll(p, [1]);
    expect(p.proposeRun(packed(1, 2, 3), 3)).toBe(vid(P30, 1));
    expect(p.propose(bytes(4))).toBe(vid(P30, 4));
    const sent = p.ready().messages.flatMap((o) => (o.msg.type === 'submit' ? o.msg.runs.map((run) => [run.first, run.count]) : []));
    expect(sent).toEqual([
      [vid(P30, 0), 1],
      [vid(P30, 1), 3],
      [vid(P30, 4), 1],
    ]);
    expect(single.length).toBe(1);
  });

  it('cuts a packed run at an epoch boundary', () => {
    const p = proposer(2 ** 24 - 1);
    expect(p.proposeRun(packed(1, 2, 3), 3)).toBe(vid(P30, 2 ** 24 - 1));
    const runs = p.ready().messages.flatMap((o) => (o.msg.type === 'submit' ? o.msg.runs : []));
    expect(runs.map((run) => [run.first, run.count])).toEqual([
      [vid(P30, 2 ** 24 - 1), 1],
      [vid(P30, 2 ** 24), 2],
    ]);
    expect(runsValues(runs).map((v) => v.bytes.length)).toEqual([1, 2, 3]);
  });

  it('hands each acked run back with the tag its values were proposed under, and their offset in it', () => {
    const p = proposer(2 ** 24 - 1);
    const tag = { asker: 7 };
    expect(p.proposeRun(packed(1, 2, 3), 3, tag)).toBe(vid(P30, 2 ** 24 - 1));
    p.ready();
    // The second part is acked first: each part names its own values.
    const late = stepAll(p, ack(C10, vid(P30, 2 ** 24))).delivered;
    const early = stepAll(p, ack(C10, vid(P30, 2 ** 24 - 1))).delivered;
    expect(late).toEqual([{ first: vid(P30, 2 ** 24), count: 2, tag, tagOffset: 1 }]);
    expect(early).toEqual([{ first: vid(P30, 2 ** 24 - 1), count: 1, tag, tagOffset: 0 }]);
  });

  it('returns null past proposerValuesInFlightMax, and refuses a run beyond one submit with a typed error', () => {
    const p = proposer();
    expect(p.proposeRun(packed(1, 1, 1, 1), 4)).toBe(vid(P30, 0));
    expect(p.proposeRun(packed(1, 1, 1, 1), 4)).toBe(vid(P30, 4));
    expect(p.proposeRun(packed(1), 1)).toBeNull();
    let thrown: unknown;
    try {
      proposer().proposeRun(packed(1, 1, 1, 1, 1), 5);
    } catch (e) {
      thrown = e;
    }
    expect(isRingcastError(thrown, ErrorCode.VALUE_TOO_LARGE)).toBe(true);
  });
});

describe('proposer retries', () => {
  it('re-sends an unacked value with the same id after proposerRetryTicks', () => {
    const p = proposer();
    const values = [...proposeAll(p, [1]), ...(p.ready(), proposeAll(p, [1]))];
    p.ready();
    const early = tickCollect(p, 3);
    // An ack for value 0 keeps C10 the leader; value 1 (a run of its own) stays unacked.
    expect(stepAll(p, ack(C10, at(values, 0).id)).delivered).toEqual([{ first: at(values, 0).id, count: 1, tag: undefined, tagOffset: 0 }]);
    const rs = tickCollect(p, 2);
    expect([...early, at(rs, 0)].flatMap(routes)).toEqual([]);
    expect(at(rs, 1).messages).toEqual([to(C10, submit(P30, at(values, 1)))]);
    expect(p.stats.resends).toBe(1);
  });

  it('re-sends each value proposerRetryTicks after its own last send', () => {
    const p = proposer();
    // The leader answers (acks of nothing) at every tick: it is alive, so no rotation.
    const tickAlive = (n: number): Ready<AckedRun>[] =>
      Array.from({ length: n }, () => {
        p.step(ack(C10));
        p.tick();
        return p.ready();
      });
    proposeAll(p, [1]);
    p.ready();
    tickAlive(2);
    proposeAll(p, [1]);
    p.ready();
    // Value 0 went out at tick 0, value 1 at tick 2.
    const sent = tickAlive(10).flatMap((r, k) => submittedIds(r.messages).map((ids) => [k + 3, ids]));
    expect(sent).toEqual([
      [5, [vid(P30, 0)]],
      [7, [vid(P30, 1)]],
      [10, [vid(P30, 0)]],
      [12, [vid(P30, 1)]],
    ]);
    expect(p.stats.leaderRotations).toBe(0);
  });

  it('turns to the next candidate with its oldest unacked run when the leader goes quiet, and sends the rest in order once it acks', () => {
    const p = proposer();
    proposeAll(p, [1]);
    p.ready();
    tickCollect(p, 2);
    proposeAll(p, [1]);
    p.ready();
    // Value 0 went out at tick 0, value 1 at tick 2; no ack at all: C10 is given up at tick 5.
    const r = tickCollect(p, 3).at(-1) as Ready<AckedRun>;
    expect(routes(r)).toEqual([`submit->${C11}`]);
    expect(submittedIds(r.messages)).toEqual([[vid(P30, 0)]]);
    expect(p.stats.leaderRotations).toBe(1);
    // C11 acks it: value 1 follows at once.
    const afterAck = stepAll(p, ack(C11, vid(P30, 0)));
    expect(routes(afterAck)).toEqual([`submit->${C11}`]);
    expect(submittedIds(afterAck.messages)).toEqual([[vid(P30, 1)]]);
  });

  it('sends one run at a time until a coordinator acknowledges one: runs sent into the void are not overtaken', () => {
    const p = unheardProposer();
    // Three values, three runs of their own: only the first goes out while nobody has answered.
    const sent = [1, 1, 1].flatMap(() => (proposeAll(p, [1]), submittedIds(p.ready().messages)));
    expect(sent).toEqual([[vid(P30, 0)]]);
    // An ack: everything held goes, oldest first.
    const afterAck = stepAll(p, ack(C10, vid(P30, 0)));
    expect(submittedIds(afterAck.messages)).toEqual([[vid(P30, 1), vid(P30, 2)]]);
  });

  it('sends the runs that went to another candidate to the coordinator that acks, at once and before newer ones', () => {
    const p = proposer();
    const v0 = at(proposeAll(p, [1]), 0);
    expect(routes(p.ready())).toEqual([`submit->${C10}`]);
    // No ack for 5 ticks: C11 is tried with value 0.
    expect(routes(tickCollect(p, 5).at(-1) as Ready<AckedRun>)).toEqual([`submit->${C11}`]);
    proposeAll(p, [1]);
    // C11 has acknowledged nothing yet: value 1 waits.
    expect(routes(p.ready())).toEqual([]);
    // C10 was alive after all (C11 may be dead): its ack makes it the leader again. Value 1 must
    // reach it before value 2, or value 2 is decided first while value 1 waits for its retry.
    const afterAck = stepAll(p, ack(C10, v0.id));
    expect(routes(afterAck)).toEqual([`submit->${C10}`]);
    expect(submittedIds(afterAck.messages)).toEqual([[vid(P30, 1)]]);
    proposeAll(p, [1]);
    expect(submittedIds(p.ready().messages)).toEqual([[vid(P30, 2)]]);
  });

  it('rotates through the coordinator candidates while no ack comes', () => {
    const p = proposer();
    proposeAll(p, [1]);
    expect(routes(p.ready())).toEqual([`submit->${C10}`]);
    const sent = tickCollect(p, 15).flatMap((r) => routes(r));
    expect(sent).toEqual([`submit->${C11}`, `submit->${C10}`, `submit->${C11}`]);
    expect(p.stats.leaderRotations).toBe(3);
  });

  it('does not rotate while nothing is in flight', () => {
    const p = proposer();
    tickCollect(p, 20);
    expect(p.leader).toBe(C10);
  });
});

describe('proposer acks', () => {
  it('makes the coordinator that acks the leader, and delivers each id once', () => {
    const p = proposer();
    const ids = proposeAll(p, [1, 1]).map((v) => v.id);
    p.ready();
    // The two values went as one run, acknowledged by its first id.
    expect(stepAll(p, ack(C11, at(ids, 0)))).toEqual({ persist: null, messages: [], delivered: [{ first: at(ids, 0), count: 2, tag: undefined, tagOffset: 0 }] });
    expect(p.leader).toBe(C11);
    expect(stepAll(p, ack(C11, at(ids, 0)))).toEqual(EMPTY_READY);
    expect(p.valuesInFlight).toBe(0);
    expect(p.stats.valuesAcked).toBe(2);
    // The next value goes to the new leader.
    const next = proposeAll(p, [1]);
    expect(p.ready().messages).toEqual([to(C11, submit(P30, ...next))]);
  });

  it('does not re-send a run acked after it fell due but before it went out again', () => {
    const p = proposer();
    const values = proposeAll(p, [1]);
    p.ready();
    for (let t = 0; t < p.retryTicks; t++) p.tick();
    expect(p.hasReady()).toBe(true);
    expect(stepAll(p, ack(C10, at(values, 0).id)).messages).toEqual([]);
  });

  it('does not re-send an acked value', () => {
    const p = proposer();
    const values = proposeAll(p, [1]);
    p.ready();
    stepAll(p, ack(C10, at(values, 0).id));
    expect(tickCollect(p, 20).flatMap(routes)).toEqual([]);
  });
});

describe('proposer bad input', () => {
  it.each<[string, Message, string]>([
    ['another ring', onRing(ack(C10, vid(P30, 0)), OTHER_RING), 'wrong-ring'],
    ['an ack from a stranger', ack(STRANGER, vid(P30, 0)), 'ack-unknown-coordinator'],
    ...unexpectedTypeRows('submit', 'phase1a', 'phase1b', 'nack', 'phase2a', 'phase2b', 'decision', 'deliver', 'repair'),
  ])('drops and counts %s', (_what, msg, reason) => {
    const p = proposer();
    proposeAll(p, [1]);
    p.ready();
    expectDropped(p, msg, reason);
    expect(p.valuesInFlight).toBe(1);
  });

  it('ignores heartbeats without counting them', () => {
    const p = proposer();
    expect(stepAll(p, heartbeat(C10, B1))).toEqual(EMPTY_READY);
    expect(p.drops.total).toBe(0);
  });
});

describe('proposer adaptive retry', () => {
  it('stretches the retry timeout with slow acks, but never past eight times the floor', () => {
    const p = proposer();
    const floor = p.retryTicks;
    const ids = [];
    for (let k = 0; k < 40; k++) ids.push(p.propose(bytes(1)));
    p.ready();
    // Acks that take a very long time: the smoothed ack time grows far beyond the floor.
    for (let t = 0; t < 100 * floor; t++) p.tick();
    p.ready();
    for (const id of ids) if (id !== null) p.step(ack(C10, id));
    expect(p.retryTicks).toBe(8 * floor);
  });
});
