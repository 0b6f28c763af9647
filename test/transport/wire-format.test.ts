import { describe, expect, it } from 'vitest';
import {
  DATAGRAM_MAGIC,
  DatagramFlag,
  HEADER_BYTES,
  fragmentBytesExpected,
  fragmentChunkBytes,
  fragmentChunkBytesMaxOf,
  fragmentCountOf,
  readHeader,
  type DatagramDropReason,
} from '../../runtime/transport/datagram-format.ts';
import { packedDatagram, resign } from './wire.ts';

const FRAME = Uint8Array.from([1, 2, 3, 4, 5]);

describe('datagram header', () => {
  it('reads back what was sealed', () => {
    const bytes = packedDatagram([FRAME, FRAME], { senderId: 513, sequence: 0xfffffffe, multicast: true });
    expect(readHeader(bytes)).toEqual({
      flags: DatagramFlag.PACKED | DatagramFlag.MULTICAST,
      senderId: 513,
      frameCount: 2,
      sequence: 0xfffffffe,
      bodyBytes: 17, // [2 padding, 2 length, 5 frame, 1 padding, 2 length, 5 frame]
    });
    expect(bytes[0]! | (bytes[1]! << 8)).toBe(DATAGRAM_MAGIC);
  });

  const corruptions: readonly [string, (b: Uint8Array) => Uint8Array, DatagramDropReason][] = [
    ['empty', () => new Uint8Array(0), 'tooShort'],
    ['shorter than a header', (b) => b.subarray(0, HEADER_BYTES - 1), 'tooShort'],
    ['magic', (b) => ((b[0] = 0), b), 'badMagic'],
    ['version 1 (CRC-32C)', (b) => ((b[2] = 1), resign(b)), 'badVersion'],
    ['version 3', (b) => ((b[2] = 3), resign(b)), 'badVersion'],
    ['both PACKED and FRAGMENT', (b) => ((b[3] = DatagramFlag.PACKED | DatagramFlag.FRAGMENT), resign(b)), 'badFlags'],
    ['neither PACKED nor FRAGMENT', (b) => ((b[3] = DatagramFlag.MULTICAST), resign(b)), 'badFlags'],
    ['an unknown flag', (b) => ((b[3] = DatagramFlag.PACKED | 0x80), resign(b)), 'badFlags'],
    ['reserved bytes set', (b) => ((b[14] = 1), resign(b)), 'badFlags'],
    ['truncated by one byte', (b) => b.subarray(0, b.length - 1), 'badLength'],
    ['one byte appended', (b) => Uint8Array.from([...b, 0]), 'badLength'],
    ['a body bit flipped', (b) => ((b[HEADER_BYTES + 3]! ^= 0x10), b), 'badChecksum'],
    ['the sender id changed', (b) => ((b[4]! ^= 1), b), 'badChecksum'],
    ['the checksum changed', (b) => ((b[16]! ^= 0x80), b), 'badChecksum'],
  ];
  for (const [what, corrupt, reason] of corruptions) {
    it(`drops a datagram with ${what} as ${reason}`, () => {
      expect(readHeader(corrupt(packedDatagram([FRAME, FRAME])))).toBe(reason);
    });
  }
});

describe('fragment geometry', () => {
  it('cuts every frame size into fragments that cover it exactly, each within the chunk limit and cut at a multiple of 8', () => {
    const wrong: string[] = [];
    for (const datagramBytesMax of [128, 129, 135, 1472, 1475, 65_000, 65_507]) {
      const chunkMax = fragmentChunkBytesMaxOf(datagramBytesMax);
      if (chunkMax % 8 !== 0 || chunkMax > datagramBytesMax - 32) wrong.push(`chunk max ${chunkMax} of ${datagramBytesMax}`);
      const totals = [chunkMax + 1, chunkMax * 2, chunkMax * 2 + 1, chunkMax * 9 + 5, chunkMax * 1000 - 1, chunkMax * 65_535];
      for (let total = chunkMax + 1; total < chunkMax * 3 + 20; total += datagramBytesMax > 2000 ? 97 : 1) totals.push(total);
      for (const total of totals) {
        const count = fragmentCountOf(total, chunkMax);
        const chunk = fragmentChunkBytes(total, count);
        const lengths = Array.from({ length: count }, (_, i) => fragmentBytesExpected(total, i, count));
        const covers = lengths.reduce((a, b) => a + b, 0) === total;
        const bounded = lengths.every((n, i) => n > 0 && n <= chunkMax && (i === count - 1 || n === chunk));
        if (!covers || !bounded || chunk % 8 !== 0 || count > 0xffff) wrong.push(`${total} in chunks of at most ${chunkMax}: ${count} of ${chunk}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  const impossible: readonly [string, number, number, number][] = [
    ['a count of 0', 100, 0, 0],
    ['a count of 1 (such a frame is packed, not fragmented)', 100, 0, 1],
    ['an index past the count', 100, 4, 4],
    ['more fragments than bytes', 3, 0, 4],
    ['an empty last fragment (5 bytes in 4: chunks of 2)', 5, 3, 4],
  ];
  for (const [what, total, index, count] of impossible) {
    it(`refuses ${what}`, () => expect(fragmentBytesExpected(total, index, count)).toBe(-1));
  }
});
