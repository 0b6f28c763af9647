/**
 * CRC-32C (Castagnoli), table-driven, slicing by 16: sixteen table lookups per 16 bytes, read as
 * four little-endian words, instead of one lookup per byte (about 2.3 GB/s here, against 1.4 GB/s
 * slicing by 8 with byte reads; it runs on every datagram both ways and on every logged vote).
 * Short ranges take the byte-wise loop, where creating a DataView would cost more than it saves.
 * Chosen over CRC-32 for its better Hamming distance at frame sizes, and because it is what iSCSI,
 * ext4 and SCTP use, so other tools can check a captured frame.
 */
const POLY_REFLECTED = 0x82f63b78;
const SLICES = 16;
/** Below this many bytes, the byte-wise loop is faster. */
const WORDWISE_BYTES_MIN = 64;
const TABLE = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(SLICES * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[n] = c;
  }
  // t[k*256 + n] is the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < SLICES; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * The CRC-32C of bytes[start, end). Pass a previous result as `crc` to continue it over a second
 * range (the frame checksum covers the header without its checksum field, then the body).
 */
export function crc32c(bytes: Uint8Array, start: number, end: number, crc = 0): number {
  const t = TABLE;
  const b = bytes;
  let c = ~crc;
  let i = start;
  if (end - start >= WORDWISE_BYTES_MIN) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const end16 = start + ((end - start) & ~15);
    while (i < end16) {
      const w0 = c ^ v.getInt32(i, true);
      const w1 = v.getInt32(i + 4, true);
      const w2 = v.getInt32(i + 8, true);
      const w3 = v.getInt32(i + 12, true);
      c =
        t[3840 + (w0 & 0xff)]! ^
        t[3584 + ((w0 >>> 8) & 0xff)]! ^
        t[3328 + ((w0 >>> 16) & 0xff)]! ^
        t[3072 + (w0 >>> 24)]! ^
        t[2816 + (w1 & 0xff)]! ^
        t[2560 + ((w1 >>> 8) & 0xff)]! ^
        t[2304 + ((w1 >>> 16) & 0xff)]! ^
        t[2048 + (w1 >>> 24)]! ^
        t[1792 + (w2 & 0xff)]! ^
        t[1536 + ((w2 >>> 8) & 0xff)]! ^
        t[1280 + ((w2 >>> 16) & 0xff)]! ^
        t[1024 + (w2 >>> 24)]! ^
        t[768 + (w3 & 0xff)]! ^
        t[512 + ((w3 >>> 8) & 0xff)]! ^
        t[256 + ((w3 >>> 16) & 0xff)]! ^
        t[w3 >>> 24]!;
      i += 16;
    }
  }
  while (i < end) c = t[(c ^ b[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
