/**
 * Which client value ids a learner has delivered. A value id is (proposer, sequence), and the
 * sequence number is an 8-bit epoch over a 24-bit counter: a proposer takes a new epoch when it
 * restarts (and when its counter wraps). Each (proposer, epoch) has its own window: the highest
 * counter seen and a bitmap of the `window` counters below it. A proposer keeps every value it has
 * outstanding within `proposerValuesInFlightMax <= window` sequence numbers of its newest (the
 * span, not only the count: Proposer.withinSpan), so a counter below the window can only be a late
 * copy of one already delivered. Values of an old epoch may still be decided
 * after values of the new one: they are judged against their own epoch's window.
 *
 * The learner asks about runs (runs.ts) by their first id: a run is never split, so its first id
 * stands for all of its values, and the window argument holds for first ids as well.
 */
import { type ValueId } from './ids.ts';

const COUNTER_SPAN = 2 ** 24;

interface EpochWindow {
  counterMax: number;
  bits: Uint8Array;
}

export class DedupTable {
  /** Keyed by proposer * 256 + epoch, in order of last use. */
  private readonly epochs = new Map<number, EpochWindow>();
  private lastKey = -1;

  constructor(
    private readonly window: number,
    private readonly epochsMax: number,
  ) {}

  /**
   * True the first time `id` is seen; false for a duplicate. Past `epochsMax` (proposer, epoch)
   * pairs, the one silent longest is forgotten: it has been silent too long to have retries left.
   */
  firstTime(id: ValueId): boolean {
    const key = Math.floor(id / COUNTER_SPAN);
    const counter = id % COUNTER_SPAN;
    let w = this.epochs.get(key);
    if (w !== undefined && key !== this.lastKey) {
      // Keep the map in order of last use, so that the first entry is the one silent longest.
      this.epochs.delete(key);
      this.epochs.set(key, w);
    }
    this.lastKey = key;
    if (w === undefined) {
      if (this.epochs.size >= this.epochsMax) {
        const oldest = this.epochs.keys().next();
        if (oldest.done !== true) this.epochs.delete(oldest.value);
      }
      w = { counterMax: -1, bits: new Uint8Array(Math.ceil(this.window / 8)) };
      this.epochs.set(key, w);
    }
    if (counter > w.counterMax) {
      this.advance(w, counter);
      this.set(w, counter);
      return true;
    }
    if (counter <= w.counterMax - this.window) return false;
    if (this.has(w, counter)) return false;
    this.set(w, counter);
    return true;
  }

  /** (proposer, epoch) pairs tracked. */
  get proposerCount(): number {
    return this.epochs.size;
  }

  private advance(w: EpochWindow, counter: number): void {
    const clearFrom = Math.max(w.counterMax + 1, counter - this.window + 1);
    for (let s = clearFrom; s <= counter; s++) this.clear(w, s);
    w.counterMax = counter;
  }
  private has(w: EpochWindow, counter: number): boolean {
    const bit = counter % this.window;
    return ((w.bits[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
  }
  private set(w: EpochWindow, counter: number): void {
    const bit = counter % this.window;
    w.bits[bit >> 3] = (w.bits[bit >> 3] ?? 0) | (1 << (bit & 7));
  }
  private clear(w: EpochWindow, counter: number): void {
    const bit = counter % this.window;
    w.bits[bit >> 3] = (w.bits[bit >> 3] ?? 0) & ~(1 << (bit & 7));
  }
}
