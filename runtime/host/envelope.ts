/**
 * The runtime's frame header inside a mailbox ring: who it is for, who sent it, and what kind of
 * payload follows. 8 bytes, little-endian:
 *
 *   0  u16 destination address (GROUP_ADDRESS: every local member of the ring's group)
 *   2  u16 source address
 *   4  u8  kind
 *   5  u8  reserved
 *   6  u16 ring id (for group frames)
 */
export const ENVELOPE_BYTES = 8;
export const GROUP_ADDRESS = 0xffff;
/** The node's UDP gateway, on whichever host thread it runs (no actor has this address). */
export const GATEWAY_ADDRESS = 0xfffe;

export const FrameKind = {
  /** A protocol message, encoded by the codec (checksum off: shared memory does not flip bits). */
  PROTOCOL: 1,
  /** A user actor's message, msgpack. */
  USER: 2,
  /** A learner's delivered instance, to a subscriber. */
  DELIVERED: 3,
  /** API -> proposer: a value to propose, with a request id. */
  PROPOSE: 4,
  /** Proposer -> API: request ids acknowledged (decided), with their value ids. */
  ACKED: 5,
  /** API -> learner: add (or remove) a subscriber. */
  SUBSCRIBE: 6,
  /** Proposer -> API: request ids refused (back-pressure or error). */
  REFUSED: 7,
  /**
   * Actor -> its node's gateway (GATEWAY_ADDRESS): whether the actor needs its ring's values from
   * the network (u8: 1 yes, 0 no); the gateway listens to the multicast group while anyone does.
   */
  VALUES_WANTED: 8,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export function writeEnvelope(bytes: Uint8Array, offset: number, dst: number, src: number, kind: number, ring: number): void {
  bytes[offset] = dst & 0xff;
  bytes[offset + 1] = dst >>> 8;
  bytes[offset + 2] = src & 0xff;
  bytes[offset + 3] = src >>> 8;
  bytes[offset + 4] = kind;
  bytes[offset + 5] = 0;
  bytes[offset + 6] = ring & 0xff;
  bytes[offset + 7] = ring >>> 8;
}

export const envelopeDst = (b: Uint8Array, o: number): number => (b[o] as number) | ((b[o + 1] as number) << 8);
export const envelopeSrc = (b: Uint8Array, o: number): number => (b[o + 2] as number) | ((b[o + 3] as number) << 8);
export const envelopeKind = (b: Uint8Array, o: number): number => b[o + 4] as number;
export const envelopeRing = (b: Uint8Array, o: number): number => (b[o + 6] as number) | ((b[o + 7] as number) << 8);
