/**
 * Reassembly of frames cut into fragments. Bounded: at most `messagesMax` incomplete frames and
 * `bytesMax` fragment bytes are held; a frame that makes no progress for `timeoutMs` is evicted,
 * and when a new fragment does not fit, the frames that progressed least recently are evicted
 * first. Evictions are counted by cause. Time comes in as an argument, so tests need no clock.
 *
 * Fragments are kept as the views the socket gave us (each received datagram is a buffer of its
 * own) and copied once, into the whole frame, when the last one arrives.
 */
import {
  type DatagramDropReason,
  type FragmentFields,
  fragmentBytesExpected,
  fragmentChunkBytes,
} from './datagram-format.ts';

/** Frames recently completed or evicted, remembered to drop their late or duplicate fragments. */
const FINISHED_KEYS_MAX = 4096;
const MESSAGE_ID_SPAN = 2 ** 32;

export interface ReassemblyLimits {
  readonly frameBytesMax: number;
  readonly bytesMax: number;
  readonly messagesMax: number;
  readonly timeoutMs: number;
}

export interface ReassemblyCounters {
  framesReassembled: number;
  evictedTimeout: number;
  evictedOverflow: number;
}

interface Incomplete {
  readonly totalBytes: number;
  readonly count: number;
  readonly pieces: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  progressMs: number;
}

/** A finished frame, a fragment taken (null), or the reason the fragment was dropped. */
export type FragmentOutcome = Uint8Array | null | DatagramDropReason;

export class Reassembly {
  readonly counters: ReassemblyCounters = { framesReassembled: 0, evictedTimeout: 0, evictedOverflow: 0 };
  /** Insertion order is the order of last progress: the first entry is the stalest. */
  private readonly incomplete = new Map<number, Incomplete>();
  private readonly finished = new Set<number>();
  private heldBytes = 0;

  constructor(private readonly limits: ReassemblyLimits) {}

  get pendingMessages(): number {
    return this.incomplete.size;
  }
  get pendingBytes(): number {
    return this.heldBytes;
  }

  accept(senderId: number, f: FragmentFields, piece: Uint8Array, nowMs: number): FragmentOutcome {
    this.evictExpired(nowMs);
    if (f.totalBytes > this.limits.frameBytesMax) return 'frameTooLarge';
    if (fragmentBytesExpected(f.totalBytes, f.index, f.count) !== piece.length) return 'badFragment';
    const key = senderId * MESSAGE_ID_SPAN + f.messageId;
    if (this.finished.has(key)) return 'fragmentStale';
    let entry = this.incomplete.get(key);
    if (entry === undefined) {
      entry = { totalBytes: f.totalBytes, count: f.count, pieces: new Array<Uint8Array | undefined>(f.count), received: 0, bytes: 0, progressMs: nowMs };
    } else {
      if (entry.totalBytes !== f.totalBytes || entry.count !== f.count) return 'fragmentMismatch';
      if (entry.pieces[f.index] !== undefined) return 'fragmentDuplicate';
      this.incomplete.delete(key);
    }
    this.makeRoom(piece.length);
    entry.pieces[f.index] = piece;
    entry.received++;
    entry.bytes += piece.length;
    entry.progressMs = nowMs;
    this.heldBytes += piece.length;
    if (entry.received < entry.count) {
      this.incomplete.set(key, entry);
      return null;
    }
    this.forget(key, entry);
    this.counters.framesReassembled++;
    return joinPieces(entry);
  }

  /** Evicts frames with no new fragment for timeoutMs. Returns how many were evicted. */
  evictExpired(nowMs: number): number {
    let evicted = 0;
    for (const [key, entry] of this.incomplete) {
      if (nowMs - entry.progressMs < this.limits.timeoutMs) break;
      this.forget(key, entry);
      evicted++;
    }
    this.counters.evictedTimeout += evicted;
    return evicted;
  }

  /** Evicts the stalest frames until `bytes` more fit and one more frame may be held. */
  private makeRoom(bytes: number): void {
    for (const [key, entry] of this.incomplete) {
      const fits = this.heldBytes + bytes <= this.limits.bytesMax && this.incomplete.size < this.limits.messagesMax;
      if (fits) return;
      this.forget(key, entry);
      this.counters.evictedOverflow++;
    }
  }

  private forget(key: number, entry: Incomplete): void {
    this.incomplete.delete(key);
    this.heldBytes -= entry.bytes;
    this.finished.add(key);
    if (this.finished.size > FINISHED_KEYS_MAX) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }
}

/** The whole frame, in a buffer of its own: not zero-filled first, as every byte is then written. */
function joinPieces(entry: Incomplete): Uint8Array {
  const frame = new Uint8Array(Buffer.allocUnsafeSlow(entry.totalBytes).buffer, 0, entry.totalBytes);
  const chunk = fragmentChunkBytes(entry.totalBytes, entry.count);
  const pieces = entry.pieces;
  for (let index = 0; index < pieces.length; index++) frame.set(pieces[index]!, index * chunk);
  return frame;
}
