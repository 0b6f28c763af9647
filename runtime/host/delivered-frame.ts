/**
 * A learner's delivered instance as a frame payload, little-endian:
 *   u16 ring | f64 instance | u32 slots | u32 runs |
 *   runs × (f64 first id | u32 values | u32 packed length | u32 pad | pad bytes | packed)
 * The learner copies each run's packed values with one call (protocol/runs.ts), `pad` (0..7)
 * putting them at the same address modulo 8 as their source, so that the copy into shared memory
 * runs word by word and can go straight into the ring (PostOffice.trySendDirect). The receiver
 * copies the frame once and hands out views into that copy.
 */
import type { Instance, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { ClientValue } from '../../src/protocol/messages.ts';
import type { DeliveredInstance, DeliveredRuns } from '../../src/protocol/ready.ts';
import { forEachValue, packedValid } from '../../src/protocol/runs.ts';
import { copyRange } from '../../src/bulk-copy.ts';

const HEAD = 2 + 8 + 4 + 4;
const RUN_HEAD = 8 + 4 + 4 + 4;

/** The most bytes the frame of `d` takes (pads included). */
export function deliveredSize(d: DeliveredRuns): number {
  let n = HEAD;
  for (const r of d.runs) n += RUN_HEAD + 7 + r.packed.length;
  return n;
}

export function encodeDelivered(d: DeliveredRuns, bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let o = offset;
  view.setUint16(o, d.ring, true);
  view.setFloat64(o + 2, d.instance, true);
  view.setUint32(o + 10, d.slots, true);
  view.setUint32(o + 14, d.runs.length, true);
  o += HEAD;
  for (const r of d.runs) {
    const pad = (r.packed.byteOffset - (bytes.byteOffset + o + RUN_HEAD)) & 7;
    view.setFloat64(o, r.first, true);
    view.setUint32(o + 8, r.count, true);
    view.setUint32(o + 12, r.packed.length, true);
    view.setUint32(o + 16, pad, true);
    copyRange(bytes, o + RUN_HEAD + pad, r.packed, 0, r.packed.length);
    o += RUN_HEAD + pad + r.packed.length;
  }
  return o - offset;
}

/** Eight bytes to read the instance through: no view is made per frame. */
const INSTANCE_BYTES = new Uint8Array(8);
const INSTANCE_VIEW = new DataView(INSTANCE_BYTES.buffer);

/** The instance a delivery frame carries, read before anything is decoded; null if it is too short. */
export function deliveredInstanceOf(src: Uint8Array, offset: number, length: number): number | null {
  if (length < HEAD) return null;
  for (let k = 0; k < 8; k++) INSTANCE_BYTES[k] = src[offset + 2 + k] as number;
  return INSTANCE_VIEW.getFloat64(0, true);
}

/**
 * Decodes into values; with `copy`, the frame is copied once and the values are views into that
 * copy (they outlive the ring slot), else views into `src`. Null if malformed.
 */
export function decodeDelivered(src: Uint8Array, srcOffset: number, length: number, copy: boolean): DeliveredInstance | null {
  if (length < HEAD) return null;
  const bytes = copy ? src.slice(srcOffset, srcOffset + length) : src;
  const offset = copy ? 0 : srcOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const end = offset + length;
  const runs = view.getUint32(offset + 14, true);
  if (runs > (length - HEAD) / RUN_HEAD) return null;
  const values: ClientValue[] = [];
  let o = offset + HEAD;
  for (let k = 0; k < runs; k++) {
    if (o + RUN_HEAD > end) return null;
    const first = view.getFloat64(o, true) as ValueId;
    const count = view.getUint32(o + 8, true);
    const pad = view.getUint32(o + 16, true);
    if (pad > 7) return null;
    const at = o + RUN_HEAD + pad;
    const runEnd = at + view.getUint32(o + 12, true);
    if (runEnd > end) return null;
    const packed = bytes.subarray(at, runEnd);
    if (!packedValid(packed, count)) return null;
    forEachValue({ first, count, packed }, (id, b) => values.push({ id, bytes: b }));
    o = runEnd;
  }
  return {
    ring: view.getUint16(offset, true) as RingId,
    instance: view.getFloat64(offset + 2, true) as Instance,
    slots: view.getUint32(offset + 10, true),
    values,
  };
}
