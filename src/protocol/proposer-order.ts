/**
 * The leader's per-proposer order: it queues each proposer's runs in the order of their ids, so
 * that the values of one proposer are decided — and delivered — in the order proposed, even when
 * a Submit is lost and its run comes back later with a retry.
 *
 * A run that comes before its predecessor (same proposer and epoch, ids just below) is held until
 * the predecessor arrives, for at most `holdTicks`: a proposer that died before it retried a lost
 * run leaves a gap that nothing will fill, and its later runs must not wait forever. A run below
 * what was already queued is a retry of one the leader has taken (decided, perhaps acked with the
 * ack lost): it is queued again, and learners drop the duplicate.
 *
 * What a leader knows starts with its lead: the first run it gets from a (proposer, epoch) sets the
 * baseline. So order holds across lost messages and the leader's own re-proposals, but not across
 * a change of leader: a run the old leader had taken and lost can come back after later ones.
 */
import { EPOCH_SEQS, type ValueId } from './ids.ts';
import type { ValueRun } from './runs.ts';

interface Held {
  readonly run: ValueRun;
  readonly since: number;
}

interface Stream {
  /** The first id of the next run to queue. */
  next: number;
  readonly held: Map<number, Held>;
}

export class ProposerOrder {
  /** Keyed by proposer * 256 + epoch (the value id's top bits), in order of last use. */
  private readonly streams = new Map<number, Stream>();
  private heldValues = 0;

  constructor(
    private readonly holdTicks: number,
    private readonly streamsMax: number,
  ) {}

  /** Values held for a missing predecessor. */
  get held(): number {
    return this.heldValues;
  }

  isHeld(first: ValueId): boolean {
    return this.streams.get(streamOf(first))?.held.has(first) ?? false;
  }

  /**
   * Takes a run; calls `queue` with it and with every held run it releases, in order. Returns
   * false when the run is to be held but `canHold(count)` refuses.
   */
  offer(run: ValueRun, now: number, canHold: (values: number) => boolean, queue: (r: ValueRun) => void): boolean {
    const key = streamOf(run.first);
    let s = this.streams.get(key);
    if (s === undefined) {
      s = { next: run.first, held: new Map() };
      this.remember(key, s);
    } else if (this.streams.size > 1) {
      this.streams.delete(key);
      this.streams.set(key, s);
    }
    if (run.first < s.next) {
      queue(run);
      return true;
    }
    if (run.first > s.next) {
      if (s.held.has(run.first)) return true;
      if (!canHold(run.count)) return false;
      s.held.set(run.first, { run, since: now });
      this.heldValues += run.count;
      return true;
    }
    queue(run);
    s.next = run.first + run.count;
    this.release(s, queue);
    return true;
  }

  /** Gives up on gaps older than holdTicks: the runs after them are queued. */
  expire(now: number, queue: (r: ValueRun) => void): void {
    if (this.heldValues === 0) return;
    for (const s of this.streams.values()) {
      if (s.held.size === 0) continue;
      let oldest = Infinity;
      let lowest = Infinity;
      for (const [first, h] of s.held) {
        oldest = Math.min(oldest, h.since);
        lowest = Math.min(lowest, first);
      }
      if (now - oldest < this.holdTicks) continue;
      s.next = lowest;
      this.release(s, queue);
    }
  }

  clear(): void {
    this.streams.clear();
    this.heldValues = 0;
  }

  private release(s: Stream, queue: (r: ValueRun) => void): void {
    for (let h = s.held.get(s.next); h !== undefined; h = s.held.get(s.next)) {
      s.held.delete(s.next);
      this.heldValues -= h.run.count;
      queue(h.run);
      s.next = h.run.first + h.run.count;
    }
  }

  /** Adds a stream, forgetting the one unused longest (with nothing held) past streamsMax. */
  private remember(key: number, s: Stream): void {
    if (this.streams.size >= this.streamsMax) {
      for (const [k, old] of this.streams) {
        if (old.held.size > 0) continue;
        this.streams.delete(k);
        break;
      }
    }
    this.streams.set(key, s);
  }
}

const streamOf = (first: ValueId): number => Math.floor(first / EPOCH_SEQS);
