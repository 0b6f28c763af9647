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

/** Calls `each` per request, with a copy of its value; false if the frame is malformed. */
export function decodeProposeFrame(b: Uint8Array, o: number, length: number, each: (id: number, bytes: Uint8Array) => void): boolean {
  if (length < 4) return false;
  const view = new DataView(b.buffer, b.byteOffset);
  const count = view.getUint32(o, true);
  const end = o + length;
  let p = o + 4;
  for (let k = 0; k < count; k++) {
    if (p + ITEM_HEAD > end) return false;
    const id = view.getUint32(p, true);
    const len = view.getUint32(p + 4, true);
    if (p + ITEM_HEAD + len > end) return false;
    each(id, b.slice(p + ITEM_HEAD, p + ITEM_HEAD + len));
    p += ITEM_HEAD + len;
  }
  return true;
}
