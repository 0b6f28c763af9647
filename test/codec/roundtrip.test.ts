import { describe, expect, it } from 'vitest';
import { decode, decodeFrames, encode, encodedSize, encodeInto } from '../../src/codec/index.ts';
import { EPOCH_SEQS, valueId, type Instance, type NodeId, type RingId, type ValueId, type Ballot } from '../../src/protocol/ids.ts';
import { MESSAGE_TYPES, type Message, type Value } from '../../src/protocol/messages.ts';
import { packRun, runsValues } from '../../src/protocol/runs.ts';
import { BALLOT_MAX, messageOf, VALUE_ID_MAX } from './arbitrary.ts';
import { expectSame } from './expect-same.ts';
import { bytesEqual } from './frames.ts';
import { baseSeed, replayHint, Rng } from './prng.ts';

const ring = 3 as RingId;
const from = 7 as NodeId;
const ballot = 0x1_0007 as Ballot;
const bytesOf = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

const VALUES: readonly [string, Value][] = [
  ['empty batch', { kind: 'batch', runs: [] }],
  ['batch of one zero-length value', { kind: 'batch', runs: [packRun(1 as ValueId, [bytesOf()])] }],
  [
    'batch of three runs',
    {
      kind: 'batch',
      runs: [
        packRun(0 as ValueId, [bytesOf(1, 2, 3)]),
        packRun(VALUE_ID_MAX as ValueId, [new Uint8Array(1024).fill(0xab)]),
        packRun((2 ** 32 + 5) as ValueId, [bytesOf(0), bytesOf(), new Uint8Array(300).fill(0xcd)]),
      ],
    },
  ],
  [
    'runs ending and starting at an epoch boundary',
    {
      kind: 'batch',
      runs: [
        packRun(valueId(9 as NodeId, EPOCH_SEQS - 2), [bytesOf(1), bytesOf(2)]),
        packRun(valueId(9 as NodeId, EPOCH_SEQS), [bytesOf(3)]),
      ],
    },
  ],
  ['noop', { kind: 'noop' }],
  ['skip of 0', { kind: 'skip', slots: 0 }],
  ['skip of u32 max', { kind: 'skip', slots: 0xffff_ffff }],
];

/** One message of every type carrying `value` wherever the type has a value. */
function everyTypeWith(value: Value): Message[] {
  const instance = (2 ** 40 + 9) as Instance;
  const accepted = [
    { instance, ballot, value },
    { instance: 0 as Instance, ballot: BALLOT_MAX as Ballot, value },
  ];
  const runs = value.kind === 'batch' ? value.runs : [];
  return [
    { type: 'submit', ring, from, runs },
    { type: 'ack', ring, from, firsts: runs.map((r) => r.first) },
    { type: 'phase1a', ring, from, ballot, instanceFrom: instance, instanceTo: (instance + 64) as Instance, fresh: true },
    { type: 'phase1b', ring, from, ballot, instanceFrom: instance, instanceTo: instance, accepted },
    { type: 'nack', ring, from, ballot, promised: BALLOT_MAX as Ballot },
    { type: 'phase2a', ring, from, ballot, instance, layout: [1, 2, 3] as NodeId[], votes: 2, value },
    { type: 'phase2b', ring, from, ballot, instance, votes: 16 },
    { type: 'decision', ring, from, entries: accepted.map(({ instance: i, ballot: b }) => ({ instance: i, ballot: b })) },
    { type: 'deliver', ring, from, entries: accepted },
    { type: 'repair', ring, from, instanceFrom: 0 as Instance, instanceTo: Number.MAX_SAFE_INTEGER as Instance },
    { type: 'heartbeat', ring, from, ballot, decidedUpTo: instance },
  ];
}

function expectRoundTrip(msg: Message, hint: string): void {
  for (const checksum of [true, false]) {
    const frame = encode(msg, { checksum });
    expect(frame.length, hint).toBe(encodedSize(msg));
    const res = decode(frame);
    if (!res.ok) throw new Error(`${hint}: ${msg.type} refused: ${res.error} ${res.detail}`);
    expect(res.size, hint).toBe(frame.length);
    expectSame(res.msg, msg, hint);
    // One encoding per message: what the decoder accepted re-encodes to the same bytes.
    expect(bytesEqual(encode(res.msg, { checksum }), frame), hint).toBe(true);
  }
}

