/**
 * The fault-injection layer: sits between the datagram writer and the socket and loses,
 * duplicates, reorders and delays outgoing datagrams, for tests and for users who want to see
 * their deployment under faults. The kernel here has no netem, so the transport does it itself.
 *
 * Determinism: every datagram draws the same five numbers from one seeded PRNG (loss, duplicate,
 * reorder, delay of the datagram, delay of its copy) whatever the earlier outcomes, so datagram k
 * of a given send sequence meets the same faults on every run with that seed. Delays run on
 * timers, so what is decided is deterministic; when a delayed datagram leaves is the clock's.
 */
import { Prng } from '../../src/protocol/prng.ts';
import type { ResolvedFaultOptions } from './fault-options.ts';

/** What the injector needs from the layer below: send now, give up, or make a second copy. */
export interface FaultSink<D extends { readonly length: number }> {
  send(datagram: D): void;
  discard(datagram: D): void;
  copy(datagram: D): D;
}

export interface FaultCounters {
  lost: number;
  duplicated: number;
  reordered: number;
  delayed: number;
  /** Held or delayed datagrams still waiting when the injector was closed. */
  discardedAtClose: number;
}

export const faultCountersZero = (): FaultCounters => ({ lost: 0, duplicated: 0, reordered: 0, delayed: 0, discardedAtClose: 0 });

interface Decision {
  readonly lost: boolean;
  readonly duplicated: boolean;
  readonly reordered: boolean;
  readonly delayMs: number;
  readonly copyDelayMs: number;
}

export class FaultInjector<D extends { readonly length: number }> {
  readonly counters: FaultCounters = faultCountersZero();
  private readonly prng: Prng;
  private held: D | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  private readonly delayed = new Map<NodeJS.Timeout, D>();
  private waitingBytes = 0;

  constructor(
    private readonly options: ResolvedFaultOptions,
    private readonly sink: FaultSink<D>,
  ) {
    this.prng = new Prng(options.seed);
  }

  /** Bytes held back or delayed: part of the transport's queued bytes. */
  get pendingBytes(): number {
    return this.waitingBytes;
  }

  submit(datagram: D): void {
    const d = this.decide();
    if (d.lost) {
      this.counters.lost++;
      this.sink.discard(datagram);
      return;
    }
    const heldBefore = this.held;
    if (d.reordered && heldBefore === null) this.hold(datagram);
    else this.dispatch(datagram, d.delayMs);
    if (d.duplicated) {
      this.counters.duplicated++;
      this.dispatch(this.sink.copy(datagram), d.copyDelayMs);
    }
    // The datagram held back by an earlier submit leaves now, after this one: a reordering.
    if (heldBefore !== null) this.releaseHeld();
  }

  /** Discards what is held or delayed; the transport is closing. */
  close(): void {
    if (this.heldTimer !== null) clearTimeout(this.heldTimer);
    if (this.held !== null) this.discardWaiting(this.held);
    this.held = null;
    for (const [timer, datagram] of this.delayed) {
      clearTimeout(timer);
      this.discardWaiting(datagram);
    }
    this.delayed.clear();
  }

  private decide(): Decision {
    const o = this.options;
    const p = this.prng;
    const lost = p.next() < o.lossRate;
    const duplicated = p.next() < o.duplicateRate;
    const reordered = p.next() < o.reorderRate;
    const span = o.delayMsMax - o.delayMsMin + 1;
    const delayMs = o.delayMsMin + p.below(span);
    const copyDelayMs = o.delayMsMin + p.below(span);
    return { lost, duplicated, reordered, delayMs, copyDelayMs };
  }

  private dispatch(datagram: D, delayMs: number): void {
    if (delayMs === 0) {
      this.sink.send(datagram);
      return;
    }
    this.counters.delayed++;
    this.waitingBytes += datagram.length;
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.waitingBytes -= datagram.length;
      this.sink.send(datagram);
    }, delayMs);
    this.delayed.set(timer, datagram);
  }

  private hold(datagram: D): void {
    this.counters.reordered++;
    this.held = datagram;
    this.waitingBytes += datagram.length;
    // Without a next datagram the held one would wait forever: it leaves after reorderHoldMs.
    this.heldTimer = setTimeout(() => this.releaseHeld(), this.options.reorderHoldMs);
  }

  private releaseHeld(): void {
    const datagram = this.held;
    if (datagram === null) return;
    if (this.heldTimer !== null) clearTimeout(this.heldTimer);
    this.held = null;
    this.heldTimer = null;
    this.waitingBytes -= datagram.length;
    this.sink.send(datagram);
  }

  private discardWaiting(datagram: D): void {
    this.counters.discardedAtClose++;
    this.waitingBytes -= datagram.length;
    this.sink.discard(datagram);
  }
}
