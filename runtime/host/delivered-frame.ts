/**
 * A learner's delivered instance as a frame payload, little-endian:
 *   u16 ring | f64 instance | u32 slots | u32 count | count × (f64 value id | u32 length | bytes)
 */
import type { Instance, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { ClientValue } from '../../src/protocol/messages.ts';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';

const HEAD = 2 + 8 + 4 + 4;
const ITEM = 8 + 4;

export function deliveredSize(d: DeliveredInstance): number {
  let n = HEAD;
  for (const v of d.values) n += ITEM + v.bytes.length;
  return n;
}

export function encodeDelivered(d: DeliveredInstance, bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let o = offset;
  view.setUint16(o, d.ring, true);
  view.setFloat64(o + 2, d.instance, true);
  view.setUint32(o + 10, d.slots, true);
  view.setUint32(o + 14, d.values.length, true);
  o += HEAD;
  for (const v of d.values) {
    view.setFloat64(o, v.id, true);
    view.setUint32(o + 8, v.bytes.length, true);
    bytes.set(v.bytes, o + ITEM);
    o += ITEM + v.bytes.length;
  }
  return o - offset;
}

/**
 * Decodes; with `copy`, the frame is copied once and the values are views into that copy (they
 * outlive the ring slot), else views into `bytes`. Null if malformed.
 */
export function decodeDelivered(src: Uint8Array, srcOffset: number, length: number, copy: boolean): DeliveredInstance | null {
  if (length < HEAD) return null;
  const bytes = copy ? src.slice(srcOffset, srcOffset + length) : src;
  const offset = copy ? 0 : srcOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const end = offset + length;
  const count = view.getUint32(offset + 14, true);
  if (count > (length - HEAD) / ITEM) return null;
  const values: ClientValue[] = [];
  let o = offset + HEAD;
  for (let k = 0; k < count; k++) {
    if (o + ITEM > end) return null;
    const id = view.getFloat64(o, true) as ValueId;
    const len = view.getUint32(o + 8, true);
    if (o + ITEM + len > end) return null;
    const b = bytes.subarray(o + ITEM, o + ITEM + len);
    values.push({ id, bytes: b });
    o += ITEM + len;
  }
  return {
    ring: view.getUint16(offset, true) as RingId,
    instance: view.getFloat64(offset + 2, true) as Instance,
    slots: view.getUint32(offset + 10, true),
    values,
  };
}
