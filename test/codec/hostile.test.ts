/**
 * Hostile frames: counts and lengths that lie. Each must be refused with its code, before the
 * decoder allocates anything in proportion to the lie.
 */
import { Decoder, encode as msgpackEncode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CODEC_LIMITS, decode, type DecodeError } from '../../src/codec/index.ts';
import { BALLOT_MAX } from './arbitrary.ts';
import { BodyBuilder, CODES, FLAG_CHECKSUM_NONE, OFFSET_CHECKSUM, OFFSET_FLAGS, rawFrame } from './frames.ts';

const head = (): BodyBuilder => new BodyBuilder().u16(1).u16(2);
const padTo40 = (b: BodyBuilder): Uint8Array => {
  const body = b.build();
  const padded = new Uint8Array(Math.max(28, body.length));
  padded.set(body);
  return padded;
};

function expectRefused(frame: Uint8Array, error: DecodeError, detail?: RegExp): void {
  const res = decode(frame);
  if (res.ok) throw new Error(`decoded a hostile frame into ${res.msg.type}`);
  expect(res.error, res.detail).toBe(error);
  if (detail !== undefined) expect(res.detail).toMatch(detail);
}

describe('hostile counts in the fixed layout', () => {
  it('a run count of 2^31 in a 40-byte submit is too-large, refused at the count', () => {
    const frame = rawFrame(CODES.submit, padTo40(head().u32(2 ** 31)));
    expect(frame.length).toBe(40);
    expectRefused(frame, 'too-large', /submit runs count 2147483648 > 4096/);
  });

  it('a count within its limit but beyond the bytes left is bad-length, refused at the count', () => {
    expectRefused(rawFrame(CODES.submit, padTo40(head().u32(4000))), 'bad-length', /submit runs count 4000 needs 64000 bytes, 20 left/);
    expectRefused(rawFrame(CODES.ack, padTo40(head().u32(8000))), 'bad-length', /ack ids count 8000/);
    expectRefused(rawFrame(CODES.decision, padTo40(head().u32(3000))), 'bad-length', /decision entries count/);
    expectRefused(rawFrame(CODES.deliver, padTo40(head().u32(3000))), 'bad-length', /deliver entries count/);
  });

  it('every count field set to 2^32 - 1 is too-large', () => {
    const u32Max = 0xffff_ffff;
    expectRefused(rawFrame(CODES.ack, padTo40(head().u32(u32Max))), 'too-large', /ack ids count/);
    expectRefused(rawFrame(CODES.decision, padTo40(head().u32(u32Max))), 'too-large', /decision entries/);
    expectRefused(rawFrame(CODES.deliver, padTo40(head().u32(u32Max))), 'too-large', /deliver entries/);
    const batch = head().u64(5).u64(9).u8(0).u8(0).u8(0).u32(u32Max);
    expectRefused(rawFrame(CODES.phase2a, padTo40(batch)), 'too-large', /batch runs count/);
  });

  it('a run\'s packed length beyond the frame is bad-length', () => {
    expectRefused(rawFrame(CODES.submit, padTo40(head().u32(1).u64(3).u32(1).u32(0xffff_ffff))), 'bad-length');
  });

  it('a run\'s value count above itemsPerBatchMax is bad-field, refused at the count', () => {
    expectRefused(rawFrame(CODES.submit, padTo40(head().u32(1).u64(3).u32(0xffff_ffff))), 'bad-field', /run count 4294967295 > 4096/);
  });

  it('a layout longer than layoutMax, or more votes than layout entries, is bad-field', () => {
    const phase2a = (votes: number, layout: number): BodyBuilder => head().u64(5).u64(9).u8(votes).u8(layout);
    expectRefused(rawFrame(CODES.phase2a, padTo40(phase2a(0, 255))), 'bad-field', /layout count 255 > 16/);
    expectRefused(rawFrame(CODES.phase2a, phase2a(2, 1).u16(4).u8(1).build()), 'bad-field', /votes 2 > layout 1/);
  });

  it('ids outside their ranges or beyond 2^53 are bad-field', () => {
    const phase2b = (ballot: BodyBuilder): Uint8Array => ballot.u64(9).u8(0).build();
    expectRefused(rawFrame(CODES.phase2b, phase2b(head().u64(BALLOT_MAX + 1))), 'bad-field', /ballot/);
    expectRefused(rawFrame(CODES.phase2b, phase2b(head().u32(0).u32(0x20_0000))), 'bad-field', /ballot/);
    expectRefused(rawFrame(CODES.ack, head().u32(1).u64(2 ** 48).build()), 'bad-field', /value id/);
    expectRefused(rawFrame(CODES.phase2b, head().u64(1).u64(9).u8(17).build()), 'bad-field', /votes 17/);
  });

  it('an unknown value kind is bad-field; a byte after the body is bad-length', () => {
    expectRefused(rawFrame(CODES.deliver, head().u32(1).u64(1).u64(1).u8(3).build()), 'bad-field', /value kind 3/);
    expectRefused(rawFrame(CODES.deliver, head().u32(1).u64(1).u64(1).u8(1).u8(0).build()), 'bad-length', /1 bytes after/);
  });
});

