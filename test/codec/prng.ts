/**
 * A deterministic PRNG for codec tests (splitmix32): the same seed gives the same cases, so a
 * failure replays. Set CODEC_SEED to replay a reported seed.
 */
const U32_SPAN = 2 ** 32;

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  u32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** An integer in [0, n), n ≤ 2^32. */
  below(n: number): number {
    return Math.floor((this.u32() / U32_SPAN) * n);
  }

  /** An integer in [0, max], max ≤ 2^53 - 1; endpoints come up often, where bugs live. */
  upTo(max: number): number {
    const r = this.below(8);
    if (r === 0) return 0;
    if (r === 1) return max;
    const v = (this.u32() & 0x1f_ffff) * U32_SPAN + this.u32();
    return v % (max + 1);
  }

  chance(p: number): boolean {
    return this.u32() / U32_SPAN < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** The base seed of a test run: CODEC_SEED if set, else a fixed one. */
export function baseSeed(fallback: number): number {
  const env = process.env['CODEC_SEED'];
  return env === undefined ? fallback : Number(env) >>> 0;
}

export const replayHint = (seed: number): string => `replay with CODEC_SEED=${seed}`;
