/**
 * Frame format inside the data area: a 4-byte little-endian Int32 length, then the payload,
 * then padding up to the next 4-byte boundary so that every header is Int32-aligned.
 * A header holding PADDING_MARKER says "the rest of this lap is unused, continue at offset 0":
 * the producer writes it when a frame does not fit before the end of the data area.
 */
export const FRAME_HEADER_BYTES = 4;
export const FRAME_ALIGN_BYTES = 4;
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
