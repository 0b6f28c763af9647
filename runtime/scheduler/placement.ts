/**
 * The placement policy, pure: which actors get a dedicated thread and which share one, which
 * threads may busy-poll, and which CPU each hot thread is pinned to. On a machine with C cores a
 * spinner holds its core for a whole time slice, so at most C - 2 threads spin: the main thread,
 * which runs the program and the API, needs a core, and so do V8's helper threads (concurrent
 * marking, parallel scavenges, sweeping), which work for every JavaScript thread — measured on
 * 2 cores with the whole ring on one worker thread, a spinning worker used 2.0 µs of CPU per
 * 1 KB value against 1.2 µs when it slept while idle, for the same throughput. Only hot actors
 * spin (the coordinator and the acceptors that forward Phase 2 along the ring), and a thread
 * spins without ever sleeping only while every thread, the main one included, has a core of its
 * own. The hot threads are pinned (at most C - 1 of them, from the last CPU down, leaving CPU 0
 * to the main thread), whether they spin or not.
 */
import { ConfigError } from '../../src/errors.ts';

export type PlacementMode = 'dedicated' | 'shared';
/** `async`: waits without blocking the event loop (a thread that owns sockets, like the UDP gateway). */
export type WaitKind = 'spin' | 'spin-then-wait' | 'block' | 'async';

export interface ActorToPlace {
  readonly name: string;
  /** On the hot ring-forwarding path. */
  readonly hot: boolean;
  /** Actors with the same group share a thread in `shared` mode; omitted: the policy decides. */
  readonly group?: string;
  /** The hottest of the hot (the leading coordinator): its thread is first to get a spinning core. */
  readonly spinFirst?: boolean;
}

export interface ThreadPlan {
  readonly index: number;
  readonly actors: readonly string[];
  readonly wait: WaitKind;
  /** CPU to pin this thread to, or null. */
  readonly cpu: number | null;
}

export interface PlacementOptions {
  readonly mode: PlacementMode;
  readonly cores: number;
  /** Threads `shared` mode spreads actors over (default: the number of cores). */
  readonly threads?: number;
  /** Let hot threads busy-poll (bounded by `cores`); otherwise every thread blocks when idle. */
  readonly spin: boolean;
  readonly pin: boolean;
}

export function planPlacement(actors: readonly ActorToPlace[], o: PlacementOptions): ThreadPlan[] {
  if (!Number.isSafeInteger(o.cores) || o.cores < 1) throw new ConfigError('placement.cores', 'must be a positive integer');
  const names = new Set(actors.map((a) => a.name));
  if (names.size !== actors.length) throw new ConfigError('placement', 'two actors share a name');
  const groups = o.mode === 'dedicated' ? actors.map((a) => [a]) : shareThreads(actors, o.threads ?? o.cores);
  // The thread with the most hot actors spins first (the coordinator's, in shared placement).
  const hot = groups
    .map((g, i) => ({ i, hot: g.some((a) => a.hot), weight: g.filter((a) => a.hot).length + (g.some((a) => a.spinFirst === true) ? 10 : 0) }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i);
  const hotOrder = hot.filter((h) => h.hot).map((h) => h.i);
  const spinners = new Set(hotOrder.slice(0, o.spin ? Math.max(0, o.cores - 2) : 0));
  const pinned = new Map(hotOrder.slice(0, o.pin ? Math.max(0, o.cores - 1) : 0).map((i, k) => [i, o.cores - 1 - k]));
  const spinKind: WaitKind = groups.length + 1 <= o.cores ? 'spin' : 'spin-then-wait';
  return groups.map((g, i) => {
    const wait: WaitKind = spinners.has(i) ? spinKind : 'block';
    return { index: i, actors: g.map((a) => a.name), wait, cpu: pinned.get(i) ?? null };
  });
}

/** Explicit groups first; the rest dealt round-robin, hot actors spread before cold ones. */
function shareThreads(actors: readonly ActorToPlace[], threads: number): ActorToPlace[][] {
  if (!Number.isSafeInteger(threads) || threads < 1) throw new ConfigError('placement.threads', 'must be a positive integer');
  const out: ActorToPlace[][] = [];
  const byGroup = new Map<string, ActorToPlace[]>();
  for (const a of actors) {
    if (a.group === undefined) continue;
    const g = byGroup.get(a.group) ?? [];
    g.push(a);
    byGroup.set(a.group, g);
  }
  out.push(...byGroup.values());
  const free = actors.filter((a) => a.group === undefined);
  const slots = Math.max(1, threads - out.length);
  const dealt: ActorToPlace[][] = Array.from({ length: Math.min(slots, free.length) }, () => []);
  const ordered = [...free.filter((a) => a.hot), ...free.filter((a) => !a.hot)];
  ordered.forEach((a, k) => dealt[k % dealt.length]?.push(a));
  out.push(...dealt);
  return out;
}
