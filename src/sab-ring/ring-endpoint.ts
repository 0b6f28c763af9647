/**
 * What both endpoints hold: views over one ring's buffer, created once per endpoint so that the
 * frame path never creates one.
 */
import { frameBytesMaxOf } from './frame-format.ts';
import type { RingGeometry } from './ring-layout.ts';

export abstract class RingEndpoint {
  /** The data area: frame payloads are read and written in place at offsets into it. */
  readonly bytes: Uint8Array;
  readonly capacityBytes: number;
  /** Largest payload a frame may have: half the capacity minus the frame header. */
  readonly frameBytesMax: number;
  /** Header words (indices, sleepers, reader slots); see ring-layout.ts. */
  readonly header: Int32Array;
  /** The data area as Int32 words, for frame headers (every frame starts 4-byte aligned). */
  protected readonly data32: Int32Array;
  protected readonly mask: number;

  constructor(sab: SharedArrayBuffer, geometry: RingGeometry) {
    const { capacityBytes, dataOffsetBytes } = geometry;
    this.header = new Int32Array(sab, 0, dataOffsetBytes / 4);
    this.bytes = new Uint8Array(sab, dataOffsetBytes, capacityBytes);
    this.data32 = new Int32Array(sab, dataOffsetBytes, capacityBytes / 4);
    this.capacityBytes = capacityBytes;
    this.frameBytesMax = frameBytesMaxOf(capacityBytes);
    this.mask = capacityBytes - 1;
  }
}
