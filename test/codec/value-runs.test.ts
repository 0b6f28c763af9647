/**
 * Value runs on the wire: the decoder takes a run only if its ids stay within one epoch (count ≥
 * 1) and its packed bytes hold exactly `count` length-prefixed values; anything else is bad-field,
 * never a throw. The encoder refuses (throws on) runs the decoder would refuse by their ids.
 */
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decode, encode, encodedSize, type DecodeResult } from '../../src/codec/index.ts';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import { EPOCH_SEQS, SEQ_MAX, valueId, type Ballot, type Instance, type NodeId, type RingId, type ValueId } from '../../src/protocol/ids.ts';
import type { Message, Value } from '../../src/protocol/messages.ts';
import { packedValid, packRun, type ValueRun } from '../../src/protocol/runs.ts';
import { runOf, VALUE_ID_MAX } from './arbitrary.ts';
import { expectSame } from './expect-same.ts';
import { BodyBuilder, bytesEqual, CODES, rawFrame } from './frames.ts';
import { baseSeed, replayHint, Rng } from './prng.ts';

const ring = 1 as RingId;
const from = 2 as NodeId;
const ballot = 5 as Ballot;
const instance = 9 as Instance;
const node = 7 as NodeId;
const head = (): BodyBuilder => new BodyBuilder().u16(ring).u16(from);

/** A run as the wire carries it: first id, count, packed length, packed bytes. */
interface WireRun {
  readonly first: number;
  readonly count: number;
  readonly packed: readonly number[];
}
const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
/** Packed bytes of values of these lengths (bytes 0x5a). */
const packedOf = (...lengths: number[]): number[] => lengths.flatMap((n) => [...u32le(n), ...new Array<number>(n).fill(0x5a)]);
const runBody = (b: BodyBuilder, r: WireRun): BodyBuilder => b.u64(r.first).u32(r.count).u32(r.packed.length).raw(r.packed);

/** The same run in every place a run travels, as hand-built frames. */
const CARRIERS: readonly [string, (r: WireRun) => Uint8Array][] = [
  ['submit', (r) => rawFrame(CODES.submit, runBody(head().u32(1), r).build())],
  ['phase2a batch', (r) => rawFrame(CODES.phase2a, runBody(head().u64(ballot).u64(instance).u8(0).u8(1).u16(3).u8(0).u32(1), r).build())],
  ['deliver batch', (r) => rawFrame(CODES.deliver, runBody(head().u32(1).u64(instance).u64(ballot).u8(0).u32(1), r).build())],
  ['phase1b batch (msgpack)', (r) => rawFrame(CODES.phase1b, msgpackEncode({
    ring, from, ballot, instanceFrom: instance, instanceTo: instance,
    accepted: [{ instance, ballot, value: { kind: 'batch', runs: [{ first: r.first, count: r.count, packed: Uint8Array.from(r.packed) }] } }],
  }))],
];

function decodeNoThrow(frame: Uint8Array, hint: string): DecodeResult {
  try {
    return decode(frame);
  } catch (e) {
    throw new Error(`${hint}: decode threw ${String(e)}`);
  }
}

function expectRefused(frame: Uint8Array, detail: RegExp, hint: string): void {
  const res = decodeNoThrow(frame, hint);
  if (res.ok) throw new Error(`${hint}: decoded into ${res.msg.type}`);
  expect(res.error, `${hint}: ${res.detail}`).toBe('bad-field');
  expect(res.detail, hint).toMatch(detail);
}

const first = valueId(node, 100);
const GOOD: readonly [string, WireRun][] = [
  ['one empty value', { first, count: 1, packed: packedOf(0) }],
  ['three values', { first, count: 3, packed: packedOf(2, 0, 5) }],
  ['a run ending at the last seq of an epoch', { first: valueId(node, EPOCH_SEQS - 2), count: 2, packed: packedOf(1, 1) }],
  ['a run starting an epoch', { first: valueId(node, EPOCH_SEQS), count: 2, packed: packedOf(1, 1) }],
  ['a run ending at the top id', { first: VALUE_ID_MAX - 1, count: 2, packed: packedOf(0, 3) }],
  ['the largest run, ending an epoch', { first: valueId(node, EPOCH_SEQS - 4096), count: 4096, packed: packedOf(...new Array<number>(4096).fill(0)) }],
];

const BAD_PACKED: readonly [string, WireRun][] = [
  ['no bytes for one value', { first, count: 1, packed: [] }],
  ['a length prefix cut short', { first, count: 1, packed: [0, 0] }],
  ['one value for a count of two', { first, count: 2, packed: packedOf(3) }],
  ['two values for a count of one', { first, count: 1, packed: packedOf(3, 0) }],
  ['a byte after the last value', { first, count: 2, packed: [...packedOf(1, 1), 0] }],
  ['a value longer than the packed bytes', { first, count: 1, packed: [...u32le(4), 1, 2, 3] }],
  ['a length prefix of 2^32 - 1', { first, count: 1, packed: [...u32le(0xffff_ffff), 1, 2, 3] }],
  ['a second length prefix that overruns', { first, count: 2, packed: [...packedOf(0), ...u32le(0x8000_0000)] }],
];

const BAD_IDS: readonly [string, WireRun][] = [
  ['count 0, no bytes', { first, count: 0, packed: [] }],
  ['count 0 with a value', { first, count: 0, packed: packedOf(1) }],
  ['two values across an epoch boundary', { first: valueId(node, EPOCH_SEQS - 1), count: 2, packed: packedOf(0, 0) }],
  ['a run crossing the last epoch into the next proposer', { first: valueId(node, SEQ_MAX), count: 2, packed: packedOf(0, 0) }],
  ['a run past the top id', { first: VALUE_ID_MAX, count: 2, packed: packedOf(0, 0) }],
  ['the largest run, one seq too late', { first: valueId(node, EPOCH_SEQS - 4095), count: 4096, packed: packedOf(...new Array<number>(4096).fill(0)) }],
];

