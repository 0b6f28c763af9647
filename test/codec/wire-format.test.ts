/**
 * The wire format pinned down: frames built by hand from the layout the codec documents
 * (frame-header.ts, fixed-layout.ts) must equal what the encoder writes, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { crc32c, encode } from '../../src/codec/index.ts';
import type { Ballot, Instance, NodeId, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { Message } from '../../src/protocol/messages.ts';
import { BodyBuilder, bytesEqual, CODES, rawFrame } from './frames.ts';

const ring = 0x0102 as RingId;
const from = 0x0304 as NodeId;
const ballot = (5 * 65536 + 7) as Ballot;
const instance = (2 ** 33 + 1) as Instance;
const id = (9 * 2 ** 32 + 17) as ValueId;
const head = (): BodyBuilder => new BodyBuilder().u16(ring).u16(from);

const CASES: readonly [Message, BodyBuilder][] = [
  [{ type: 'phase2b', ring, from, ballot, instance, votes: 2 }, head().u64(ballot).u64(instance).u8(2)],
  [
    { type: 'phase2a', ring, from, ballot, instance, layout: [1, 2] as NodeId[], votes: 1, value: { kind: 'batch', items: [{ id, bytes: Uint8Array.of(0xaa, 0xbb) }] } },
    head().u64(ballot).u64(instance).u8(1).u8(2).u16(1).u16(2).u8(0).u32(1).u64(id).u32(2).raw([0xaa, 0xbb]),
  ],
  [{ type: 'submit', ring, from, values: [{ id, bytes: new Uint8Array(0) }] }, head().u32(1).u64(id).u32(0)],
  [{ type: 'ack', ring, from, ids: [id, 0 as ValueId] }, head().u32(2).u64(id).u64(0)],
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

  it('the header of a phase2b, byte by byte', () => {
    const frame = encode(CASES[0]![0]);
    expect(Array.from(frame.subarray(0, 8))).toEqual([0x52, 0x01, 7, 0x00, 33, 0, 0, 0]);
    const crc = crc32c(frame, 12, 33, crc32c(frame, 0, 8));
    expect(new DataView(frame.buffer).getUint32(8, true)).toBe(crc);
    const unchecked = encode(CASES[0]![0], { checksum: false });
    expect(Array.from(unchecked.subarray(0, 12))).toEqual([0x52, 0x01, 7, 0x01, 33, 0, 0, 0, 0, 0, 0, 0]);
  });
});
