/**
 * Entries keyed by request ids handed out in sequence (1, 2, 3, … wrapping), such as the API's
 * outstanding proposals: an IntMap (slot `id mod capacity`, doubling up to `capacityMax` when two
 * live ids meet), with the taking the API needs. A Map keyed by number cost the main thread more
 * than a hundred bytes of garbage per value in rehashed tables at 150,000 values/s, and with them
 * the scavenges that stalled its event loop. An id whose slot is still held by a much older one
 * once the table is at its largest waits in IntMap's small Map, so one request that waits a long
 * time costs nothing to the others.
 */
import { IntMap } from '../../src/protocol/int-map.ts';

export class PendingTable<T> {
  private readonly map: IntMap<number, T>;

  constructor(capacity: number, capacityMax: number) {
    this.map = new IntMap<number, T>(capacity, capacityMax);
  }

  get size(): number {
    return this.map.size;
  }

  set(id: number, entry: T): void {
    this.map.set(id, entry);
  }

  /** Removes and returns the entry of `id`, if any. */
  take(id: number): T | undefined {
    const e = this.map.get(id);
    if (e !== undefined) this.map.delete(id);
    return e;
  }

  /** Removes and returns every entry for which `pick` is true (all of them without `pick`). */
  takeAll(pick?: (entry: T) => boolean): T[] {
    const out: T[] = [];
    this.map.forEach((e, id) => {
      if (pick !== undefined && !pick(e)) return;
      this.map.delete(id);
      out.push(e);
    });
    return out;
  }
}
