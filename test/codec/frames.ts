/** Hand-built frames for codec tests: a header with a correct (or absent) checksum around any body. */
import { crc32c, FRAME_HEADER_BYTES, FRAME_VERSION } from '../../src/codec/index.ts';
import type { MessageType } from '../../src/protocol/messages.ts';

export const MAGIC = 0x52;
export const FLAG_CHECKSUM_NONE = 0x01;
export const OFFSET_FLAGS = 3;
export const OFFSET_LENGTH = 4;
export const OFFSET_CHECKSUM = 8;

/**
 * Wire type codes, as the frame header documents them. Written out here rather than imported, so
 * that a change to the wire format breaks these tests instead of passing silently.
 */
export const CODES = {
  submit: 1, ack: 2, phase1a: 3, phase1b: 4, nack: 5, phase2a: 6,
  phase2b: 7, decision: 8, deliver: 9, repair: 10, heartbeat: 11,
} as const satisfies Record<MessageType, number>;

const CONTROL_CODES = new Set<number>([CODES.phase1a, CODES.phase1b, CODES.nack, CODES.repair, CODES.heartbeat]);
export const isControlFrame = (frame: Uint8Array): boolean => CONTROL_CODES.has(frame[2] ?? 0);

/** Little-endian body bytes, built field by field. */
export class BodyBuilder {
  private readonly parts: number[] = [];
  u8(n: number): this {
    this.parts.push(n & 0xff);
    return this;
  }
  u16(n: number): this {
    return this.u8(n).u8(n >>> 8);
  }
  u32(n: number): this {
    return this.u16(n & 0xffff).u16(n >>> 16);
  }
  u64(n: number): this {
    const lo = n >>> 0;
    return this.u32(lo).u32((n - lo) / 2 ** 32);
  }
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.u8(bytes[i] ?? 0);
    return this;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** A frame of type `code` around `body`, its length field `length` (default: the true length). */
export function rawFrame(
  code: number,
  body: Uint8Array,
  opts: { checksum?: boolean; length?: number } = {},
): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  const view = new DataView(frame.buffer);
  frame[0] = MAGIC;
  frame[1] = FRAME_VERSION;
  frame[2] = code;
  frame[OFFSET_FLAGS] = opts.checksum === false ? FLAG_CHECKSUM_NONE : 0;
  view.setUint32(OFFSET_LENGTH, opts.length ?? frame.length, true);
  frame.set(body, FRAME_HEADER_BYTES);
  if (opts.checksum !== false) resealChecksum(frame);
  return frame;
}

/**
 * Recomputes the checksum of a frame in place, over the bytes its length field claims (as far as
 * they exist), so that a mutated body reaches the body parser. No-op on unchecked frames.
 */
export function resealChecksum(frame: Uint8Array): void {
  if (frame.length < FRAME_HEADER_BYTES || ((frame[OFFSET_FLAGS] ?? 0) & FLAG_CHECKSUM_NONE) !== 0) return;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = Math.max(FRAME_HEADER_BYTES, Math.min(view.getUint32(OFFSET_LENGTH, true), frame.length));
  const head = crc32c(frame, 0, OFFSET_CHECKSUM);
  view.setUint32(OFFSET_CHECKSUM, crc32c(frame, FRAME_HEADER_BYTES, end, head), true);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
