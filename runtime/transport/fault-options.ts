/**
 * Options of the fault-injection layer: what it does to outgoing datagrams, and from which seed.
 * Kept apart from the transport options so that tests and tools can build an injector alone.
 */
import { ConfigError } from '../../src/errors.ts';
import { integerIn, objectOf } from './option-checks.ts';

export interface FaultOptions {
  /** Probability that a datagram is dropped instead of sent. */
  readonly lossRate?: number;
  /** Probability that a datagram is sent twice. */
  readonly duplicateRate?: number;
  /** Probability that a datagram is held back and sent after the next one. */
  readonly reorderRate?: number;
  /** Each datagram waits a uniform whole number of ms in [min, max] before it leaves. */
  readonly delayMs?: { readonly min: number; readonly max: number };
  /** The PRNG seed: the same seed and the same sequence of datagrams give the same faults. */
  readonly seed: number;
  /** A held-back datagram leaves after at most this long if no next one comes (default 5 ms). */
  readonly reorderHoldMs?: number;
}

export interface ResolvedFaultOptions {
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly reorderRate: number;
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  readonly seed: number;
  readonly reorderHoldMs: number;
}

const DELAY_MS_MAX = 60_000;

function rateOf(field: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ConfigError(field, `must be a number from 0 to 1, got ${JSON.stringify(v)}`);
  return v;
}

export function resolveFaultOptions(v: unknown): ResolvedFaultOptions {
  const field = 'transport.faults';
  const o = objectOf(field, v, ['lossRate', 'duplicateRate', 'reorderRate', 'delayMs', 'seed', 'reorderHoldMs']);
  const delay = o['delayMs'] === undefined ? { min: 0, max: 0 } : objectOf(`${field}.delayMs`, o['delayMs'], ['min', 'max']);
  const delayMsMin = integerIn(`${field}.delayMs.min`, delay['min'], 0, DELAY_MS_MAX);
  const delayMsMax = integerIn(`${field}.delayMs.max`, delay['max'], 0, DELAY_MS_MAX);
  if (delayMsMax < delayMsMin) throw new ConfigError(`${field}.delayMs.max`, `must be at least delayMs.min (${delayMsMin})`);
  return Object.freeze({
    lossRate: rateOf(`${field}.lossRate`, o['lossRate'] ?? 0),
    duplicateRate: rateOf(`${field}.duplicateRate`, o['duplicateRate'] ?? 0),
    reorderRate: rateOf(`${field}.reorderRate`, o['reorderRate'] ?? 0),
    delayMsMin,
    delayMsMax,
    seed: integerIn(`${field}.seed`, o['seed'], 0, 0xffff_ffff),
    reorderHoldMs: integerIn(`${field}.reorderHoldMs`, o['reorderHoldMs'] ?? 5, 1, DELAY_MS_MAX),
  });
}
