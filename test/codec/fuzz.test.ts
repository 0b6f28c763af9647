/**
 * Fuzzing the decoder with random and mutated frames. The property: decode never throws, and
 * either refuses with a code or returns a message that re-encodes to a frame decoding to the same
 * message (for the fixed layout: to the very same bytes). Every case comes from one seeded Rng,
 * so a failure names its seed and case number and replays exactly.
 */
import { describe, expect, it } from 'vitest';
import {
  CODEC_LIMITS,
  decode,
  decodeFrames,
  encode,
  FRAME_HEADER_BYTES,
  type DecodeResult,
} from '../../src/codec/index.ts';
import { MESSAGE_TYPES, type Message } from '../../src/protocol/messages.ts';
import { messageOf } from './arbitrary.ts';
import { expectSame } from './expect-same.ts';
import {
  bytesEqual,
  CODES,
  FLAG_CHECKSUM_NONE,
  isControlFrame,
  OFFSET_FLAGS,
  OFFSET_LENGTH,
  resealChecksum,
} from './frames.ts';
import { baseSeed, replayHint, Rng } from './prng.ts';

const INTERESTING_U32 = [0, 1, 2, 0x7f, 0xff, 0x100, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
/** msgpack heads that lie about sizes, or that control bodies never use. */
const MSGPACK_POISON: readonly number[][] = [
  [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0x7f, 0xff, 0xff, 0xff], [0xc6, 0xff, 0xff, 0xff, 0x00],
  [0xdc, 0x10, 0x00, 0xdc, 0x10, 0x00, 0xdc, 0x10, 0x00], [0xc7, 0x01, 0x05, 0x00], [0xc1], [0xcb, 0x7f, 0xf8],
  [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xa3, 0x66, 0x6f, 0x6f], [0x80], [0x90], [0xc0],
];

function buildCorpus(rng: Rng, n: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const msg = messageOf(rng, MESSAGE_TYPES[i % MESSAGE_TYPES.length]!, { countMax: 3, bytesMax: 16 });
    frames.push(encode(msg, { checksum: rng.chance(0.5) }));
  }
  return frames;
}

