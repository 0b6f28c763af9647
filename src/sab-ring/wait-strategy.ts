/**
 * How an endpoint waits when it is out of data (consumer) or out of space (producer).
 *
 * - `spin`: poll until ready. Lowest latency; holds a core the whole time, so only for a thread
 *   the scheduler lets busy-poll (on 2 cores, a spinner beside a busy thread halves it).
 * - `wait`: `Atomics.wait`, a blocking futex sleep. For threads with no event loop work to do.
 * - `spin-then-wait`: poll `spinBudget` times, then `Atomics.wait`. Catches the frame that is
 *   about to arrive without paying a wake-up, and does not burn a core when the other side is idle.
 * - `wait-async`: poll `spinBudget` times (default 0), then `Atomics.waitAsync`. For threads that
 *   own sockets and timers: the event loop keeps running while the endpoint waits. Node does not
 *   count a pending `Atomics.waitAsync` as work, so a thread whose only pending work is that wait
 *   would exit; with `keepAlive` (default on) the endpoint holds a ref'd timer for the duration.
 *
 * Sleeping is announced in a sleepers word *before* the last readiness check, and the other side
 * only calls `Atomics.notify` when that word is non-zero: notifying costs a lock inside V8, and
 * with the announcement first a wake-up cannot be lost (see Waiter).
 */
import { RingStateError } from './ring-errors.ts';

export type WaitStrategy =
  | { readonly kind: 'spin' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'spin-then-wait'; readonly spinBudget?: number }
  | { readonly kind: 'wait-async'; readonly spinBudget?: number };

export type WaitStrategyKind = WaitStrategy['kind'];

/** Polls before sleeping for `spin-then-wait`: a few µs here, well under the cost of one wake-up. */
export const SPIN_BUDGET_DEFAULT = 500;

/** Polls between two clock reads while spinning with a finite timeout. */
const POLLS_PER_CLOCK_READ = 1_024;

/** beforeSleep() results that are not a sleep duration. */
const READY = -1;
const TIMED_OUT = 0;

