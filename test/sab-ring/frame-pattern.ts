/**
 * Frames whose length and bytes are derived from their sequence number and a seed, so that the
 * reader checks every frame without being told what was sent: bytes 0..3 hold the sequence number
 * (little-endian, cut short in shorter frames), byte j >= 4 holds (seq + j) & 0xff.
 * Lengths are mostly small, and one frame in 16 is up to frameBytesMax so that frames wrap with a
 * padding marker often.
 */
const SMALL_FRAME_BYTES_MAX = 256;
const SEQ_BYTES = 4;

export class FramePattern {
  /** pattern[k] = k & 0xff: a frame's tail is one subarray of it, copied with set(). */
  private readonly pattern: Uint8Array;

  constructor(
    private readonly seed: number,
    private readonly frameBytesMax: number,
  ) {
    this.pattern = Uint8Array.from({ length: 256 + frameBytesMax }, (_, k) => k & 0xff);
  }

  lengthOf(seq: number): number {
    let h = Math.imul(seq ^ this.seed, 0x85eb_ca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2_ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    const bound = (h & 15) === 0 ? this.frameBytesMax + 1 : Math.min(SMALL_FRAME_BYTES_MAX, this.frameBytesMax + 1);
    return (h >>> 4) % bound;
  }

  write(bytes: Uint8Array, offset: number, seq: number, lengthBytes: number): void {
    for (let j = 0; j < SEQ_BYTES && j < lengthBytes; j++) bytes[offset + j] = (seq >>> (8 * j)) & 0xff;
    if (lengthBytes <= SEQ_BYTES) return;
    const base = seq & 0xff;
    bytes.set(this.pattern.subarray(base + SEQ_BYTES, base + lengthBytes), offset + SEQ_BYTES);
  }

  /** null when the frame is the expected frame `seq`, else what is wrong with it. */
  check(bytes: Uint8Array, offset: number, lengthBytes: number, seq: number): string | null {
    const expectedBytes = this.lengthOf(seq);
    if (lengthBytes !== expectedBytes) return `frame ${seq}: length ${lengthBytes}, expected ${expectedBytes}`;
    for (let j = 0; j < lengthBytes; j++) {
      const expected = j < SEQ_BYTES ? (seq >>> (8 * j)) & 0xff : (seq + j) & 0xff;
      if (bytes[offset + j] !== expected) return `frame ${seq}: byte ${j} is ${bytes[offset + j]}, expected ${expected}`;
    }
    return null;
  }
}
