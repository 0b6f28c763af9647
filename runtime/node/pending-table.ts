/**
 * Entries keyed by request ids handed out in sequence (1, 2, 3, … wrapping), such as the API's
 * outstanding proposals. An entry sits in slot `id & mask` of an array; a Map keyed by number
 * cost the main thread more than a hundred bytes of garbage per value in rehashed tables at
 * 150,000 values/s, and with them the scavenges that stalled its event loop. When a slot is
 * taken by a much older entry, the table doubles up to `capacityMax`; past that, the older
 * entry moves to a small Map of stragglers, so one request that waits a long time costs nothing
 * to the others.
 */
export class PendingTable<T> {
  private ids: Float64Array;
  private entries: (T | undefined)[];
  private mask: number;
  private readonly stragglers = new Map<number, T>();
  private count = 0;

  constructor(
    capacity: number,
    private readonly capacityMax: number,
  ) {
    const n = PendingTable.powerOfTwo(Math.min(capacity, capacityMax));
    this.ids = new Float64Array(n);
    this.entries = new Array<T | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  set(id: number, entry: T): void {
    for (;;) {
      const k = id & this.mask;
      const old = this.entries[k];
      if (old === undefined) {
        this.ids[k] = id;
        this.entries[k] = entry;
        this.count++;
        return;
      }
      if (this.entries.length < this.capacityMax) this.grow();
      else {
        this.stragglers.set(this.ids[k] as number, old);
        this.entries[k] = undefined;
      }
    }
  }

  /** Removes and returns the entry of `id`, if any. */
  take(id: number): T | undefined {
    const k = id & this.mask;
    const e = this.entries[k];
    if (e !== undefined && this.ids[k] === id) {
      this.entries[k] = undefined;
      this.count--;
      return e;
    }
    if (this.stragglers.size === 0) return undefined;
    const s = this.stragglers.get(id);
    if (s !== undefined) {
      this.stragglers.delete(id);
      this.count--;
    }
    return s;
  }

  /** Removes and returns every entry for which `pick` is true (all of them without `pick`). */
  takeAll(pick?: (entry: T) => boolean): T[] {
    const out: T[] = [];
    for (let k = 0; k < this.entries.length; k++) {
      const e = this.entries[k];
      if (e === undefined || (pick !== undefined && !pick(e))) continue;
      this.entries[k] = undefined;
      out.push(e);
    }
    for (const [id, e] of this.stragglers) {
      if (pick !== undefined && !pick(e)) continue;
      this.stragglers.delete(id);
      out.push(e);
    }
    this.count -= out.length;
    return out;
  }

  private grow(): void {
    const ids = this.ids;
    const entries = this.entries;
    const n = entries.length * 2;
    this.ids = new Float64Array(n);
    this.entries = new Array<T | undefined>(n).fill(undefined);
    this.mask = n - 1;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (e === undefined) continue;
      const id = ids[k] as number;
      this.ids[id & this.mask] = id;
      this.entries[id & this.mask] = e;
    }
  }

  private static powerOfTwo(n: number): number {
    let p = 1;
    while (p < n) p *= 2;
    return p;
  }
}
