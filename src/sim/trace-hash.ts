/** A running 32-bit FNV-1a hash over numbers: a cheap fingerprint of a whole run's trace. */
export class TraceHash {
  private h = 0x811c9dc5;
  add(n: number): void {
    // Fold a safe integer in as two 32-bit halves.
    this.mix(n >>> 0);
    this.mix(Math.floor(n / 4294967296) >>> 0);
  }
  addString(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }
  private mix(x: number): void {
    for (let k = 0; k < 4; k++) {
      this.h ^= (x >>> (8 * k)) & 0xff;
      this.h = Math.imul(this.h, 0x01000193) >>> 0;
    }
  }
  get value(): string {
    return this.h.toString(16).padStart(8, '0');
  }
}
