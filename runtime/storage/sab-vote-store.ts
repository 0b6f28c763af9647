/**
 * An acceptor's `memory` storage: its promise and votes in a SharedArrayBuffer that the
 * supervisor owns, so that an acceptor restarted after its thread died gets them back.
 *
 * Two segments; votes are appended to the active one as codec frames, each 8-byte aligned. When
 * it is full, the acceptor's current votes are written to the other segment and the two swap.
 * The write offset is published after the bytes, so a thread that dies mid-write loses only the
 * frame it had not published — and that vote was never sent (persist before send). The frames
 * carry no checksum: shared memory does not flip bits, and torn writes are never published.
 *
 * Header (Int32 words): 0 active segment, 1 generation, 2 and 3 the write offset of segment 0 and 1;
 * Float64 at byte 16: promise. Flipping word 0 is the single commit point of a compaction.
 */
import { decode, encodedSize, encodeInto } from '../../src/codec/index.ts';
import { AssertionError } from '../../src/errors.ts';
import type { Ballot, NodeId, RingId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry, Message } from '../../src/protocol/messages.ts';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';

const HEADER_BYTES = 64;
const W_ACTIVE = 0;
const W_GENERATION = 1;
const offsetWord = (segment: number): number => 2 + segment;
const PROMISE_BYTE = 16;

export class SabVoteStore {
  readonly sab: SharedArrayBuffer;
  readonly segmentBytes: number;
  private readonly words: Int32Array;
  private readonly promise: Float64Array;
  private readonly bytes: Uint8Array;
  private scratch = new Uint8Array(64 * 1024);

  static create(segmentBytes: number): SabVoteStore {
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 4096) throw new AssertionError(`vote store segment of ${segmentBytes} bytes`);
    return new SabVoteStore(new SharedArrayBuffer(HEADER_BYTES + 2 * segmentBytes));
  }

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.segmentBytes = (sab.byteLength - HEADER_BYTES) / 2;
    this.words = new Int32Array(sab, 0, 4);
    this.promise = new Float64Array(sab, PROMISE_BYTE, 1);
    this.bytes = new Uint8Array(sab);
  }

  /** What an acceptor restarted on this store recovers: its promise, and its votes (copied). */
  load(): AcceptorState {
    const promised = (this.promise[0] ?? 0) as Ballot;
    const byInstance = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    const active = Atomics.load(this.words, W_ACTIVE);
    const start = this.segmentStart(active);
    const end = start + Atomics.load(this.words, offsetWord(active));
    let o = start;
    while (o < end) {
      const r = decode(this.bytes, o, end - o);
      if (!r.ok || (r.msg.type !== 'deliver' && r.msg.type !== 'decision')) throw new AssertionError(`vote store corrupt at ${o - start}: ${r.ok ? r.msg.type : r.error}`);
      if (r.msg.type === 'deliver') for (const e of r.msg.entries) byInstance.set(e.instance, copyEntry(e));
      else for (const d of r.msg.entries) decided.set(d.instance, d);
      o += align8(r.size);
    }
    return { promised, accepted: [...byInstance.values()], decided: [...decided.values()] };
  }

  savePromise(b: Ballot): void {
    this.promise[0] = b;
  }

  /** Appends votes and decisions; when the segment is full, compacts to `snapshot()` (which includes them). */
  append(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[], snapshot: () => AcceptorState): void {
    const active = Atomics.load(this.words, W_ACTIVE);
    let offset = Atomics.load(this.words, offsetWord(active));
    for (const msg of records(accepted, decided)) {
      const written = this.write(active, offset, msg);
      if (written < 0) return this.compact(snapshot());
      offset += written;
    }
    Atomics.store(this.words, offsetWord(active), offset);
  }

  /** Rewrites the votes and decisions into the other segment and makes it the active one. */
  compact(state: AcceptorState): void {
    const next = 1 - Atomics.load(this.words, W_ACTIVE);
    let offset = 0;
    for (const msg of records(state.accepted, state.decided ?? [])) {
      const written = this.write(next, offset, msg);
      if (written < 0) throw new AssertionError(`vote store segment of ${this.segmentBytes} bytes cannot hold the ${state.accepted.length} votes retained: raise its size`);
      offset += written;
    }
    Atomics.store(this.words, offsetWord(next), offset);
    Atomics.store(this.words, W_ACTIVE, next);
    Atomics.add(this.words, W_GENERATION, 1);
  }

  /** Bytes used in the active segment. */
  get usedBytes(): number {
    return Atomics.load(this.words, offsetWord(Atomics.load(this.words, W_ACTIVE)));
  }

  private segmentStart(segment: number): number {
    return HEADER_BYTES + segment * this.segmentBytes;
  }

  /**
   * Writes one record (a vote as a one-entry Deliver frame, decisions as a Decision frame), 8-byte
   * aligned; -1 when it does not fit. It is encoded on the heap and copied in one aligned block
   * (see PostOffice.compose for why).
   */
  private write(segment: number, offset: number, msg: Message): number {
    const size = encodedSize(msg);
    if (offset + align8(size) > this.segmentBytes) return -1;
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, 2 * this.scratch.length));
    const written = encodeInto(msg, this.scratch, 0, { checksum: false });
    this.bytes.set(this.scratch.subarray(0, written), this.segmentStart(segment) + offset);
    return align8(written);
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

const DECISIONS_PER_RECORD = 256;

/** The log records for votes (one frame each) and decisions (in frames of up to 256). */
function* records(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[]): Generator<Message> {
  const head = { ring: 0 as RingId, from: 0 as NodeId };
  for (const e of accepted) yield { type: 'deliver', ...head, entries: [e] };
  for (let k = 0; k < decided.length; k += DECISIONS_PER_RECORD) yield { type: 'decision', ...head, entries: decided.slice(k, k + DECISIONS_PER_RECORD) };
}

function copyEntry(e: AcceptedEntry): AcceptedEntry {
  if (e.value.kind !== 'batch') return e;
  return { ...e, value: { kind: 'batch', items: e.value.items.map((i) => ({ id: i.id, bytes: i.bytes.slice() })) } };
}
