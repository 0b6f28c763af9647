/**
 * The wire format pinned down: frames built by hand from the layout the codec documents
 * (frame-header.ts, fixed-layout.ts) must equal what the encoder writes, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { crc32c, encode } from '../../src/codec/index.ts';
import type { Ballot, Instance, NodeId, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { Message } from '../../src/protocol/messages.ts';
import { packRun } from '../../src/protocol/runs.ts';
import { BodyBuilder, bytesEqual, CODES, rawFrame } from './frames.ts';

const ring = 0x0102 as RingId;
const from = 0x0304 as NodeId;
const ballot = (5 * 65536 + 7) as Ballot;
const instance = (2 ** 33 + 1) as Instance;
const id = (9 * 2 ** 32 + 17) as ValueId;
const head = (): BodyBuilder => new BodyBuilder().u16(ring).u16(from);
/** A run of two values, [0xaa 0xbb] and [], from `id`: first, count, packed length, packed. */
const run = packRun(id, [Uint8Array.of(0xaa, 0xbb), new Uint8Array(0)]);
const runBytes = (b: BodyBuilder): BodyBuilder => b.u64(id).u32(2).u32(10).u32(2).raw([0xaa, 0xbb]).u32(0);

const CASES: readonly [Message, BodyBuilder][] = [
  [{ type: 'phase2b', ring, from, ballot, instance, votes: 2 }, head().u64(ballot).u64(instance).u8(2)],
  [
    { type: 'phase2a', ring, from, ballot, instance, layout: [1, 2] as NodeId[], votes: 1, value: { kind: 'batch', runs: [run] } },
    runBytes(head().u64(ballot).u64(instance).u8(1).u8(2).u16(1).u16(2).u8(0).u32(1)),
  ],
  [{ type: 'submit', ring, from, runs: [run] }, runBytes(head().u32(1))],
  [
    { type: 'submit', ring, from, runs: [packRun(0 as ValueId, [new Uint8Array(0)]), run] },
    runBytes(head().u32(2).u64(0).u32(1).u32(4).u32(0)),
  ],
  [{ type: 'ack', ring, from, firsts: [id, 0 as ValueId] }, head().u32(2).u64(id).u64(0)],
  [{ type: 'decision', ring, from, entries: [{ instance, ballot }] }, head().u32(1).u64(instance).u64(ballot)],
  [
    { type: 'deliver', ring, from, entries: [{ instance, ballot, value: { kind: 'skip', slots: 300 } }, { instance, ballot, value: { kind: 'noop' } }] },
    head().u32(2).u64(instance).u64(ballot).u8(2).u32(300).u64(instance).u64(ballot).u8(1),
  ],
];

describe('wire format', () => {
  for (const [msg, body] of CASES) {
    it(`${msg.type} is laid out as documented, checked and unchecked`, () => {
      const built = body.build();
      expect(bytesEqual(encode(msg), rawFrame(CODES[msg.type], built))).toBe(true);
      expect(bytesEqual(encode(msg, { checksum: false }), rawFrame(CODES[msg.type], built, { checksum: false }))).toBe(true);
    });
  }

  it('a submit with one run, byte by byte', () => {
    const frame = encode({ type: 'submit', ring, from, runs: [run] }, { checksum: false });
    expect(Array.from(frame)).toEqual([
      0x52, 0x02, 1, 0x01, 46, 0, 0, 0, 0, 0, 0, 0, // header: magic, version, submit, unchecked, length 46, no checksum
      0x02, 0x01, 0x04, 0x03, // ring, from
      1, 0, 0, 0, // one run
      17, 0, 0, 0, 9, 0, 0, 0, // first id 9:17
      2, 0, 0, 0, // two values
      10, 0, 0, 0, // packed length
      2, 0, 0, 0, 0xaa, 0xbb, // value 9:17
      0, 0, 0, 0, // value 9:18, empty
    ]);
  });

  it('the header of a phase2b, byte by byte', () => {
    const frame = encode(CASES[0]![0]);
    expect(Array.from(frame.subarray(0, 8))).toEqual([0x52, 0x02, 7, 0x00, 33, 0, 0, 0]);
    const crc = crc32c(frame, 12, 33, crc32c(frame, 0, 8));
    expect(new DataView(frame.buffer).getUint32(8, true)).toBe(crc);
    const unchecked = encode(CASES[0]![0], { checksum: false });
    expect(Array.from(unchecked.subarray(0, 12))).toEqual([0x52, 0x02, 7, 0x01, 33, 0, 0, 0, 0, 0, 0, 0]);
  });
});
