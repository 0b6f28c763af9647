/**
 * A log-linear latency histogram (HDR style): fixed memory, about 1.5% relative error, values in
 * any unit the caller chooses (the runtime uses microseconds). Pure: callers measure, it counts.
 */
const SUB_BUCKETS = 64; // exact below 64; 32 buckets per power of two above
const MAGNITUDES = 40;

export class Histogram {
  private readonly counts = new Float64Array(SUB_BUCKETS * MAGNITUDES);
  private total = 0;
  private maxSeen = 0;
  private sum = 0;

  record(value: number): void {
    const v = value < 0 ? 0 : value;
    const b = Histogram.bucketOf(v);
    this.counts[b] = (this.counts[b] ?? 0) + 1;
    this.total++;
    this.sum += v;
    if (v > this.maxSeen) this.maxSeen = v;
  }

  get count(): number {
    return this.total;
  }
  get max(): number {
    return this.maxSeen;
  }
  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** The value at quantile q in [0, 1] (upper edge of its bucket, capped at the max seen). */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b] as number;
      if (seen >= rank) return Math.min(Histogram.upperEdge(b), this.maxSeen);
    }
    return this.maxSeen;
  }

  merge(other: Histogram): void {
    for (let b = 0; b < this.counts.length; b++) this.counts[b] = (this.counts[b] as number) + (other.counts[b] as number);
    this.total += other.total;
    this.sum += other.sum;
    this.maxSeen = Math.max(this.maxSeen, other.maxSeen);
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.maxSeen = 0;
  }

  private static bucketOf(v: number): number {
    if (v < SUB_BUCKETS) return Math.floor(v);
    const magnitude = Math.floor(Math.log2(v / SUB_BUCKETS)) + 1;
    const m = Math.min(magnitude, MAGNITUDES - 1);
    const sub = Math.min(SUB_BUCKETS - 1, Math.floor(v / 2 ** m) - SUB_BUCKETS / 2);
    return m * SUB_BUCKETS + Math.max(0, sub);
  }

  private static upperEdge(b: number): number {
    const m = Math.floor(b / SUB_BUCKETS);
    const sub = b % SUB_BUCKETS;
    if (m === 0) return sub + 1;
    return (sub + SUB_BUCKETS / 2 + 1) * 2 ** m;
  }
}
