/**
 * Maps keyed by integers that advance through a window — instance numbers, value ids — stored in
 * slot `key mod capacity` of two arrays that are replaced only when they grow.
 *
 * Why not a `Map`: a `Map` that keeps taking new keys and dropping old ones reallocates its hash
 * table every few dozen operations, and V8 links each replaced table to its successor (for live
 * iterators). Once one table of a long-lived map has been promoted to the old generation, the
 * dead old table keeps the next one alive through the following scavenges, that one the next, and
 * so on, each with every value it held: the young-generation collector copies and promotes all of
 * them (measured on the shared worker at 100,000 values/s: about 1.3 MB promoted per scavenge,
 * pauses of 6–16 ms, though almost none of it was reachable). Here a slot is overwritten in place.
 *
 * A key whose slot holds another live key doubles the capacity, up to `capacityMax`; past that it
 * waits in a small `Map` of its own. Iteration goes in slot order, then that `Map`: callers that
 * need keys in order sort them or walk the window.
 */
export class IntMap<K extends number, V> {
  private slotKeys: Float64Array;
  private vals: (V | undefined)[];
  private mask: number;
  private count = 0;
  private readonly spill = new Map<K, V>();

  constructor(
    capacity = 64,
    private readonly capacityMax = 1 << 20,
  ) {
    const n = powerOfTwo(Math.min(capacity, capacityMax));
    this.slotKeys = new Float64Array(n).fill(Number.NaN);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count + this.spill.size;
  }

  get(key: K): V | undefined {
    const k = this.slot(key);
    if (this.slotKeys[k] === key) return this.vals[k];
    return this.spill.size === 0 ? undefined : this.spill.get(key);
  }

  has(key: K): boolean {
    return this.slotKeys[this.slot(key)] === key || (this.spill.size !== 0 && this.spill.has(key));
  }

  set(key: K, value: V): this {
    for (;;) {
      const k = this.slot(key);
      const at = this.slotKeys[k] as number;
      if (at === key) {
        this.vals[k] = value;
        return this;
      }
      if (at !== at) {
        // NaN: a free slot. The key may wait in the spill map from when its slot was taken.
        if (this.spill.size !== 0 && this.spill.delete(key)) {
          this.spill.set(key, value);
          return this;
        }
        this.slotKeys[k] = key;
        this.vals[k] = value;
        this.count++;
        return this;
      }
      if (this.vals.length >= this.capacityMax) {
        this.spill.set(key, value);
        return this;
      }
      this.grow();
    }
  }

  delete(key: K): boolean {
    const k = this.slot(key);
    if (this.slotKeys[k] === key) {
      this.slotKeys[k] = Number.NaN;
      this.vals[k] = undefined;
      this.count--;
      return true;
    }
    return this.spill.size !== 0 && this.spill.delete(key);
  }

  clear(): void {
    if (this.count > 0) {
      this.slotKeys.fill(Number.NaN);
      this.vals.fill(undefined);
      this.count = 0;
    }
    this.spill.clear();
  }

  forEach(f: (value: V, key: K) => void): void {
    for (let k = 0; k < this.vals.length; k++) {
      const key = this.slotKeys[k] as K;
      if (key === key) f(this.vals[k] as V, key);
    }
    if (this.spill.size !== 0) for (const [key, v] of [...this.spill]) f(v, key);
  }

  *entries(): IterableIterator<[K, V]> {
    for (let k = 0; k < this.vals.length; k++) {
      const key = this.slotKeys[k] as K;
      if (key === key) yield [key, this.vals[k] as V];
    }
    if (this.spill.size !== 0) yield* [...this.spill];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /**
   * Consecutive keys take consecutive slots. Keys past 2^32 (value ids: a proposer's number above
   * its sequence numbers) mix their high part in, so that two proposers' sequences do not meet.
   */
  private slot(key: number): number {
    return (key <= 0xffff_ffff ? key : key + Math.imul(Math.floor(key / 0x1_0000_0000), 0x9e37_79b1)) & this.mask;
  }

  private grow(): void {
    const keys = this.slotKeys;
    const vals = this.vals;
    const n = vals.length * 2;
    this.slotKeys = new Float64Array(n).fill(Number.NaN);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
    for (let k = 0; k < vals.length; k++) {
      const key = keys[k] as number;
      if (key !== key) continue;
      const at = this.slot(key);
      this.slotKeys[at] = key;
      this.vals[at] = vals[k];
    }
    // Keys that waited for want of room may fit now.
    for (const [key, v] of [...this.spill]) {
      const k = this.slot(key);
      if (this.slotKeys[k] !== this.slotKeys[k]) {
        this.spill.delete(key);
        this.slotKeys[k] = key;
        this.vals[k] = v;
        this.count++;
      }
    }
  }
}

/** A set of integers kept the way `IntMap` keeps its keys. */
export class IntSet<K extends number = number> {
  private readonly map: IntMap<K, true>;

  constructor(capacity = 64, capacityMax = 1 << 20) {
    this.map = new IntMap<K, true>(capacity, capacityMax);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  add(key: K): this {
    this.map.set(key, true);
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  *[Symbol.iterator](): IterableIterator<K> {
    for (const [key] of this.map) yield key;
  }
}

function powerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
