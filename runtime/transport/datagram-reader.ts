/**
 * The receiving half of the wire format: checks a datagram (header, sender identity, body),
 * delivers the frames it carries, and drops and counts anything malformed. It never throws on
 * input, whatever the bytes; only the frame handler it calls can throw.
 *
 * Sender identity: the header's sender id must be a configured peer other than ourselves, and
 * the datagram's source address and port must be that peer's configured address and port, on the
 * unicast socket and on the multicast socket alike (a transport sends its multicasts from its
 * unicast socket). This catches misdirected and misconfigured traffic; it is not authentication:
 * a source address can be forged, and CRC-32 is not a MAC. Isolate the network for that.
 *
 * Our own multicasts come back to us (the kernel loops them back to every member socket of the
 * host, ours included): such a datagram, whose sender id is ours and whose source is our own
 * unicast address and port, is counted as a multicast echo and ignored before any checksum is
 * computed. It is not malformed; anything else claiming our id is dropped as fromSelf.
 *
 * Delivered frames of packed datagrams are views into the received datagram's buffer, which
 * Node allocates afresh for every datagram and this module never writes: a view stays valid and
 * unchanged for as long as it is kept, but keeps the whole datagram (up to 64 KB) alive; copy a
 * frame you keep long. Reassembled frames are fresh arrays of their own.
 */
import {
  DATAGRAM_DROP_REASONS,
  DatagramFlag,
  FRAGMENT_HEADER_BYTES,
  FRAME_PREFIX_BYTES,
  HEADER_BYTES,
  framePrefixOffset,
  readFragmentHeader,
  readHeader,
  senderIdOf,
  type DatagramDropReason,
  type DatagramHeader,
} from './datagram-format.ts';
import type { FragmentOutcome, Reassembly } from './reassembly.ts';
import { countsZeroOf } from './transport-stats.ts';
import type { ResolvedPeer } from './transport-options.ts';

/** Sequence numbers further apart than this are a restart of the sender, not loss or reordering. */
const SEQUENCE_JUMP_MAX = 1 << 16;

export type FrameHandler = (fromNodeId: number, frame: Uint8Array) => void;

export interface ReaderCounters {
  datagramsReceived: number;
  bytesReceived: number;
  framesReceived: number;
  fragmentsReceived: number;
  /** Frames that arrived while no handler was set. */
  framesUnhandled: number;
  /** Datagrams missing between two received from one stream (lost, or still to come). */
  sequenceGaps: number;
  /** Datagrams older than one already received from their stream (duplicated or reordered). */
  sequenceRegressions: number;
  /** Jumps beyond SEQUENCE_JUMP_MAX either way, taken as the sender having restarted. */
  sequenceResets: number;
  /** Our own multicasts, looped back by the kernel and ignored unread (not counted as dropped). */
  multicastEchoes: number;
  readonly dropped: Record<DatagramDropReason, number>;
}

export function readerCountersZero(): ReaderCounters {
  return {
    datagramsReceived: 0,
    bytesReceived: 0,
    framesReceived: 0,
    fragmentsReceived: 0,
    framesUnhandled: 0,
    sequenceGaps: 0,
    sequenceRegressions: 0,
    sequenceResets: 0,
    multicastEchoes: 0,
    dropped: countsZeroOf(DATAGRAM_DROP_REASONS),
  };
}

/** Where a datagram came from, as the socket reported it (a dgram RemoteInfo fits). */
export interface DatagramSource {
  readonly address: string;
  readonly port: number;
}

export class DatagramReader {
  readonly counters: ReaderCounters = readerCountersZero();
  handler: FrameHandler | null = null;
  peers: ReadonlyMap<number, ResolvedPeer>;
  /** Next sequence number expected per stream: sender id * 2 + (multicast ? 1 : 0). */
  private readonly sequenceNext = new Map<number, number>();

  /**
   * `self`: the address and port our unicast socket is bound to, which our multicasts leave from
   * (address 0.0.0.0: any address of this host, so the port alone tells our echoes).
   */
  constructor(
    private readonly nodeId: number,
    peers: ReadonlyMap<number, ResolvedPeer>,
    private readonly reassembly: Reassembly,
    private readonly self: DatagramSource | null = null,
  ) {
    this.peers = peers;
  }