describe('hostile headers', () => {
  const body = head().u64(5).u64(9).u8(0).build();

  it('a length field of 2^32 - 1, or just over frameBytesMax, is too-large', () => {
    expectRefused(rawFrame(CODES.phase2b, body, { length: 0xffff_ffff }), 'too-large');
    expectRefused(rawFrame(CODES.phase2b, body, { length: CODEC_LIMITS.frameBytesMax + 1 }), 'too-large');
  });

  it('a length beyond the bytes given is truncated; below the header or the body, bad-length', () => {
    expectRefused(rawFrame(CODES.phase2b, body, { length: 1 << 20 }), 'truncated');
    expectRefused(rawFrame(CODES.phase2b, body, { length: 11 }), 'bad-length', /frame length 11/);
    expectRefused(rawFrame(CODES.phase2b, body, { length: 20 }), 'bad-length', /body ends/);
  });

  it('magic, version, type and flag bits are checked', () => {
    const frame = (): Uint8Array => rawFrame(CODES.phase2b, body);
    const at = (i: number, v: number): Uint8Array => {
      const f = frame();
      f[i] = v;
      return f;
    };
    expectRefused(at(0, 0x53), 'bad-magic');
    for (const version of [0, 1, 3]) expectRefused(at(1, version), 'bad-version');
    for (const code of [0, 12, 255]) expectRefused(at(2, code), 'bad-type');
    expectRefused(at(OFFSET_FLAGS, 0x02), 'bad-flags');
  });

  it('an unchecked frame must carry a zero checksum, so that a flipped flag bit is caught', () => {
    const f = rawFrame(CODES.phase2b, body);
    f[OFFSET_FLAGS] = FLAG_CHECKSUM_NONE;
    expectRefused(f, 'bad-checksum');
    const unchecked = rawFrame(CODES.phase2b, body, { checksum: false });
    expect(decode(unchecked).ok).toBe(true);
    unchecked[OFFSET_CHECKSUM] = 1;
    expectRefused(unchecked, 'bad-checksum');
  });
});

