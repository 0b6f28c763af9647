import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';

/** Deep equality fast enough for thousands of cases; vitest's diff is computed only on a mismatch. */
export function expectSame(actual: unknown, expected: unknown, hint: string): void {
  expect(isDeepStrictEqual(actual, expected) || (expect(actual, hint).toEqual(expected), false), hint).toBe(true);
}
