/**
 * The sending half of the transport's wire format: packs frames into datagrams per destination
 * stream and cuts frames too large for one datagram into fragments. It knows no socket: a sealed
 * datagram goes to the `emit` function it was given.
 *
 * Order: a stream's datagrams are emitted in the order its frames were queued. A frame that needs
 * fragments first seals the stream's open pack, so that frames queued before it leave before it.
 */
import { assert } from '../../src/assert.ts';
import { copyRange as copyBulk } from '../../src/bulk-copy.ts';
import {
  DatagramFlag,
  FRAGMENT_HEADER_BYTES,
  FRAME_PREFIX_BYTES,
  FIRST_FRAME_OFFSET,
  FRAMES_PER_DATAGRAM_MAX,
  HEADER_BYTES,
  fragmentChunkBytes,
  fragmentChunkBytesMaxOf,
  fragmentCountOf,
  framePrefixOffset,
  sealDatagram,
  writeFragmentHeader,
} from './datagram-format.ts';

/** Datagram buffers kept for reuse once the socket is done with them. */
const POOLED_BUFFERS_MAX = 64;
const NO_HEAD = new Uint8Array(0);

/** A sealed datagram on its way to the socket. */
export interface OutboundDatagram {
  readonly buffer: Buffer;
  readonly length: number;
  readonly address: string;
  readonly port: number;
}

/** One destination: a peer's unicast address, or the multicast group. */
export interface OutboundStream {
  readonly address: string;
  readonly port: number;
  readonly multicast: boolean;
  sequence: number;
  pack: Buffer | null;
  packEnd: number;
  packFrames: number;
}

export interface WriterCounters {
  framesSent: number;
  fragmentsSent: number;
}

export class DatagramWriter {
  readonly counters: WriterCounters = { framesSent: 0, fragmentsSent: 0 };
  private readonly pool: Buffer[] = [];
  private readonly fragmentChunkBytesMax: number;
  private nextMessageId: number;
  private openBytes = 0;

  constructor(
    private readonly nodeId: number,
    private readonly datagramBytesMax: number,
    firstMessageId: number,
    private readonly emit: (datagram: OutboundDatagram) => void,
  ) {
    this.fragmentChunkBytesMax = fragmentChunkBytesMaxOf(datagramBytesMax);
    this.nextMessageId = firstMessageId >>> 0;
  }

  static openStream(address: string, port: number, multicast: boolean): OutboundStream {
    return { address, port, multicast, sequence: 0, pack: null, packEnd: HEADER_BYTES, packFrames: 0 };
  }

  /** Bytes of frames in open packs, not yet emitted. */
  get openPackBytes(): number {
    return this.openBytes;
  }

  /**
   * Copies the frame into the stream's open pack, or emits it as fragments if too large. With a
   * `head`, the frame is head followed by `frame`: a caller that prefixes a header of its own
   * (the gateway's envelope) needs no copy of its own to join them.
   */
  append(stream: OutboundStream, frame: Uint8Array, head: Uint8Array = NO_HEAD): void {
    const frameBytes = head.length + frame.length;
    if (FIRST_FRAME_OFFSET + frameBytes > this.datagramBytesMax) {
      this.sealPack(stream);
      this.emitFragments(stream, head, frame);
      this.counters.framesSent++;
      return;
    }
    let at = framePrefixOffset(stream.packEnd);
    const full = at + FRAME_PREFIX_BYTES + frameBytes > this.datagramBytesMax || stream.packFrames === FRAMES_PER_DATAGRAM_MAX;
    if (full) {
      this.sealPack(stream);
      at = FIRST_FRAME_OFFSET - FRAME_PREFIX_BYTES;
    }
    const pack = (stream.pack ??= this.take());
    for (let p = stream.packEnd; p < at; p++) pack[p] = 0;
    pack[at] = frameBytes & 0xff;
    pack[at + 1] = frameBytes >>> 8;
    const frameAt = at + FRAME_PREFIX_BYTES;
    if (head.length > 0) pack.set(head, frameAt);
    copyBulk(pack, frameAt + head.length, frame, 0, frame.length);
    const end = frameAt + frameBytes;
    this.openBytes += end - stream.packEnd;
    stream.packEnd = end;
    stream.packFrames++;
    this.counters.framesSent++;
  }

  /** Emits the stream's open pack, if it holds any frame. */
  sealPack(stream: OutboundStream): void {
    const pack = stream.pack;
    if (pack === null) return;
    const flags = DatagramFlag.PACKED | (stream.multicast ? DatagramFlag.MULTICAST : 0);
    const length = sealDatagram(pack, stream.packEnd, { flags, senderId: this.nodeId, frameCount: stream.packFrames, sequence: stream.sequence });
    stream.sequence = (stream.sequence + 1) >>> 0;
    this.openBytes -= stream.packEnd - HEADER_BYTES;
    stream.pack = null;
    stream.packEnd = HEADER_BYTES;
    stream.packFrames = 0;
    this.emit({ buffer: pack, length, address: stream.address, port: stream.port });
  }

  /** Gives a datagram buffer back once the socket has sent it. */
  release(buffer: Buffer): void {
    if (buffer.length === this.datagramBytesMax && this.pool.length < POOLED_BUFFERS_MAX) this.pool.push(buffer);
  }

  private take(): Buffer {
    return this.pool.pop() ?? Buffer.allocUnsafe(this.datagramBytesMax);
  }

  /** Emits the frame head + body as fragments, each cut from the two without joining them first. */
  private emitFragments(stream: OutboundStream, head: Uint8Array, body: Uint8Array): void {
    const totalBytes = head.length + body.length;
    const count = fragmentCountOf(totalBytes, this.fragmentChunkBytesMax);
    assert(count >= 2 && count <= 0xffff, `a frame of ${totalBytes} bytes needs ${count} fragments`);
    const chunk = fragmentChunkBytes(totalBytes, count);
    const messageId = this.nextMessageId;
    this.nextMessageId = (messageId + 1) >>> 0;
    const flags = DatagramFlag.FRAGMENT | (stream.multicast ? DatagramFlag.MULTICAST : 0);
    const bodyAt = HEADER_BYTES + FRAGMENT_HEADER_BYTES;
    for (let index = 0; index < count; index++) {
      const start = index * chunk;
      const end = Math.min(totalBytes, start + chunk);
      const buffer = this.take();
      writeFragmentHeader(buffer, HEADER_BYTES, { messageId, totalBytes, index, count });
      copyRange(head, body, start, end, buffer, bodyAt);
      const length = sealDatagram(buffer, bodyAt + end - start, { flags, senderId: this.nodeId, frameCount: 1, sequence: stream.sequence });
      stream.sequence = (stream.sequence + 1) >>> 0;
      this.counters.fragmentsSent++;
      this.emit({ buffer, length, address: stream.address, port: stream.port });
    }
  }
}

/** Copies bytes [start, end) of head followed by body to target[at, ...). */
function copyRange(head: Uint8Array, body: Uint8Array, start: number, end: number, target: Uint8Array, at: number): void {
  const h = head.length;
  if (start < h) target.set(head.subarray(start, Math.min(end, h)), at);
  if (end > h) target.set(body.subarray(Math.max(0, start - h), end - h), at + Math.max(0, h - start));
}
