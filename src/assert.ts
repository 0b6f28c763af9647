import { AssertionError } from './errors.ts';

/** Invariant check. Never use it on input from the network: validate, drop and count that. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(x: never): never {
  throw new AssertionError(`unreachable: ${JSON.stringify(x)}`);
}
