/**
 * Options of rings and endpoints: documented defaults, validated and frozen at the boundary.
 * A refused option throws RingOptionsError naming it.
 */
import { RingOptionsError } from './ring-errors.ts';
import { SPIN_BUDGET_DEFAULT, type WaitStrategy } from './wait-strategy.ts';

export const RING_LIMITS = Object.freeze({
  /** Smallest ring: room for a few frames of the smallest useful size. */
  capacityBytesMin: 256,
  /** Largest ring: indices are Int32 counters, exact while capacity stays below 2^31. */
  capacityBytesMax: 2 ** 30,
  /** Reader slots a broadcast ring may have; the producer scans them all when it runs out of space. */
  readersMaxCeiling: 64,
  /** A spin budget above this is a spin that never sleeps: use `spin` instead. */
  spinBudgetMax: 2 ** 30,
});

export interface SpscRingOptions {
  /** Size of the data area in bytes: a power of two within RING_LIMITS. */
  readonly capacityBytes: number;
}

export interface BroadcastRingOptions {
  /** Size of the data area in bytes: a power of two within RING_LIMITS. */
  readonly capacityBytes: number;
  /** Reader slots, fixed at creation (1 to RING_LIMITS.readersMaxCeiling). */
  readonly readersMax: number;
}

export interface EndpointOptions {
  /** How this endpoint waits. Default `{ kind: 'spin-then-wait', spinBudget: SPIN_BUDGET_DEFAULT }`. */
  readonly waitStrategy?: WaitStrategy;
  /**
   * `wait-async` only: hold a ref'd timer while an async wait is pending, so that the thread's
   * event loop does not exit with the wait still pending. Default true.
   */
  readonly keepAlive?: boolean;
}

export interface EndpointConfig {
  readonly waitStrategy: WaitStrategy;
  readonly keepAlive: boolean;
}

export function validateSpscRingOptions(options: unknown): SpscRingOptions {
  const record = recordOf(options, 'options');
  refuseUnknownKeys(record, ['capacityBytes'], '');
  return Object.freeze({ capacityBytes: validateCapacityBytes(record['capacityBytes']) });
}

export function validateBroadcastRingOptions(options: unknown): BroadcastRingOptions {
  const record = recordOf(options, 'options');
  refuseUnknownKeys(record, ['capacityBytes', 'readersMax'], '');
  const capacityBytes = validateCapacityBytes(record['capacityBytes']);
  const readersMax = record['readersMax'];
  const ceiling = RING_LIMITS.readersMaxCeiling;
  if (!isIntegerIn(readersMax, 1, ceiling)) {
    throw new RingOptionsError('readersMax', `must be an integer from 1 to ${ceiling}, got ${show(readersMax)}`);
  }
  return Object.freeze({ capacityBytes, readersMax });
}

export function validateEndpointOptions(options: unknown): EndpointConfig {
  const record = recordOf(options ?? {}, 'options');
  refuseUnknownKeys(record, ['waitStrategy', 'keepAlive'], '');
  const keepAlive = record['keepAlive'] ?? true;
  if (typeof keepAlive !== 'boolean') {
    throw new RingOptionsError('keepAlive', `must be a boolean, got ${show(keepAlive)}`);
  }
  const waitStrategy = validateWaitStrategy(
    record['waitStrategy'] ?? { kind: 'spin-then-wait', spinBudget: SPIN_BUDGET_DEFAULT },
  );
  return Object.freeze({ waitStrategy, keepAlive });
}

function validateWaitStrategy(value: unknown): WaitStrategy {
  const record = recordOf(value, 'waitStrategy');
  const kind = record['kind'];
  switch (kind) {
    case 'spin':
    case 'wait':
      refuseUnknownKeys(record, ['kind'], 'waitStrategy');
      return Object.freeze({ kind });
    case 'spin-then-wait':
    case 'wait-async': {
      refuseUnknownKeys(record, ['kind', 'spinBudget'], 'waitStrategy');
      const spinBudget = record['spinBudget'];
      if (spinBudget === undefined) return Object.freeze({ kind });
      if (!isIntegerIn(spinBudget, 0, RING_LIMITS.spinBudgetMax)) {
        throw new RingOptionsError(
          'waitStrategy.spinBudget',
          `must be an integer from 0 to ${RING_LIMITS.spinBudgetMax}, got ${show(spinBudget)}`,
        );
      }
      return Object.freeze({ kind, spinBudget });
    }
    default:
      throw new RingOptionsError(
        'waitStrategy.kind',
        `must be 'spin', 'wait', 'spin-then-wait' or 'wait-async', got ${show(kind)}`,
      );
  }
}

function validateCapacityBytes(value: unknown): number {
  const { capacityBytesMin, capacityBytesMax } = RING_LIMITS;
  if (!isIntegerIn(value, capacityBytesMin, capacityBytesMax) || (value & (value - 1)) !== 0) {
    throw new RingOptionsError(
      'capacityBytes',
      `must be a power of two from ${capacityBytesMin} to ${capacityBytesMax}, got ${show(value)}`,
    );
  }
  return value;
}

function recordOf(value: unknown, option: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RingOptionsError(option, `must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

/** `prefix` is '' for top-level options, else the dotted path of the nested object. */
function refuseUnknownKeys(record: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(record)) {
    const option = prefix === '' ? key : `${prefix}.${key}`;
    if (!known.includes(key)) throw new RingOptionsError(option, 'unknown option');
  }
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
