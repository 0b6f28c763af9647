/**
 * Supervision arithmetic, as pure functions of the current time (OTP): which children a crash
 * restarts, whether the restart intensity is exceeded, and how long to back off. Tested without
 * threads.
 */
import { ConfigError } from '../../src/errors.ts';

export type Strategy = 'one_for_one' | 'one_for_all';
/** permanent: always restarted; transient: only after a crash; temporary: never. */
export type RestartKind = 'permanent' | 'transient' | 'temporary';
export type ExitReason = 'normal' | 'crash';

export interface SupervisorOptions {
  readonly strategy: Strategy;
  /** At most this many restarts within `periodMs`; one more and the supervisor gives up. */
  readonly intensity: number;
  readonly periodMs: number;
  /** Backoff before the n-th consecutive restart: min(backoffMaxMs, backoffMinMs * 2^(n-1)), ± jitter. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** Fraction of the backoff drawn at random either way, so that restarts do not synchronise. */
  readonly backoffJitter: number;
  /** An actor whose thread has not shown progress for this long is taken as hung and restarted. */
  readonly watchdogMs: number;
}

export const DEFAULT_SUPERVISOR_OPTIONS: SupervisorOptions = Object.freeze({
  strategy: 'one_for_one',
  intensity: 10,
  periodMs: 10_000,
  backoffMinMs: 10,
  backoffMaxMs: 2_000,
  backoffJitter: 0.2,
  watchdogMs: 5_000,
});

export function resolveSupervisorOptions(partial: Partial<SupervisorOptions> = {}, path = 'supervisor'): SupervisorOptions {
  // Object.hasOwn, not `in`: `in` would accept inherited names such as `toString` as options.
  for (const k of Object.keys(partial)) if (!Object.hasOwn(DEFAULT_SUPERVISOR_OPTIONS, k)) throw new ConfigError(`${path}.${k}`, 'unknown option');
  const o = { ...DEFAULT_SUPERVISOR_OPTIONS, ...partial };
  if (o.strategy !== 'one_for_one' && o.strategy !== 'one_for_all') throw new ConfigError(`${path}.strategy`, 'must be one_for_one or one_for_all');
  for (const k of ['intensity', 'periodMs', 'backoffMinMs', 'backoffMaxMs', 'watchdogMs'] as const) {
    if (!Number.isSafeInteger(o[k]) || o[k] < 0) throw new ConfigError(`${path}.${k}`, `must be a non-negative integer, got ${JSON.stringify(o[k])}`);
  }
  if (o.periodMs === 0) throw new ConfigError(`${path}.periodMs`, 'must be positive');
  if (o.backoffMaxMs < o.backoffMinMs) throw new ConfigError(`${path}.backoffMaxMs`, 'must be at least backoffMinMs');
  if (!(o.backoffJitter >= 0 && o.backoffJitter < 1)) throw new ConfigError(`${path}.backoffJitter`, 'must be in [0, 1)');
  return Object.freeze(o);
}

/** Whether a child that exited for `reason` is restarted at all. */
export function shouldRestart(kind: RestartKind, reason: ExitReason): boolean {
  return kind === 'permanent' || (kind === 'transient' && reason === 'crash');
}

/** Restart times within the period, kept as a sliding window. */
export class RestartWindow {
  private times: number[] = [];
  constructor(private readonly opts: Pick<SupervisorOptions, 'intensity' | 'periodMs'>) {}

  /** Records a restart at `nowMs`; false when that exceeds the intensity (give up and escalate). */
  admit(nowMs: number): boolean {
    this.times = this.times.filter((t) => nowMs - t < this.opts.periodMs);
    this.times.push(nowMs);
    return this.times.length <= this.opts.intensity;
  }
  /** Restarts counted in the current window. */
  recent(nowMs: number): number {
    return this.times.filter((t) => nowMs - t < this.opts.periodMs).length;
  }
}

/** Backoff before the `attempt`-th consecutive restart (1-based); `random` in [0, 1). */
export function backoffMs(opts: Pick<SupervisorOptions, 'backoffMinMs' | 'backoffMaxMs' | 'backoffJitter'>, attempt: number, random: number): number {
  const base = Math.min(opts.backoffMaxMs, opts.backoffMinMs * 2 ** Math.max(0, attempt - 1));
  const jitter = base * opts.backoffJitter * (2 * random - 1);
  return Math.max(0, Math.round(base + jitter));
}

/** The children a crash of `crashed` takes down with it. */
export function restartSet<T>(strategy: Strategy, crashed: T, children: readonly T[]): T[] {
  return strategy === 'one_for_one' ? [crashed] : [...children];
}
