/**
 * One doorbell per host thread: a host that drains several inbound rings sleeps on its own bell,
 * and a producer rings it after publishing frames, only when the host says it is asleep.
 *
 * Layout: Int32 pairs [sequence, sleeping] per host. The sleeper reads the sequence BEFORE it
 * announces sleep and re-checks its rings, so a frame published in between either shows up in the
 * re-check or bumps the sequence and makes the wait return at once: no lost wake-ups.
 */
export class Doorbells {
  readonly sab: SharedArrayBuffer;
  private readonly words: Int32Array;

  constructor(sabOrHosts: SharedArrayBuffer | number) {
    this.sab = typeof sabOrHosts === 'number' ? new SharedArrayBuffer(sabOrHosts * 8) : sabOrHosts;
    this.words = new Int32Array(this.sab);
  }

  /** Wakes `host` if it sleeps. */
  ring(host: number): void {
    const w = this.words;
    if (Atomics.load(w, host * 2 + 1) === 0) return;
    Atomics.add(w, host * 2, 1);
    Atomics.notify(w, host * 2);
  }

  /** Sleeps (blocking the thread) until rung or `timeoutMs`, unless `hasWork()` says otherwise. */
  sleep(host: number, timeoutMs: number, hasWork: () => boolean): void {
    const w = this.words;
    const seq = Atomics.load(w, host * 2);
    Atomics.store(w, host * 2 + 1, 1);
    if (!hasWork()) Atomics.wait(w, host * 2, seq, timeoutMs);
    Atomics.store(w, host * 2 + 1, 0);
  }

  /** Like sleep() without blocking the event loop: for threads that own sockets and timers. */
  async sleepAsync(host: number, timeoutMs: number, hasWork: () => boolean): Promise<void> {
    const w = this.words;
    const seq = Atomics.load(w, host * 2);
    Atomics.store(w, host * 2 + 1, 1);
    if (!hasWork()) {
      const r = Atomics.waitAsync(w, host * 2, seq, timeoutMs);
      if (r.async) await r.value;
    }
    Atomics.store(w, host * 2 + 1, 0);
  }
}
