/**
 * Field checks for a config read from a file: each failure is a ConfigError naming the field by
 * its dotted path, and an unknown key (a typo, most likely) names the key it probably meant.
 */
import { ConfigError } from '../../src/errors.ts';
import { integerIn } from '../transport/option-checks.ts';

export type Fields = Readonly<Record<string, unknown>>;

/** An object (a YAML mapping) with no key outside `known`. */
export function fieldsOf(field: string, v: unknown, known: readonly string[]): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(field, `must be a mapping (an object), got ${kindOf(v)}`);
  for (const key of Object.keys(v)) {
    if (!known.includes(key)) throw new ConfigError(joinField(field, key), unknownKeyProblem(key, known));
  }
  return v as Fields;
}

/** A list of `min` to `max` entries. */
export function listOf(field: string, v: unknown, min: number, max: number): readonly unknown[] {
  if (v === undefined) throw new ConfigError(field, 'is required');
  if (!Array.isArray(v)) throw new ConfigError(field, `must be a list, got ${kindOf(v)}`);
  if (v.length < min || v.length > max) throw new ConfigError(field, `must hold ${min} to ${max} entries, got ${v.length}`);
  return v;
}

export function requiredIntegerIn(field: string, v: unknown, min: number, max: number): number {
  if (v === undefined) throw new ConfigError(field, 'is required');
  return integerIn(field, v, min, max);
}

/** One of the strings of `choices`. */
export function choiceOf<T extends string>(field: string, v: unknown, choices: readonly T[]): T {
  if (v === undefined) throw new ConfigError(field, `is required (one of ${choices.join(', ')})`);
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new ConfigError(field, `must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** `rings[0]` + `id` → `rings[0].id`; the root has the empty path. */
export function joinField(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function unknownKeyProblem(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  return near === undefined ? `unknown field (known fields: ${known.join(', ')})` : `unknown field; did you mean "${near}"?`;
}

/** The known key closest to `key`, if it is close enough to be what was meant. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const allowed = Math.max(2, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const k of known) {
    const distance = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(k, key);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key;
}

/** Levenshtein distance, for "did you mean" on short keys. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Freezes `v` and everything reachable from it. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
