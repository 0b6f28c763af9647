import { describe, expect, it } from 'vitest';
import { CODEC_LIMITS, decode, encode, encodedSize, FRAME_HEADER_BYTES } from '../../src/codec/index.ts';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import { EPOCH_SEQS, type Ballot, type Instance, type NodeId, type RingId, type ValueId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, Message, Value } from '../../src/protocol/messages.ts';
import { packRun, type ValueRun } from '../../src/protocol/runs.ts';
import { BALLOT_MAX, VALUE_ID_MAX } from './arbitrary.ts';
import { expectSame } from './expect-same.ts';

const ring = 1 as RingId;
const from = 2 as NodeId;
const ballot = 5 as Ballot;
const instance = 9 as Instance;
const L = CODEC_LIMITS;

/** `n` runs of one empty value each. */
const runsOf = (n: number): ValueRun[] => Array.from({ length: n }, (_, i) => packRun(i as ValueId, [new Uint8Array(0)]));
/** One run of `n` empty values. */
const runOfCount = (n: number, first = 0 as ValueId): ValueRun => packRun(first, Array.from({ length: n }, () => new Uint8Array(0)));
const noops = (n: number): AcceptedEntry[] =>
  Array.from({ length: n }, (_, i) => ({ instance: i as Instance, ballot, value: { kind: 'noop' } }));
const phase2a = (value: Value, layoutLength = 3, votes = 0): Message => ({
  type: 'phase2a', ring, from, ballot, instance, votes, value,
  layout: Array.from({ length: layoutLength }, (_, i) => i as NodeId),
});

function expectRoundTrip(msg: Message): void {
  const res = decode(encode(msg));
  if (!res.ok) throw new Error(`${msg.type} refused: ${res.error} ${res.detail}`);
  expectSame(res.msg, msg, msg.type);
}

function expectEncodeError(msg: Message, code: ErrorCode): void {
  let thrown: unknown;
  try {
    encodedSize(msg);
  } catch (e) {
    thrown = e;
  }
  expect(isRingcastError(thrown, code), `${msg.type}: ${String(thrown)}`).toBe(true);
}
const expectTooLarge = (msg: Message): void => expectEncodeError(msg, ErrorCode.VALUE_TOO_LARGE);

/** Messages at each count limit, and the same with one more. */
const AT_LIMIT: readonly [string, (extra: number) => Message][] = [
  ['batch runs', (x) => phase2a({ kind: 'batch', runs: runsOf(L.runsPerBatchMax + x) })],
  ['submit runs', (x) => ({ type: 'submit', ring, from, runs: runsOf(L.runsPerBatchMax + x) })],
  ['ack firsts', (x) => ({ type: 'ack', ring, from, firsts: Array.from({ length: L.idsPerAckMax + x }, (_, i) => i as ValueId) })],
  ['decision entries', (x) => ({ type: 'decision', ring, from, entries: noops(L.entriesPerMessageMax + x) })],
  ['deliver entries', (x) => ({ type: 'deliver', ring, from, entries: noops(L.entriesPerMessageMax + x) })],
  ['layout', (x) => phase2a({ kind: 'noop' }, L.layoutMax + x)],
  [
    'phase1b entries',
    (x) => ({ type: 'phase1b', ring, from, ballot, instanceFrom: instance, instanceTo: instance, accepted: noops(L.entriesPerMessageMax + x) }),
  ],
];

