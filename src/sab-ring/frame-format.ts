/**
 * Frame format inside the data area: an 8-byte header (Int32 little-endian payload length, then
 * 4 unused bytes), the payload, then padding to the next 8-byte boundary.
 *
 * Why 8 and not 4: V8 copies into and out of shared memory with relaxed atomic word copies, and
 * only when the source and target have the same alignment modulo 8; otherwise it copies byte by
 * byte, 4 to 7 times slower (measured here: 8 KB at about 30 GB/s aligned, 4 GB/s misaligned).
 * Payloads therefore start 8-byte aligned, like the ArrayBuffers they are copied from.
 *
 * A header holding PADDING_MARKER says "the rest of this lap is unused, continue at offset 0":
 * the producer writes it when a frame does not fit before the end of the data area.
 */
export const FRAME_HEADER_BYTES = 8;
export const FRAME_ALIGN_BYTES = 8;
export const PADDING_MARKER = -1;

/** Bytes a frame of `lengthBytes` payload occupies in the ring, header and alignment included. */
export function frameBytesOf(lengthBytes: number): number {
  return (lengthBytes + FRAME_HEADER_BYTES + FRAME_ALIGN_BYTES - 1) & ~(FRAME_ALIGN_BYTES - 1);
}

/**
 * Largest payload a ring of `capacityBytes` accepts. A frame that does not fit before the end is
 * placed at offset 0 after a padding marker, so in the worst case it needs the bytes to the end
 * plus its own: a frame of at most half the capacity always fits in an empty ring, wherever the
 * indices stand. Larger frames could wait forever, so they are refused.
 */
export function frameBytesMaxOf(capacityBytes: number): number {
  return capacityBytes / 2 - FRAME_HEADER_BYTES;
}
