import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/codec/index.ts';
import { Rng } from './prng.ts';

/** The bit-at-a-time definition, to check the sliced tables against. */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the published check value and the RFC 3720 (iSCSI) vectors', () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    const vectors: readonly [Uint8Array, number][] = [
      [new TextEncoder().encode('123456789'), 0xe3069283],
      [new Uint8Array(32), 0x8a9136aa],
      [new Uint8Array(32).fill(0xff), 0x62a8ab43],
      [ascending, 0x46dd794e],
      [ascending.slice().reverse(), 0x113fdb5c],
      [new Uint8Array(0), 0],
    ];
    for (const [bytes, crc] of vectors) expect(crc32c(bytes, 0, bytes.length)).toBe(crc);
  });

  it('agrees with the bitwise definition on every length and alignment up to 70 bytes', () => {
    const rng = new Rng(0x5eed);
    const data = rng.bytes(80);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= start + 70; end++) {
        expect(crc32c(data, start, end)).toBe(crc32cBitwise(data.subarray(start, end)));
      }
    }
  });

  it('agrees with the bitwise definition past the word-wise threshold, in a view that starts at any offset', () => {
    const backing = new Rng(0xc0ffee).bytes(700);
    for (const viewOffset of [0, 1, 3, 8]) {
      const data = backing.subarray(viewOffset, viewOffset + 600);
      for (let start = 0; start < 5; start++) {
        for (let end = start + 60; end <= start + 300; end += start + 1) {
          expect(crc32c(data, start, end)).toBe(crc32cBitwise(data.subarray(start, end)));
        }
      }
    }
  });

  it('continues over a second range as if the ranges were one', () => {
    const data = new Rng(7).bytes(1000);
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(data, cut, 1000, crc32c(data, 0, cut))).toBe(crc32c(data, 0, 1000));
    }
  });
});