const setLength = (f: Uint8Array, n: number): void => new DataView(f.buffer, f.byteOffset).setUint32(OFFSET_LENGTH, n, true);
const concat = (a: Uint8Array, b: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

type Mutator = (rng: Rng, frame: Uint8Array, corpus: readonly Uint8Array[]) => Uint8Array;

/** Flips `flips` distinct bits of f[from..]: a bit flipped twice would be no corruption at all. */
function flipBits(rng: Rng, f: Uint8Array, from: number, flips: number): void {
  const bitsCount = (f.length - from) * 8;
  const bits = new Set<number>();
  while (bits.size < Math.min(flips, bitsCount)) bits.add(rng.below(bitsCount));
  for (const bit of bits) f[from + (bit >>> 3)]! ^= 1 << (bit & 7);
}

const MUTATORS: readonly [string, Mutator][] = [
  ['bit flips', (rng, f) => (flipBits(rng, f, 0, 1 + rng.below(8)), f)],
  ['body bit flips, resealed', (rng, f) => (flipBits(rng, f, FRAME_HEADER_BYTES, 1 + rng.below(4)), resealChecksum(f), f)],
  ['interesting u32 in the body, resealed', (rng, f) => {
    if (f.length < FRAME_HEADER_BYTES + 4) return f;
    const at = FRAME_HEADER_BYTES + rng.below(f.length - FRAME_HEADER_BYTES - 3);
    new DataView(f.buffer, f.byteOffset).setUint32(at, rng.pick(INTERESTING_U32), true);
    return resealChecksum(f), f;
  }],
  ['truncation', (rng, f) => f.subarray(0, rng.below(f.length))],
  ['extension', (rng, f) => {
    const out = concat(f, rng.bytes(1 + rng.below(32)));
    if (rng.chance(0.5)) setLength(out, out.length);
    return resealChecksum(out), out;
  }],
  ['random bytes', (rng) => rng.bytes(rng.below(256))],
  ['valid header, random body', (rng) => {
    const body = rng.bytes(rng.below(160));
    const f = concat(Uint8Array.of(0x52, 1, 1 + rng.below(11), FLAG_CHECKSUM_NONE, 0, 0, 0, 0, 0, 0, 0, 0), body);
    return setLength(f, f.length), f;
  }],
  ['length field set to a huge or wrong value', (rng, f) => {
    const n = rng.pick([0xffff_ffff, CODEC_LIMITS.frameBytesMax, CODEC_LIMITS.frameBytesMax + 1, f.length + 1, f.length - 1, 0, 11, 12, rng.u32()]);
    setLength(f, n);
    if (rng.chance(0.5)) resealChecksum(f);
    return f;
  }],
  ['splice of two frames, resealed', (rng, f, corpus) => {
    const g = rng.pick(corpus);
    const out = concat(f.subarray(0, rng.below(f.length + 1)), g.subarray(rng.below(g.length + 1)));
    if (out.length >= FRAME_HEADER_BYTES) setLength(out, out.length);
    return resealChecksum(out), out;
  }],
  ['msgpack poison in a control body, resealed', (rng, _f, corpus) => {
    let f = rng.pick(corpus);
    while (!isControlFrame(f)) f = rng.pick(corpus);
    const at = FRAME_HEADER_BYTES + rng.below(f.length - FRAME_HEADER_BYTES);
    const out = concat(concat(f.subarray(0, at), rng.pick(MSGPACK_POISON)), f.subarray(at + rng.below(3)));
    setLength(out, out.length);
    return resealChecksum(out), out;
  }],
];

/** Checks the fuzz property of one decode result; returns the outcome's name for the tally. */
function checkOutcome(input: Uint8Array, res: DecodeResult, hint: string): string {
  if (!res.ok) return res.error;
  expect(res.size, hint).toBeLessThanOrEqual(input.length);
  const checksum = ((input[OFFSET_FLAGS] ?? 0) & FLAG_CHECKSUM_NONE) === 0;
  const again = encode(res.msg, { checksum });
  const redecoded = decode(again);
  if (!redecoded.ok) throw new Error(`${hint}: re-encoded ${res.msg.type} refused: ${redecoded.error}`);
  expectSame(redecoded.msg, res.msg, hint);
  if (!isControlFrame(input)) {
    // The fixed layout has one encoding per message: the decoder accepted exactly that.
    expect(bytesEqual(again, input.subarray(0, res.size)), `${hint}: not canonical`).toBe(true);
  }
  return 'ok';
}

function tallyOf(counts: Map<string, number>): string {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

describe('decoder fuzzing', () => {
  it('120,000 random and mutated frames (CODEC_FUZZ_CASES): never a throw, every success re-encodes', () => {
    const seed = baseSeed(0xf022);
    const rng = new Rng(seed);
    const corpus = buildCorpus(rng, 2000);
    const outcomes = new Map<string, number>();
    const byMutator = new Map<string, number>();
    const cases = Number(process.env['CODEC_FUZZ_CASES'] ?? 120_000);
    for (let i = 0; i < cases; i++) {
      const [name, mutate] = MUTATORS[i % MUTATORS.length]!;
      const input = mutate(rng, rng.pick(corpus).slice(), corpus);
      const hint = `${name}, case ${i}, ${replayHint(seed)}`;
      let res: DecodeResult;
      try {
        res = decode(input);
      } catch (e) {
        throw new Error(`decode threw: ${hint}: ${String(e)}`);
      }
      const outcome = checkOutcome(input, res, hint);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (outcome === 'ok') byMutator.set(name, (byMutator.get(name) ?? 0) + 1);
    }
    console.log(`fuzz seed ${seed}: ${cases} frames: ${tallyOf(outcomes)}`);
    console.log(`  decoded ok, by mutator: ${tallyOf(byMutator)}`);
    // The fuzzer reaches every refusal, and mutated bodies that still parse reach the re-encode check.
    for (const outcome of ['ok', 'truncated', 'bad-magic', 'bad-version', 'bad-type', 'bad-flags', 'bad-length', 'bad-checksum', 'bad-field', 'too-large']) {
      expect(outcomes.get(outcome) ?? 0, `${outcome} never seen; ${tallyOf(outcomes)}`).toBeGreaterThan(0);
    }
    expect(byMutator.get('body bit flips, resealed') ?? 0).toBeGreaterThan(100);
  });

  it('30,000 checksummed frames with 1 to 3 flipped bits or a changed byte are all refused', () => {
    const seed = baseSeed(0xcc32);
    const rng = new Rng(seed);
    const corpus = buildCorpus(rng, 2000).filter((f) => ((f[OFFSET_FLAGS] ?? 0) & FLAG_CHECKSUM_NONE) === 0);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const f = rng.pick(corpus).slice();
      if (rng.chance(0.5)) flipBits(rng, f, 0, 1 + rng.below(3));
      else f[rng.below(f.length)]! ^= 1 + rng.below(255);
      const res = decode(f);
      if (res.ok) throw new Error(`a corrupted ${res.msg.type} frame decoded: case ${i}, ${replayHint(seed)}`);
      outcomes.set(res.error, (outcomes.get(res.error) ?? 0) + 1);
    }
    console.log(`corruption seed ${seed}: 30000 frames refused: ${tallyOf(outcomes)}`);
    expect(outcomes.get('bad-checksum') ?? 0).toBeGreaterThan(20_000);
  });

  it('10,000 packed datagrams with one corrupted byte: decodeFrames keeps the good prefix', () => {
    const seed = baseSeed(0xd6a);
    const rng = new Rng(seed);
    // Checksummed frames only: a corrupted byte in an unchecked frame may legitimately decode.
    const corpus = buildCorpus(rng, 1000).filter((f) => ((f[OFFSET_FLAGS] ?? 0) & FLAG_CHECKSUM_NONE) === 0);
    let frames = 0;
    for (let i = 0; i < 10_000; i++) {
      const parts = Array.from({ length: 1 + rng.below(6) }, () => rng.pick(corpus));
      const packed = parts.reduce((a, b) => concat(a, b), new Uint8Array(0));
      if (rng.chance(0.8)) packed[rng.below(packed.length)]! ^= 1 + rng.below(255);
      const res = decodeFrames(packed);
      const hint = `case ${i}, ${replayHint(seed)}`;
      let at = 0;
      res.msgs.forEach((msg: Message, k) => {
        expect(bytesEqual(packed.subarray(at, at + parts[k]!.length), parts[k]!), hint).toBe(true);
        expect(CODES[msg.type], hint).toBe(parts[k]![2]);
        at += parts[k]!.length;
      });
      expect(res.size, hint).toBe(at);
      expect(res.failure === null, hint).toBe(at === packed.length);
      frames += res.msgs.length;
    }
    expect(frames).toBeGreaterThan(10_000);
  });
});
