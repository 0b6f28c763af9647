/**
 * The hot paths' copy (src/bulk-copy.ts): the native memmove (runtime/native/copy.c) between
 * shared and unshared arrays at every alignment, its argument checks, and copyRange with and
 * without it installed, against TypedArray.prototype.set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyRange, installBulkCopy } from '../../src/bulk-copy.ts';
import { Prng } from '../../src/protocol/prng.ts';
import { BULK_COPY_MIN_BYTES, bulkCopyImplementation } from '../../runtime/native/bulk-copy.ts';
import { loadNativeCrc32 } from '../../runtime/native/crc32.ts';

const native = loadNativeCrc32();
const copyBytes = native instanceof Error ? null : native.copyBytes;

function filled(bytes: Uint8Array, rng: Prng): Uint8Array {
  for (let k = 0; k < bytes.length; k++) bytes[k] = rng.below(256);
  return bytes;
}

const shared = (n: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(n));

describe('native copyBytes', () => {
  it('is built here (npm install builds it with the CRC-32), and the hot paths use it', () => {
    expect(copyBytes).not.toBeNull();
    expect(bulkCopyImplementation).toBe(process.env['RINGCAST_NATIVE'] === '0' ? 'typed-array-set' : 'native');
  });

  it('copies as TypedArray.set does, between shared and unshared arrays, at every alignment', () => {
    const rng = new Prng(11);
    for (let round = 0; round < 300; round++) {
      const length = rng.below(3 * 8192);
      const from = rng.below(16);
      const at = rng.below(16);
      const source = filled(rng.below(2) === 0 ? shared(from + length + rng.below(8)) : new Uint8Array(from + length + rng.below(8)), rng);
      const target = filled(rng.below(2) === 0 ? shared(at + length + rng.below(8)) : new Uint8Array(at + length + rng.below(8)), rng);
      const expected = Uint8Array.from(target);
      expected.set(source.subarray(from, from + length), at);
      copyBytes?.(target, at, source, from, length);
      expect(Buffer.compare(Buffer.from(target), Buffer.from(expected))).toBe(0);
    }
  });

  it('refuses a range that passes the end of either array, and what is not a Uint8Array', () => {
    const a = new Uint8Array(16);
    expect(() => copyBytes?.(a, 8, new Uint8Array(16), 0, 9)).toThrow(/passes the end/);
    expect(() => copyBytes?.(a, 0, new Uint8Array(16), 8, 9)).toThrow(/passes the end/);
    expect(() => copyBytes?.(a, 0, new Uint16Array(8) as unknown as Uint8Array, 0, 1)).toThrow(/Uint8Arrays/);
    expect(() => (copyBytes as unknown as (...x: unknown[]) => void)(a, 0, a)).toThrow(/copyBytes\(target/);
  });
});

describe('copyRange', () => {
  afterAll(() => installBulkCopy(copyBytes, BULK_COPY_MIN_BYTES));

  it('gives what TypedArray.set gives, above and below the size the installed copy takes', () => {
    const rng = new Prng(12);
    const calls: number[] = [];
    installBulkCopy((t, at, s, from, length) => {
      calls.push(length);
      t.set(s.subarray(from, from + length), at);
    }, 100);
    for (const length of [0, 1, 99, 100, 101, 5000]) {
      const source = filled(shared(length + 3), rng);
      const target = new Uint8Array(length + 5);
      copyRange(target, 2, source, 3, length + 3);
      expect(Array.from(target.subarray(2, 2 + length))).toEqual(Array.from(source.subarray(3)));
    }
    // Only the copies of at least 100 bytes went to the installed copy.
    expect(calls).toEqual([100, 101, 5000]);
    installBulkCopy(null, 0);
    const target = new Uint8Array(8);
    copyRange(target, 0, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 0, 8);
    expect(Array.from(target)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
