/**
 * Typed errors with stable codes. Match on `code`, never on the class: class identity does not
 * survive `postMessage` between threads.
 */
export const ErrorCode = {
  CONFIG_INVALID: 'RINGCAST_ERR_CONFIG_INVALID',
  ASSERTION: 'RINGCAST_ERR_ASSERTION',
  MAILBOX_FULL: 'RINGCAST_ERR_MAILBOX_FULL',
  PROPOSER_FULL: 'RINGCAST_ERR_PROPOSER_FULL',
  VALUE_TOO_LARGE: 'RINGCAST_ERR_VALUE_TOO_LARGE',
  CLOSED: 'RINGCAST_ERR_CLOSED',
  ACTOR_CRASHED: 'RINGCAST_ERR_ACTOR_CRASHED',
  ACTOR_UNKNOWN: 'RINGCAST_ERR_ACTOR_UNKNOWN',
  SUPERVISOR_GAVE_UP: 'RINGCAST_ERR_SUPERVISOR_GAVE_UP',
  TIMEOUT: 'RINGCAST_ERR_TIMEOUT',
  INVALID_ARGUMENT: 'RINGCAST_ERR_INVALID_ARGUMENT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class RingcastError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'RingcastError';
  }
}

/** A configuration was refused; `field` names the offending field as a dotted path. */
export class ConfigError extends RingcastError {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(ErrorCode.CONFIG_INVALID, `invalid config: ${field}: ${problem}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** A broken invariant: a programmer error. It crashes the actor, which its supervisor restarts. */
export class AssertionError extends RingcastError {
  constructor(message: string) {
    super(ErrorCode.ASSERTION, `assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function isRingcastError(e: unknown, code?: ErrorCode): e is RingcastError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' && c.startsWith('RINGCAST_ERR_') && (code === undefined || c === code);
}
