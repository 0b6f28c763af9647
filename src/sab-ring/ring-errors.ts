/**
 * Errors of the SAB ring module, one class per failure, each with a stable `code`.
 * Match on `code`: class identity does not survive `postMessage` between threads.
 * This module imports nothing of the rest of ringcast, so it defines its own errors.
 */
export const RingErrorCode = {
  OPTIONS: 'RINGCAST_ERR_RING_OPTIONS',
  FRAME_TOO_LARGE: 'RINGCAST_ERR_RING_FRAME_TOO_LARGE',
  LAYOUT: 'RINGCAST_ERR_RING_LAYOUT',
  ENDPOINT_TAKEN: 'RINGCAST_ERR_RING_ENDPOINT_TAKEN',
  READERS_FULL: 'RINGCAST_ERR_RING_READERS_FULL',
  READER_DETACHED: 'RINGCAST_ERR_RING_READER_DETACHED',
  STATE: 'RINGCAST_ERR_RING_STATE',
} as const;
export type RingErrorCode = (typeof RingErrorCode)[keyof typeof RingErrorCode];

export class RingError extends Error {
  readonly code: RingErrorCode;
  constructor(code: RingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'RingError';
  }
}

/** An option was refused; `option` names it (dotted path for nested options). */
export class RingOptionsError extends RingError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super(RingErrorCode.OPTIONS, `invalid ring option ${option}: ${problem}`);
    this.name = 'RingOptionsError';
    this.option = option;
  }
}

/** A frame longer than the ring's `frameBytesMax` can never fit; it is refused, not queued. */
export class RingFrameTooLargeError extends RingError {
  readonly lengthBytes: number;
  readonly frameBytesMax: number;
  constructor(lengthBytes: number, frameBytesMax: number) {
    super(
      RingErrorCode.FRAME_TOO_LARGE,
      `frame of ${lengthBytes} bytes refused: frameBytesMax is ${frameBytesMax} ` +
        '(half the ring capacity minus the frame header)',
    );
    this.name = 'RingFrameTooLargeError';
    this.lengthBytes = lengthBytes;
    this.frameBytesMax = frameBytesMax;
  }
}

/** The SharedArrayBuffer given to attach() is not a ring of the expected kind and version. */
export class RingLayoutError extends RingError {
  constructor(problem: string) {
    super(RingErrorCode.LAYOUT, `not a usable ring buffer: ${problem}`);
    this.name = 'RingLayoutError';
  }
}

/** A second producer (or a second consumer of one reader slot) was refused: it would corrupt the ring. */
export class RingEndpointTakenError extends RingError {
  readonly endpoint: string;
  constructor(endpoint: string) {
    super(RingErrorCode.ENDPOINT_TAKEN, `the ${endpoint} endpoint of this ring is already open`);
    this.name = 'RingEndpointTakenError';
    this.endpoint = endpoint;
  }
}

/** Every reader slot of a broadcast ring is registered. */
export class RingReadersFullError extends RingError {
  readonly readersMax: number;
  constructor(readersMax: number) {
    super(RingErrorCode.READERS_FULL, `all ${readersMax} reader slots (readersMax) are registered`);
    this.name = 'RingReadersFullError';
    this.readersMax = readersMax;
  }
}

/** The reader's slot was detached (by a supervisor, or closed); its frames are gone. */
export class RingReaderDetachedError extends RingError {
  readonly readerSlot: number;
  constructor(readerSlot: number) {
    super(RingErrorCode.READER_DETACHED, `reader slot ${readerSlot} is not registered (detached)`);
    this.name = 'RingReaderDetachedError';
    this.readerSlot = readerSlot;
  }
}

/** An endpoint was used out of order (commit without reserve, sync wait on an async strategy...). */
export class RingStateError extends RingError {
  constructor(problem: string) {
    super(RingErrorCode.STATE, problem);
    this.name = 'RingStateError';
  }
}