describe('hostile msgpack control bodies', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const pack = (o: unknown): Uint8Array => msgpackEncode(o);
  const concat = (...parts: ArrayLike<number>[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
  /** A phase1b body whose `accepted` is the raw msgpack `accepted`. */
  const phase1bWith = (accepted: ArrayLike<number>): Uint8Array => {
    const fields = pack({ ring: 1, from: 2, ballot: 3, instanceFrom: 4, instanceTo: 5 }).subarray(1);
    return concat([0x86], fields, pack('accepted'), accepted);
  };

  it('refuses lying containers before msgpack decodes (and so allocates) anything', () => {
    const msgpackDecode = vi.spyOn(Decoder.prototype, 'decode');
    const bomb = new Uint8Array(300_000);
    for (let i = 0; i < bomb.length; i += 3) bomb.set([0xdc, 0x10, 0x00], i); // array16 of 4096, nested
    expectRefused(rawFrame(CODES.phase1a, bomb), 'bad-field', /nests deeper than 8/);
    expectRefused(rawFrame(CODES.phase1b, phase1bWith([0xdd, 0x80, 0, 0, 0])), 'too-large', /array of 2147483648/);
    expectRefused(rawFrame(CODES.phase1b, phase1bWith([0xdc, 0x0f, 0xa0, 0x90])), 'bad-field', /claims 4000 elements/);
    expectRefused(rawFrame(CODES.phase1a, concat([0xdf, 0x7f, 0xff, 0xff, 0xff], new Uint8Array(20))), 'bad-field');
    expectRefused(rawFrame(CODES.phase1a, concat([0xc6, 0x80, 0, 0, 0], new Uint8Array(20))), 'bad-field', /overruns/);
    expectRefused(rawFrame(CODES.phase1a, concat([0xdb, 0x80, 0, 0, 0], new Uint8Array(20))), 'bad-field', /overruns/);
    expectRefused(rawFrame(CODES.phase1a, concat([0xd4, 0xff, 0x00])), 'bad-field', /0xd4/);
    expectRefused(rawFrame(CODES.phase1a, concat([0xc1])), 'bad-field', /0xc1/);
    expectRefused(rawFrame(CODES.phase1a, concat([0xc0, 0xc0])), 'bad-field', /after the msgpack object/);
    expectRefused(rawFrame(CODES.heartbeat, new Uint8Array(0)), 'bad-field', /ends inside/);
    expect(msgpackDecode).not.toHaveBeenCalled();
  });

  const good = { ring: 1, from: 2, ballot: 3, instanceFrom: 4, instanceTo: 5, fresh: true };
  const SHAPES: readonly [string, unknown][] = [
    ['an extra key', { ...good, extra: 1 }],
    ['a missing key', { ring: 1, from: 2, ballot: 3, instanceFrom: 4, instanceTo: 5 }],
    ['a string for a number', { ...good, ballot: '3' }],
    ['a negative instance', { ...good, instanceFrom: -4 }],
    ['a fractional instance', { ...good, instanceTo: 5.5 }],
    ['an unsafe integer', { ...good, instanceTo: 2 ** 60 }],
    ['a ring above u16', { ...good, ring: 0x10000 }],
    ['a number for a boolean', { ...good, fresh: 1 }],
    ['an array for the body', [1, 2, 3, 4, 5, true]],
    ['nil for the body', null],
    ['a big-int key', new Map<unknown, unknown>([[2 ** 40, 1]])],
  ];
  for (const [name, body] of SHAPES) {
    it(`a phase1a body with ${name} is bad-field`, () => {
      expectRefused(rawFrame(CODES.phase1a, pack(body)), 'bad-field');
    });
  }

  it('refuses wrong shapes deep inside phase1b, naming the field', () => {
    const entry = (value: unknown): Uint8Array => phase1bWith(pack([{ instance: 1, ballot: 1, value }]));
    expectRefused(rawFrame(CODES.phase1b, entry({ kind: 'bogus' })), 'bad-field', /accepted.\[0\].value.kind/);
    expectRefused(rawFrame(CODES.phase1b, entry({ kind: 'skip', slots: 2 ** 32 })), 'bad-field', /value.slots/);
    const packedBad = { kind: 'batch', runs: [{ first: 1, count: 1, packed: 'not bytes' }] };
    expectRefused(rawFrame(CODES.phase1b, entry(packedBad)), 'bad-field', /runs.\[0\].packed/);
    const firstBad = { kind: 'batch', runs: [{ first: 2 ** 48, count: 1, packed: new Uint8Array(4) }] };
    expectRefused(rawFrame(CODES.phase1b, entry(firstBad)), 'bad-field', /runs.\[0\].first/);
    const countBad = { kind: 'batch', runs: [{ first: 1, count: 4097, packed: new Uint8Array(4097 * 4) }] };
    expectRefused(rawFrame(CODES.phase1b, entry(countBad)), 'bad-field', /runs.\[0\].count/);
    const oldShape = { kind: 'batch', items: [{ id: 1, bytes: new Uint8Array(0) }] };
    expectRefused(rawFrame(CODES.phase1b, entry(oldShape)), 'bad-field', /value/);
    const tooMany = { kind: 'batch', runs: Array.from({ length: 4097 }, () => ({ first: 1, count: 1, packed: new Uint8Array(4) })) };
    expectRefused(rawFrame(CODES.phase1b, entry(tooMany)), 'too-large');
  });

  it('refuses a __proto__ key without touching any prototype', () => {
    const body = concat([0x81], pack('__proto__'), pack({ polluted: true }));
    expectRefused(rawFrame(CODES.repair, body), 'bad-field');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