describe('value runs: the decoder', () => {
  for (const [carrier, frameOf] of CARRIERS) {
    for (const [name, r] of GOOD) {
      it(`${carrier}: takes ${name}, and it re-encodes to the same bytes`, () => {
        const frame = frameOf(r);
        const res = decodeNoThrow(frame, name);
        if (!res.ok) throw new Error(`${carrier}, ${name}: refused: ${res.error} ${res.detail}`);
        expect(bytesEqual(encode(res.msg), frame)).toBe(true);
      });
    }
    for (const [name, r] of BAD_PACKED) {
      it(`${carrier}: refuses ${name} as bad-field`, () => {
        expect(packedValid(Uint8Array.from(r.packed), r.count)).toBe(false);
        expectRefused(frameOf(r), /length-prefixed values/, `${carrier}, ${name}`);
      });
    }
    for (const [name, r] of BAD_IDS) {
      it(`${carrier}: refuses ${name} as bad-field`, () => {
        expectRefused(frameOf(r), /empty or crosses an epoch|runs\.\[0\]\.count/, `${carrier}, ${name}`);
      });
    }
  }

  it('takes a mutated packed region exactly when it still holds `count` values (5,000 cases, seeded)', () => {
    const seed = baseSeed(0x2a45);
    const rng = new Rng(seed);
    const INTERESTING = [0, 1, 2, 3, 4, 5, 0xff, 0x7fff_ffff, 0xffff_ffff];
    const outcomes = { taken: 0, refused: 0 };
    for (let i = 0; i < 5_000; i++) {
      const hint = `case ${i}, ${replayHint(seed)}`;
      const run = runOf(rng, { countMax: 4, bytesMax: 6 });
      const packed = run.packed.slice();
      if (packed.length >= 4 && rng.chance(0.7)) {
        new DataView(packed.buffer).setUint32(rng.below(packed.length - 3), rng.pick(INTERESTING), true);
      } else if (packed.length > 0) {
        packed[rng.below(packed.length)]! ^= 1 << rng.below(8);
      }
      const frame = rawFrame(CODES.submit, runBody(head().u32(1), { first: run.first, count: run.count, packed: Array.from(packed) }).build());
      const res = decodeNoThrow(frame, hint);
      if (packedValid(packed, run.count)) {
        if (!res.ok) throw new Error(`${hint}: refused valid packed bytes: ${res.detail}`);
        expect(bytesEqual(encode(res.msg), frame), hint).toBe(true);
        outcomes.taken++;
      } else {
        expect(res.ok ? 'ok' : res.error, hint).toBe('bad-field');
        outcomes.refused++;
      }
    }
    expect(outcomes.taken).toBeGreaterThan(200);
    expect(outcomes.refused).toBeGreaterThan(2_000);
  });
});

describe('value runs: the encoder', () => {
  const carriers = (r: ValueRun): Message[] => {
    const value: Value = { kind: 'batch', runs: [packRun(first, [new Uint8Array(1)]), r] };
    return [
      { type: 'submit', ring, from, runs: [r] },
      { type: 'phase2a', ring, from, ballot, instance, layout: [3 as NodeId], votes: 0, value },
      { type: 'deliver', ring, from, entries: [{ instance, ballot, value }] },
      { type: 'phase1b', ring, from, ballot, instanceFrom: instance, instanceTo: instance, accepted: [{ instance, ballot, value }] },
    ];
  };
  const zeros = (n: number): Uint8Array[] => Array.from({ length: n }, () => new Uint8Array(0));
  const BAD: readonly [string, ValueRun][] = [
    ['an empty run', packRun(first, [])],
    ['a run across an epoch boundary', packRun(valueId(node, EPOCH_SEQS - 1), zeros(2))],
    ['a run across the top of a proposer\'s seqs', packRun(valueId(node, SEQ_MAX), zeros(2))],
    ['a run past the top id', packRun(VALUE_ID_MAX as ValueId, zeros(2))],
  ];
  for (const [name, r] of BAD) {
    it(`refuses ${name} in every message that carries runs, as an assertion failure`, () => {
      for (const msg of carriers(r)) {
        let thrown: unknown;
        try {
          encodedSize(msg);
        } catch (e) {
          thrown = e;
        }
        expect(isRingcastError(thrown, ErrorCode.ASSERTION), `${msg.type}: ${String(thrown)}`).toBe(true);
        expect(() => encode(msg), msg.type).toThrow();
      }
    });
  }

  it('refuses a run whose packed bytes are not `count` values in a control body (msgpack shape check)', () => {
    const bad: ValueRun = { first, count: 2, packed: packRun(first, [new Uint8Array(1)]).packed };
    const msg = carriers(bad)[3]!;
    expect(() => encodedSize(msg)).toThrow(/packed/);
  });

  it('writes what packRun built, and the decoder gives back the same values', () => {
    const values = [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(70_000).fill(9)];
    const r = packRun(valueId(node, EPOCH_SEQS - 3), values);
    for (const msg of carriers(r)) {
      const res = decode(encode(msg));
      if (!res.ok) throw new Error(`${msg.type}: refused: ${res.detail}`);
      expectSame(res.msg, msg, msg.type);
    }
  });
});
