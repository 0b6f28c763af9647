/**
 * A batch of propose requests in one frame (API -> proposer), little-endian:
 *   u32 count | count × u32 request id | count × (u32 length | bytes)
 * The values after the ids are laid out as a run's packed bytes (protocol/runs.ts), so that the
 * proposer turns a frame into runs without a copy or an object per value. One frame per flush
 * instead of one per value: the per-frame work dominated the proposer's time.
 */
import { RUN_ITEM_HEAD_BYTES } from '../../src/protocol/runs.ts';

export const PROPOSE_FRAME_BYTES_TARGET = 256 * 1024;

export function proposeFrameSize(values: readonly Uint8Array[], from: number, to: number): number {
  let n = 4 + 4 * (to - from);
  for (let k = from; k < to; k++) n += RUN_ITEM_HEAD_BYTES + (values[k] as Uint8Array).length;
  return n;
}

/** Writes requests `from` … `to - 1` of the parallel lists `ids` and `values`. */
export function encodeProposeFrame(ids: readonly number[], values: readonly Uint8Array[], from: number, to: number, b: Uint8Array, o: number): number {
  const view = new DataView(b.buffer, b.byteOffset);
  view.setUint32(o, to - from, true);
  let p = o + 4;
  for (let k = from; k < to; k++, p += 4) view.setUint32(p, ids[k] as number, true);
  for (let k = from; k < to; k++) {
    const v = values[k] as Uint8Array;
    view.setUint32(p, v.length, true);
    b.set(v, p + RUN_ITEM_HEAD_BYTES);
    p += RUN_ITEM_HEAD_BYTES + v.length;
  }
  return p - o;
}

/** A decoded frame: request ids and the packed values, in one copy of the frame. */
export interface ProposeFrame {
  readonly count: number;
  /** Request id of the k-th value: `ids.getUint32(4 * k, true)`. */
  readonly ids: DataView;
  /** count × (u32 length | bytes). */
  readonly packed: Uint8Array;
}

/** Copies the frame once (it outlives the ring slot); null if malformed. */
export function decodeProposeFrame(src: Uint8Array, offset: number, length: number): ProposeFrame | null {
  if (length < 4) return null;
  const b = src.slice(offset, offset + length);
  const count = new DataView(b.buffer).getUint32(0, true);
  if (4 + 4 * count > length) return null;
  return { count, ids: new DataView(b.buffer, 4, 4 * count), packed: b.subarray(4 + 4 * count) };
}