describe('codec limits', () => {
  it('are frozen', () => {
    expect(Object.isFrozen(CODEC_LIMITS)).toBe(true);
  });

  for (const [name, make] of AT_LIMIT) {
    it(`${name}: the limit round-trips, one more is refused by the encoder`, () => {
      const atLimit = make(0);
      if (atLimit.type === 'decision') {
        // Decision entries are (instance, ballot) only.
        const entries = atLimit.entries.map((e) => ({ instance: e.instance, ballot: e.ballot }));
        expectRoundTrip({ ...atLimit, entries });
      } else {
        expectRoundTrip(atLimit);
      }
      expectTooLarge(make(1));
    });
  }

  it('values in one run: itemsPerBatchMax round-trips; one more is refused by the encoder and the decoder', () => {
    expectRoundTrip({ type: 'submit', ring, from, runs: [runOfCount(L.itemsPerBatchMax)] });
    expectRoundTrip(phase2a({ kind: 'batch', runs: [runOfCount(L.itemsPerBatchMax)] }));
    const over = runOfCount(L.itemsPerBatchMax + 1);
    expectEncodeError({ type: 'submit', ring, from, runs: [over] }, ErrorCode.ASSERTION);
    expectEncodeError(phase2a({ kind: 'batch', runs: [over] }), ErrorCode.ASSERTION);
    // The same run on the wire, written by hand: refused at its count, as a field out of range.
    const atLimit = encode({ type: 'submit', ring, from, runs: [runOfCount(L.itemsPerBatchMax)] }, { checksum: false });
    const frame = new Uint8Array(atLimit.length + 4);
    frame.set(atLimit);
    const view = new DataView(frame.buffer);
    view.setUint32(4, frame.length, true); // frame length
    const countAt = FRAME_HEADER_BYTES + 4 + 4 + 8;
    view.setUint32(countAt, L.itemsPerBatchMax + 1, true);
    view.setUint32(countAt + 4, (L.itemsPerBatchMax + 1) * 4, true);
    expect(decode(frame)).toMatchObject({ ok: false, error: 'bad-field', detail: expect.stringMatching(/run count 4097 > 4096/) });
  });

  it('a frame of exactly frameBytesMax round-trips; one byte more is refused', () => {
    const overhead = FRAME_HEADER_BYTES + 4 + 4 + 16 + 4; // header, ring+from, count, run head, value length
    const bytes = new Uint8Array(L.frameBytesMax - overhead).fill(7);
    const msg: Message = { type: 'submit', ring, from, runs: [packRun(1 as ValueId, [bytes])] };
    expect(encodedSize(msg)).toBe(L.frameBytesMax);
    expectRoundTrip(msg);
    const over: Message = { type: 'submit', ring, from, runs: [packRun(1 as ValueId, [new Uint8Array(bytes.length + 1)])] };
    expectTooLarge(over);
  });

  it('ids at the top of their ranges round-trip', () => {
    expectRoundTrip({
      type: 'deliver', ring: 0xffff as RingId, from: 0xffff as NodeId,
      entries: [{
        instance: Number.MAX_SAFE_INTEGER as Instance, ballot: BALLOT_MAX as Ballot,
        value: { kind: 'batch', runs: [packRun(VALUE_ID_MAX as ValueId, [new Uint8Array(0)]), runOfCount(3, (VALUE_ID_MAX - 2) as ValueId)] },
      }],
    });
    // A whole epoch in one run, ending at the top id.
    expectRoundTrip({ type: 'submit', ring, from, runs: [runOfCount(L.itemsPerBatchMax, (VALUE_ID_MAX - L.itemsPerBatchMax + 1) as ValueId)] });
    expectRoundTrip({ type: 'ack', ring, from, firsts: [VALUE_ID_MAX as ValueId, 0 as ValueId] });
    expectRoundTrip({ type: 'nack', ring, from, ballot: BALLOT_MAX as Ballot, promised: 0 as Ballot });
  });

  it('ids out of range, non-integers and bad enums are refused by the encoder as assertion failures', () => {
    const bad: Message[] = [
      { type: 'phase2b', ring: 0x10000 as RingId, from, ballot, instance, votes: 0 },
      { type: 'phase2b', ring, from: -1 as NodeId, ballot, instance, votes: 0 },
      { type: 'phase2b', ring, from, ballot: (BALLOT_MAX + 1) as Ballot, instance, votes: 0 },
      { type: 'phase2b', ring, from, ballot, instance: 1.5 as Instance, votes: 0 },
      { type: 'phase2b', ring, from, ballot, instance: (2 ** 53) as Instance, votes: 0 },
      { type: 'phase2b', ring, from, ballot, instance, votes: L.layoutMax + 1 },
      phase2a({ kind: 'noop' }, 2, 3),
      phase2a({ kind: 'skip', slots: 2 ** 32 }),
      phase2a({ kind: 'skip', slots: -1 }),
      { type: 'ack', ring, from, firsts: [(VALUE_ID_MAX + 1) as ValueId] },
      { type: 'ack', ring, from, firsts: [-1 as ValueId] },
      { type: 'submit', ring, from, runs: [packRun((VALUE_ID_MAX + 1) as ValueId, [new Uint8Array(0)])] },
      { type: 'submit', ring, from, runs: [{ ...runOfCount(1), count: 1.5 }] },
      { type: 'submit', ring, from, runs: [runOfCount(0)] },
      phase2a({ kind: 'batch', runs: [runOfCount(2, (EPOCH_SEQS - 1) as ValueId)] }),
      { type: 'heartbeat', ring, from, ballot, decidedUpTo: Number.NaN as Instance },
      { type: 'phase1a', ring, from, ballot, instanceFrom: instance, instanceTo: -1 as Instance, fresh: false },
      { type: 'phase1b', ring, from, ballot, instanceFrom: instance, instanceTo: instance, accepted: [{ instance, ballot, value: { kind: 'bogus' } as unknown as Value }] },
    ];
    for (const msg of bad) expectEncodeError(msg, ErrorCode.ASSERTION);
  });

  it('encodes only the fields of a control message, never extra properties of the object', () => {
    const msg = { type: 'repair', ring, from, instanceFrom: instance, instanceTo: instance, secret: 'x' } as Message;
    const res = decode(encode(msg));
    expect(res.ok && res.msg).toEqual({ type: 'repair', ring, from, instanceFrom: instance, instanceTo: instance });
  });
});
