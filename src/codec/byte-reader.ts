/**
 * Little-endian reads from untrusted bytes, bounded by the end of the frame. Nothing throws: the
 * first failure is recorded (sticky), the reader jumps to the end, and every later read returns 0,
 * so a body parser checks `ok` only where it is about to allocate or return. Like the writer, it
 * keeps the DataView of the last buffer it read, so that decoding a buffer again creates nothing.
 */
import type { DecodeError } from './decode-result.ts';

const U32_SPAN = 2 ** 32;
/** The high word of a u64 that is still a safe integer: below 2^53. */
const U64_SAFE_HIGH_MAX = 0x1f_ffff;
const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

export class ByteReader {
  private view: DataView = new DataView(new ArrayBuffer(0));
  private bytes: Uint8Array = EMPTY_BYTES;
  /** Where `bytes` starts in `view`. */
  private base = 0;
  /** Positions are relative to `bytes`. */
  pos = 0;
  end = 0;
  error: DecodeError | null = null;
  detail = '';

  reset(bytes: Uint8Array, pos: number, end: number): void {
    if (bytes !== this.bytes) {
      if (this.view.buffer !== bytes.buffer) this.view = new DataView(bytes.buffer);
      this.bytes = bytes;
      this.base = bytes.byteOffset;
    }
    this.pos = pos;
    this.end = end;
    this.error = null;
    this.detail = '';
  }

  get ok(): boolean {
    return this.error === null;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(error: DecodeError, detail: string): void {
    if (this.error === null) {
      this.error = error;
      this.detail = detail;
    }
    this.pos = this.end;
  }

  private has(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    this.fail('bad-length', `body ends at byte ${this.end} inside a ${n}-byte field at ${this.pos}`);
    return false;
  }

  u8(): number {
    if (!this.has(1)) return 0;
    const v = this.view.getUint8(this.base + this.pos);
    this.pos += 1;
    return v;
  }

  u16(): number {
    if (!this.has(2)) return 0;
    const v = this.view.getUint16(this.base + this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    if (!this.has(4)) return 0;
    const v = this.view.getUint32(this.base + this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An unsigned integer of at most `max`, for a field named `field` (named on failure only). */
  uintMax(width: 1 | 2 | 4, max: number, field: string): number {
    const v = width === 1 ? this.u8() : width === 2 ? this.u16() : this.u32();
    if (v > max) this.fail('bad-field', `${field} ${v} > ${max}`);
    return v;
  }

  /** A u64 LE that must be a safe integer for which `valid` holds (an id's range check). */
  u64Valid(valid: (n: number) => boolean, field: string): number {
    if (!this.has(8)) return 0;
    const at = this.base + this.pos;
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    this.pos += 8;
    const v = hi * U32_SPAN + lo;
    if (hi > U64_SAFE_HIGH_MAX || !valid(v)) this.fail('bad-field', `${field} ${hi}:${lo} out of range`);
    return v;
  }

  /**
   * A u32 count of things that take at least `itemBytesMin` bytes each, checked against `max`
   * and against the bytes left, so that nothing is allocated for a count the frame cannot hold.
   */
  count(max: number, itemBytesMin: number, field: string): number {
    const n = this.u32();
    if (n > max) this.fail('too-large', `${field} count ${n} > ${max}`);
    else if (n * itemBytesMin > this.end - this.pos) {
      this.fail('bad-length', `${field} count ${n} needs ${n * itemBytesMin} bytes, ${this.remaining} left`);
    }
    return this.error === null ? n : 0;
  }

  /** A view of the next `n` bytes (no copy): valid while the caller's buffer is. */
  view8(n: number): Uint8Array {
    if (!this.has(n)) return EMPTY_BYTES;
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}
