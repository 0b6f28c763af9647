import { describe, expect, it } from 'vitest';
import { CODEC_LIMITS, decode, encode, encodedSize, FRAME_HEADER_BYTES } from '../../src/codec/index.ts';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import type { Ballot, Instance, NodeId, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, ClientValue, Message, Value } from '../../src/protocol/messages.ts';
import { BALLOT_MAX, VALUE_ID_MAX } from './arbitrary.ts';
import { expectSame } from './expect-same.ts';

const ring = 1 as RingId;
const from = 2 as NodeId;
const ballot = 5 as Ballot;
const instance = 9 as Instance;
const L = CODEC_LIMITS;

const itemsOf = (n: number, bytes = 0): ClientValue[] =>
  Array.from({ length: n }, (_, i) => ({ id: i as ValueId, bytes: new Uint8Array(bytes) }));
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
  ['batch items', (x) => phase2a({ kind: 'batch', items: itemsOf(L.itemsPerBatchMax + x) })],
  ['submit values', (x) => ({ type: 'submit', ring, from, values: itemsOf(L.itemsPerBatchMax + x) })],
  ['ack ids', (x) => ({ type: 'ack', ring, from, ids: itemsOf(L.idsPerAckMax + x).map((i) => i.id) })],
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

  it('a frame of exactly frameBytesMax round-trips; one byte more is refused', () => {
    const overhead = FRAME_HEADER_BYTES + 4 + 4 + 12; // header, ring+from, count, item head
    const bytes = new Uint8Array(L.frameBytesMax - overhead).fill(7);
    const msg: Message = { type: 'submit', ring, from, values: [{ id: 1 as ValueId, bytes }] };
    expect(encodedSize(msg)).toBe(L.frameBytesMax);
    expectRoundTrip(msg);
    const over: Message = { type: 'submit', ring, from, values: [{ id: 1 as ValueId, bytes: new Uint8Array(bytes.length + 1) }] };
    expectTooLarge(over);
  });

  it('ids at the top of their ranges round-trip', () => {
    expectRoundTrip({
      type: 'deliver', ring: 0xffff as RingId, from: 0xffff as NodeId,
      entries: [{ instance: Number.MAX_SAFE_INTEGER as Instance, ballot: BALLOT_MAX as Ballot, value: { kind: 'batch', items: [{ id: VALUE_ID_MAX as ValueId, bytes: new Uint8Array(0) }] } }],
    });
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
      { type: 'ack', ring, from, ids: [(VALUE_ID_MAX + 1) as ValueId] },
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