/** `Atomics.waitAsync` is ES2024; the project's lib is ES2023, so it is typed here. */
type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsyncFn = (i32: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;
const atomicsWaitAsync = (Atomics as unknown as { waitAsync?: WaitAsyncFn }).waitAsync;

/** The largest delay timers take without clamping it to 1 ms. */
const KEEP_ALIVE_INTERVAL_MS = 2 ** 31 - 1;
type TimerHandle = ReturnType<typeof setInterval> & { ref?: () => unknown; unref?: () => unknown };

/**
 * Keeps the event loop alive while async waits are pending: one interval timer per endpoint,
 * created on first use, ref'd while at least one wait is pending and unref'd otherwise
 * (toggling a ref costs a counter update; creating a timer per wait would cost more).
 */
class KeepAlive {
  private timer: TimerHandle | undefined;
  private holders = 0;

  hold(): void {
    this.holders += 1;
    if (this.holders > 1) return;
    this.timer ??= setInterval(noop, KEEP_ALIVE_INTERVAL_MS) as TimerHandle;
    this.timer.ref?.();
  }

  release(): void {
    this.holders -= 1;
    if (this.holders === 0) this.timer?.unref?.();
  }

  dispose(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function noop(): void {}

/** What a Waiter needs from its endpoint. `ready()` re-reads the other side's index. */
export interface WaitTarget {
  readonly header: Int32Array;
  /** Word the other side changes and notifies when this side may proceed. */
  readonly wakeWord: number;
  /** Word counting this side's sleepers; the other side notifies only when it is non-zero. */
  readonly sleepersWord: number;
  ready(): boolean;
}

/**
 * Runs a wait strategy against one endpoint. The lost-wake-up argument: the sleeper increments
 * `sleepersWord`, then reads `wakeWord`, then re-checks `ready()`, then sleeps on `wakeWord` only
 * if it still holds the value read. The other side publishes its index, then reads
 * `sleepersWord`. Atomics are sequentially consistent, so either the re-check sees the new index,
 * or the other side sees the sleeper and changes/notifies `wakeWord` (which makes the sleep
 * return at once if it has not started yet).
 */
export class Waiter {
  private readonly spinBudget: number;
  private readonly keepAlive: KeepAlive | undefined;
  private wakeValue = 0;

  constructor(
    private readonly target: WaitTarget,
    readonly strategy: WaitStrategy,
    keepAlive: boolean,
  ) {
    this.spinBudget = spinBudgetOf(strategy);
    this.keepAlive = strategy.kind === 'wait-async' && keepAlive ? new KeepAlive() : undefined;
  }

  /** Blocks until ready (true) or until `timeoutMs` passes (false). */
  waitSync(timeoutMs: number): boolean {
    if (this.strategy.kind === 'wait-async') {
      throw new RingStateError('a wait-async endpoint waits with the *Async() methods');
    }
    const deadlineMs = deadlineOf(timeoutMs);
    if (this.spin(deadlineMs)) return true;
    if (this.strategy.kind === 'spin') return false;
    const { header, wakeWord, sleepersWord } = this.target;
    Atomics.add(header, sleepersWord, 1);
    try {
      for (;;) {
        const sleepMs = this.beforeSleep(deadlineMs);
        if (sleepMs <= 0) return sleepMs === READY;
        Atomics.wait(header, wakeWord, this.wakeValue, sleepMs);
      }
    } finally {
      Atomics.sub(header, sleepersWord, 1);
    }
  }

  /** Resolves true when ready, false when `timeoutMs` passes; never blocks the event loop. */
  async waitAsync(timeoutMs: number): Promise<boolean> {
    if (this.strategy.kind !== 'wait-async') {
      throw new RingStateError(`a ${this.strategy.kind} endpoint waits with the sync methods`);
    }
    if (atomicsWaitAsync === undefined) throw new RingStateError('Atomics.waitAsync is missing');
    const deadlineMs = deadlineOf(timeoutMs);
    if (this.spin(deadlineMs)) return true;
    const { header, wakeWord, sleepersWord } = this.target;
    Atomics.add(header, sleepersWord, 1);
    this.keepAlive?.hold();
    try {
      for (;;) {
        const sleepMs = this.beforeSleep(deadlineMs);
        if (sleepMs <= 0) return sleepMs === READY;
        const result = atomicsWaitAsync(header, wakeWord, this.wakeValue, sleepMs);
        if (result.async) await result.value;
      }
    } finally {
      this.keepAlive?.release();
      Atomics.sub(header, sleepersWord, 1);
    }
  }

  close(): void {
    this.keepAlive?.dispose();
  }

  /**
   * One round of the sleep loop, run with this side already counted in the sleepers word: read the
   * wake word, then re-check readiness. Returns READY, TIMED_OUT, or how long to sleep on
   * `wakeValue` (a wake word changed since this read makes the sleep return at once).
   */
  private beforeSleep(deadlineMs: number): number {
    this.wakeValue = Atomics.load(this.target.header, this.target.wakeWord);
    if (this.target.ready()) return READY;
    const remainingMs = deadlineMs - performance.now();
    return remainingMs > 0 ? remainingMs : TIMED_OUT;
  }

  /** Polls up to the spin budget (or until the deadline); true as soon as ready. */
  private spin(deadlineMs: number): boolean {
    const target = this.target;
    if (target.ready()) return true;
    const checksClock = deadlineMs !== Infinity;
    for (let polls = 1; polls <= this.spinBudget; polls++) {
      if (target.ready()) return true;
      if (checksClock && polls % POLLS_PER_CLOCK_READ === 0 && performance.now() >= deadlineMs) {
        return false;
      }
    }
    return false;
  }
}

function spinBudgetOf(strategy: WaitStrategy): number {
  switch (strategy.kind) {
    case 'spin':
      return Infinity;
    case 'wait':
      return 0;
    case 'spin-then-wait':
      return strategy.spinBudget ?? SPIN_BUDGET_DEFAULT;
    case 'wait-async':
      return strategy.spinBudget ?? 0;
  }
}

function deadlineOf(timeoutMs: number): number {
  return timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
}
