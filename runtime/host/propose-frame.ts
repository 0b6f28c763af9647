/**
 * A batch of propose requests in one frame (API -> proposer), little-endian:
 *   u32 count | u32 pad | count × u32 request id | pad bytes | count × (u32 length | bytes)
 * The values after the ids are laid out as a run's packed bytes (protocol/runs.ts), so that the
 * proposer turns a frame into runs without a copy or an object per value. `pad` (0..7) puts the
 * packed values at the same address modulo 8 as the sender's copy of them, so the copy into
 * shared memory runs word by word (see PostOffice.compose). One frame per flush instead of one
 * per value: the per-frame work dominated the proposer's time.
 */
import { copyRange } from '../../src/bulk-copy.ts';
export const PROPOSE_FRAME_BYTES_TARGET = 256 * 1024;
const HEAD = 8;

/** The most bytes a frame of `count` values and `packedBytes` of packed values takes. */
export function proposeFrameSizeMax(count: number, packedBytes: number): number {
  return HEAD + 4 * count + 7 + packedBytes;
}

/**
 * Writes requests `from` … `to - 1` of `ids`, whose packed values are `packed[packedFrom,
 * packedTo)`, at `b[o]`; returns the bytes written.
 */
export function encodeProposeFrame(ids: readonly number[], from: number, to: number, packed: Uint8Array, packedFrom: number, packedTo: number, b: Uint8Array, o: number): number {
  const view = new DataView(b.buffer, b.byteOffset);
  const count = to - from;
  let p = o + HEAD;
  for (let k = from; k < to; k++, p += 4) view.setUint32(p, ids[k] as number, true);
  const pad = (packed.byteOffset + packedFrom - (b.byteOffset + p)) & 7;
  view.setUint32(o, count, true);
  view.setUint32(o + 4, pad, true);
  p += pad;
  copyRange(b, p, packed, packedFrom, packedTo);
  return p + (packedTo - packedFrom) - o;
}

/** A frame read in place: views into the caller's buffer, valid while it is. */
export interface ProposeFrame {
  readonly count: number;
  /** Request id of the k-th value: `ids.getUint32(4 * k, true)`. */
  readonly ids: DataView;
  /** count × (u32 length | bytes). */
  readonly packed: Uint8Array;
}

/**
 * Reads a frame without copying it; null if malformed. The reader copies what it keeps, run by
 * run: copying whole frames (256 KiB) took fresh pages from the kernel for every one, since
 * allocations that large are mapped and unmapped each time, and zeroing those pages cost the
 * proposer's thread more than the copy itself.
 */
export function readProposeFrame(src: Uint8Array, offset: number, length: number): ProposeFrame | null {
  if (length < HEAD) return null;
  const head = new DataView(src.buffer, src.byteOffset + offset, HEAD);
  const count = head.getUint32(0, true);
  const pad = head.getUint32(4, true);
  if (pad > 7 || HEAD + 4 * count + pad > length) return null;
  const at = offset + HEAD + 4 * count + pad;
  return { count, ids: new DataView(src.buffer, src.byteOffset + offset + HEAD, 4 * count), packed: src.subarray(at, offset + length) };
}