  receive(bytes: Uint8Array, source: DatagramSource, viaMulticast: boolean, nowMs: number): void {
    if (viaMulticast && this.isEcho(bytes, source)) {
      this.counters.multicastEchoes++;
      return;
    }
    const header = readHeader(bytes);
    if (typeof header === 'string') return this.drop(header);
    const refusal = this.identityRefusal(header, source, viaMulticast);
    if (refusal !== null) return this.drop(refusal);
    if ((header.flags & DatagramFlag.FRAGMENT) !== 0) {
      const outcome = this.takeFragment(bytes, header, nowMs);
      if (typeof outcome === 'string') return this.drop(outcome);
      this.accepted(bytes, header, viaMulticast);
      this.counters.fragmentsReceived++;
      if (outcome !== null) this.deliver(header.senderId, outcome);
      return;
    }
    const malformed = packedRefusal(bytes, header.frameCount);
    if (malformed !== null) return this.drop(malformed);
    this.accepted(bytes, header, viaMulticast);
    this.deliverPacked(bytes, header);
  }

  private isEcho(bytes: Uint8Array, source: DatagramSource): boolean {
    const self = this.self;
    if (self === null || source.port !== self.port || senderIdOf(bytes) !== this.nodeId) return false;
    return self.address === '0.0.0.0' || source.address === self.address;
  }

  private identityRefusal(header: DatagramHeader, source: DatagramSource, viaMulticast: boolean): DatagramDropReason | null {
    if (header.senderId === this.nodeId) return 'fromSelf';
    const peer = this.peers.get(header.senderId);
    if (peer === undefined) return 'unknownSender';
    if (peer.port !== source.port || peer.address !== source.address) return 'addressMismatch';
    if (((header.flags & DatagramFlag.MULTICAST) !== 0) !== viaMulticast) return 'wrongSocket';
    return null;
  }

  /** Counted before any frame is handed over, so that a throwing handler leaves counts right. */
  private accepted(bytes: Uint8Array, header: DatagramHeader, viaMulticast: boolean): void {
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += bytes.length;
    this.trackSequence(header, viaMulticast);
  }

  private takeFragment(bytes: Uint8Array, header: DatagramHeader, nowMs: number): FragmentOutcome {
    if (header.frameCount !== 1) return 'badFrameCount';
    if (header.bodyBytes < FRAGMENT_HEADER_BYTES) return 'badFragment';
    const fields = readFragmentHeader(bytes, HEADER_BYTES);
    return this.reassembly.accept(header.senderId, fields, bytes.subarray(HEADER_BYTES + FRAGMENT_HEADER_BYTES), nowMs);
  }

  /** Runs after packedRefusal() found every frame's length and padding right. */
  private deliverPacked(bytes: Uint8Array, header: DatagramHeader): void {
    let end = HEADER_BYTES;
    for (let i = 0; i < header.frameCount; i++) {
      const at = framePrefixOffset(end);
      const start = at + FRAME_PREFIX_BYTES;
      end = start + (bytes[at]! | (bytes[at + 1]! << 8));
      this.deliver(header.senderId, bytes.subarray(start, end));
    }
  }

  private deliver(fromNodeId: number, frame: Uint8Array): void {
    const handler = this.handler;
    if (handler === null) {
      this.counters.framesUnhandled++;
      return;
    }
    this.counters.framesReceived++;
    handler(fromNodeId, frame);
  }

  private trackSequence(header: DatagramHeader, viaMulticast: boolean): void {
    const stream = header.senderId * 2 + (viaMulticast ? 1 : 0);
    const expected = this.sequenceNext.get(stream);
    const ahead = expected === undefined ? 0 : (header.sequence - expected) | 0;
    if (ahead < 0 && ahead >= -SEQUENCE_JUMP_MAX) {
      this.counters.sequenceRegressions++;
      return;
    }
    // A jump this far is no burst of loss: the sender restarted. Follow it rather than count it.
    if (Math.abs(ahead) > SEQUENCE_JUMP_MAX) this.counters.sequenceResets++;
    else this.counters.sequenceGaps += ahead;
    this.sequenceNext.set(stream, (header.sequence + 1) >>> 0);
  }

  private drop(reason: DatagramDropReason): void {
    this.counters.dropped[reason]++;
  }
}

/** Checks every frame's length and padding before any is delivered: a bad datagram delivers nothing. */
function packedRefusal(bytes: Uint8Array, frameCount: number): DatagramDropReason | null {
  if (frameCount === 0) return 'badFrameCount';
  let end = HEADER_BYTES;
  for (let i = 0; i < frameCount; i++) {
    const at = framePrefixOffset(end);
    if (at + FRAME_PREFIX_BYTES > bytes.length) return 'truncatedFrame';
    for (let p = end; p < at; p++) if (bytes[p] !== 0) return 'badPadding';
    end = at + FRAME_PREFIX_BYTES + (bytes[at]! | (bytes[at + 1]! << 8));
    if (end > bytes.length) return 'truncatedFrame';
  }
  return end === bytes.length ? null : 'badFrameCount';
}
