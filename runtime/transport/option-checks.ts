/** Checks shared by the transport's option resolvers; each failure names its field. */
import { isIPv4 } from 'node:net';
import { ConfigError } from '../../src/errors.ts';

export function integerIn(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function booleanOf(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(field, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function objectOf(field: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(field, 'must be an object');
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new ConfigError(`${field}.${k}`, 'unknown option');
  return v as Record<string, unknown>;
}

export function ipv4Of(field: string, v: unknown): string {
  if (typeof v !== 'string' || !isIPv4(v)) throw new ConfigError(field, `must be an IPv4 address, got ${JSON.stringify(v)}`);
  return v;
}
