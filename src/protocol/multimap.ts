/** Keys a ListsByKey keeps while their lists are empty; past it the idle ones go. */
const KEYS_KEPT_MAX = 256;

/**
 * Lists kept per key (a destination), handed over and started afresh by `drain`. The keys stay:
 * a `Map` cleared on every flush allocates a new table each time, and V8 links the cleared table
 * to its successor, so one cleared table that had reached the old generation kept every later
 * table alive through scavenges, each with the lists it held (see int-map.ts).
 */
export class ListsByKey<K, T> {
  private readonly lists = new Map<K, T[]>();
  private items = 0;

  /** Items waiting in all lists. */
  get size(): number {
    return this.items;
  }

  append(key: K, item: T): void {
    const list = this.lists.get(key);
    if (list === undefined) this.lists.set(key, [item]);
    else list.push(item);
    this.items++;
  }

  /** Hands each non-empty list to `f` (which may keep it) and starts that key's list afresh. */
  drain(f: (key: K, list: T[]) => void): void {
    if (this.items === 0) return;
    this.items = 0;
    for (const [key, list] of this.lists) {
      if (list.length === 0) continue;
      this.lists.set(key, []);
      f(key, list);
    }
    // Keys come from the ring's membership; should many others come, the idle ones go.
    if (this.lists.size > KEYS_KEPT_MAX) for (const [key, list] of this.lists) if (list.length === 0) this.lists.delete(key);
  }

  forEachItem(f: (item: T) => void): void {
    if (this.items === 0) return;
    for (const list of this.lists.values()) for (const item of list) f(item);
  }
}
