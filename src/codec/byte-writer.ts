/**
 * Little-endian writes into a caller's buffer. One writer serves every encode: it keeps the
 * DataView of the last buffer it saw, so encoding into the same ring slot or pooled buffer again
 * creates nothing (it holds on to that one buffer until another comes). Bounds are the caller's
 * business: encodeInto checks the size first.
 */
const U32_SPAN = 2 ** 32;

export class ByteWriter {
  private view: DataView = new DataView(new ArrayBuffer(0));
  private bytes: Uint8Array = new Uint8Array(0);
  /** Where `bytes` starts in `view`. */
  private base = 0;
  /** Position relative to `bytes`. */
  pos = 0;

  reset(bytes: Uint8Array, pos: number): void {
    if (bytes !== this.bytes) {
      if (this.view.buffer !== bytes.buffer) this.view = new DataView(bytes.buffer);
      this.bytes = bytes;
      this.base = bytes.byteOffset;
    }
    this.pos = pos;
  }

  u8(n: number): void {
    this.view.setUint8(this.base + this.pos, n);
    this.pos += 1;
  }

  u16(n: number): void {
    this.view.setUint16(this.base + this.pos, n, true);
    this.pos += 2;
  }

  u32(n: number): void {
    this.view.setUint32(this.base + this.pos, n, true);
    this.pos += 4;
  }

  /** A safe non-negative integer as a u64 LE (low word first); callers validated it. */
  u64(n: number): void {
    const lo = n >>> 0;
    const at = this.base + this.pos;
    this.view.setUint32(at, lo, true);
    this.view.setUint32(at + 4, (n - lo) / U32_SPAN, true);
    this.pos += 8;
  }

  raw(src: Uint8Array): void {
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  /**
   * Where the packed bytes of value runs go while `runBytes` is set (see EncodeOptions.runBytes):
   * handed to it with the offset they belong at, instead of copied.
   */
  runBytes: ((bytes: Uint8Array, at: number) => void) | null = null;

  /** The packed bytes of a value run: copied, or handed to `runBytes`. */
  run(src: Uint8Array): void {
    if (this.runBytes === null) this.bytes.set(src, this.pos);
    else this.runBytes(src, this.pos);
    this.pos += src.length;
  }

  u32At(pos: number, n: number): void {
    this.view.setUint32(this.base + pos, n, true);
  }
}