describe('codec round trip', () => {
  for (const [name, value] of VALUES) {
    it(`every message type with ${name}`, () => {
      const msgs = everyTypeWith(value);
      expect(new Set(msgs.map((m) => m.type))).toEqual(new Set(MESSAGE_TYPES));
      for (const msg of msgs) expectRoundTrip(msg, `${msg.type} with ${name}`);
    });
  }

  it('20,000 random messages of every type (seeded)', () => {
    const seed = baseSeed(0xc0dec);
    for (let i = 0; i < 20_000; i++) {
      const caseSeed = (seed + i) >>> 0;
      const rng = new Rng(caseSeed);
      const msg = messageOf(rng, rng.pick(MESSAGE_TYPES), { countMax: 6, bytesMax: 300 });
      expectRoundTrip(msg, replayHint(caseSeed));
    }
  });

  it('decodes value bytes as views into the input, not copies', () => {
    const frame = encode(everyTypeWith(VALUES[2]![1])[5]!);
    const res = decode(frame);
    if (!res.ok || res.msg.type !== 'phase2a' || res.msg.value.kind !== 'batch') throw new Error('not a batch phase2a');
    const run = res.msg.value.runs[1]!;
    expect(run.packed.buffer).toBe(frame.buffer);
    const bytes = runsValues([run])[0]!.bytes;
    expect(bytes.buffer).toBe(frame.buffer);
    expect(bytes[0]).toBe(0xab);
    frame[bytes.byteOffset] = 0x00;
    expect(bytes[0]).toBe(0x00);
  });

  it('encodes into and decodes from the middle of a shared buffer', () => {
    const msg = everyTypeWith(VALUES[2]![1])[5]!;
    const size = encodedSize(msg);
    const shared = new Uint8Array(new SharedArrayBuffer(size + 100), 8, size + 50);
    expect(encodeInto(msg, shared, 17)).toBe(size);
    const res = decode(shared, 17, size + 3);
    expect(res.ok && res.size).toBe(size);
    expect(res.ok && res.msg).toEqual(msg);
  });

  it('refuses to encode past the end of the buffer (a programmer error)', () => {
    const msg = everyTypeWith(VALUES[0]![1])[6]!;
    const buf = new Uint8Array(encodedSize(msg) + 3);
    expect(() => encodeInto(msg, buf, 4)).toThrow(/does not fit/);
    expect(() => encodeInto(msg, buf, -1)).toThrow(/does not fit/);
    expect(encodeInto(msg, buf, 3)).toBe(buf.length - 3);
  });

  it('decodes frames packed back to back, stopping at the first bad one', () => {
    const rng = new Rng(baseSeed(77));
    const msgs = Array.from({ length: 40 }, () => messageOf(rng, rng.pick(MESSAGE_TYPES)));
    const frames = msgs.map((m, i) => encode(m, { checksum: i % 2 === 0 }));
    const packed = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    const starts: number[] = [];
    frames.reduce((at, f) => (starts.push(at), packed.set(f, at), at + f.length), 0);

    const all = decodeFrames(packed);
    expect(all.failure).toBeNull();
    expect(all.size).toBe(packed.length);
    expect(all.msgs).toEqual(msgs);

    packed[starts[30]!] = 0x00; // magic of frame 30
    const cut = decodeFrames(packed);
    expect(cut.msgs).toEqual(msgs.slice(0, 30));
    expect(cut.size).toBe(starts[30]);
    expect(cut.failure?.error).toBe('bad-magic');
  });

  it('reports an empty buffer as no frames, and a window outside the buffer as bad-length', () => {
    expect(decodeFrames(new Uint8Array(0))).toEqual({ msgs: [], size: 0, failure: null });
    expect(decode(new Uint8Array(0))).toMatchObject({ ok: false, error: 'truncated' });
    expect(decode(new Uint8Array(20), 10, 11)).toMatchObject({ ok: false, error: 'bad-length' });
    expect(decode(new Uint8Array(20), 1.5)).toMatchObject({ ok: false, error: 'bad-length' });
  });
});
