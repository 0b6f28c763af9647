/**
 * A batch of propose requests in one frame (API -> proposer), little-endian:
 *   u32 count | count × (u32 request id | u32 length | bytes)
 * One frame per flush instead of one per value: the per-frame work dominated the proposer's time.
 */
export const PROPOSE_FRAME_BYTES_TARGET = 256 * 1024;
const ITEM_HEAD = 8;

export interface ProposeRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
}

export function proposeFrameSize(requests: readonly ProposeRequest[]): number {
  let n = 4;
  for (const r of requests) n += ITEM_HEAD + r.bytes.length;
  return n;
}

export function encodeProposeFrame(requests: readonly ProposeRequest[], b: Uint8Array, o: number): number {
  const view = new DataView(b.buffer, b.byteOffset);
  view.setUint32(o, requests.length, true);
  let p = o + 4;
  for (const r of requests) {
    view.setUint32(p, r.id, true);
    view.setUint32(p + 4, r.bytes.length, true);
    b.set(r.bytes, p + ITEM_HEAD);
    p += ITEM_HEAD + r.bytes.length;
  }
  return p - o;
}

/**
 * Calls `each` per request with its value, a view into one copy of the whole frame (one copy per
 * frame, not one per value: the frame's memory goes once no value is held any more). False if the
 * frame is malformed.
 */
export function decodeProposeFrame(src: Uint8Array, offset: number, length: number, each: (id: number, bytes: Uint8Array) => void): boolean {
  if (length < 4) return false;
  const b = src.slice(offset, offset + length);
  const view = new DataView(b.buffer);
  const count = view.getUint32(0, true);
  let p = 4;
  for (let k = 0; k < count; k++) {
    if (p + ITEM_HEAD > length) return false;
    const id = view.getUint32(p, true);
    const len = view.getUint32(p + 4, true);
    if (p + ITEM_HEAD + len > length) return false;
    each(id, b.subarray(p + ITEM_HEAD, p + ITEM_HEAD + len));
    p += ITEM_HEAD + len;
  }
  return true;
}
