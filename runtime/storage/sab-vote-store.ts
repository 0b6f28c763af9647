/**
 * An acceptor's `memory` storage: its promise and votes in a SharedArrayBuffer that the
 * supervisor owns, so that an acceptor restarted after its thread died gets them back.
 *
 * Two segments; votes are appended to the active one as records, each 8-byte aligned. When
 * it is full, the acceptor's current votes are written to the other segment and the two swap.
 * The write offset is published after the bytes, so a thread that dies mid-write loses only the
 * frame it had not published — and that vote was never sent (persist before send). The frames
 * carry no checksum: shared memory does not flip bits, and torn writes are never published.
 *
 * Header (Int32 words): 0 active segment, 1 generation, 2 and 3 the write offset of segment 0 and 1;
 * Float64 at byte 16: promise. Flipping word 0 is the single commit point of a compaction.
 *
 * Record: u32 tag | u32 body bytes | body, padded to 8 bytes. Tag FRAME: the body is a codec frame
 * (decisions, and votes for noop and skip values). Tag BATCH_VOTE: a vote for a batch, written
 * straight into the buffer without a codec frame: f64 instance | f64 ballot | u32 runs | u32 0,
 * then per run (protocol/runs.ts) f64 first id | u32 values | u32 packed length | u32 pad | u32 0 |
 * pad bytes | packed bytes, one copy per run. The pad puts the packed bytes at the same address
 * modulo 8 as the source's, the one case in which V8 copies into shared
 * memory at full speed (see PostOffice.compose); encoding a frame on the heap and copying it in
 * cost two copies of every value, and direct unaligned writes into shared memory cost four times more.
 */
import { decode, encodedSize, encodeInto } from '../../src/codec/index.ts';
import { AssertionError } from '../../src/errors.ts';
import type { Ballot, Instance, NodeId, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry, Message } from '../../src/protocol/messages.ts';
import type { ValueRun } from '../../src/protocol/runs.ts';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';

const HEADER_BYTES = 64;
const W_ACTIVE = 0;
const W_GENERATION = 1;
const offsetWord = (segment: number): number => 2 + segment;
const PROMISE_BYTE = 16;
const TAG_FRAME = 1;
const TAG_BATCH_VOTE = 2;
const RECORD_HEAD = 8;
const VOTE_HEAD = 24;
const RUN_HEAD = 24;

export class SabVoteStore {
  readonly sab: SharedArrayBuffer;
  readonly segmentBytes: number;
  private readonly words: Int32Array;
  private readonly promise: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
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
    this.view = new DataView(sab);
  }

  /** What an acceptor restarted on this store recovers: its promise, and its votes (copied). */
  load(): AcceptorState {
    const promised = (this.promise[0] ?? 0) as Ballot;
    const byInstance = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    const active = Atomics.load(this.words, W_ACTIVE);
    const start = this.segmentStart(active);
    const end = start + Atomics.load(this.words, offsetWord(active));
    const v = this.view;
    let o = start;
    while (o < end) {
      const tag = v.getUint32(o, true);
      const body = v.getUint32(o + 4, true);
      const at = o + RECORD_HEAD;
      if (at + body > end) throw new AssertionError(`vote store corrupt at ${o - start}: record of ${body} bytes past the end`);
      if (tag === TAG_BATCH_VOTE) {
        const e = this.readBatchVote(at, at + body);
        byInstance.set(e.instance, e);
      } else if (tag === TAG_FRAME) {
        const r = decode(this.bytes, at, body);
        if (!r.ok || (r.msg.type !== 'deliver' && r.msg.type !== 'decision')) throw new AssertionError(`vote store corrupt at ${o - start}: ${r.ok ? r.msg.type : r.error}`);
        if (r.msg.type === 'deliver') for (const e of r.msg.entries) byInstance.set(e.instance, copyEntry(e));
        else for (const d of r.msg.entries) decided.set(d.instance, d);
      } else throw new AssertionError(`vote store corrupt at ${o - start}: tag ${tag}`);
      o = at + align8(body);
    }
    return { promised, accepted: [...byInstance.values()], decided: [...decided.values()] };
  }

  savePromise(b: Ballot): void {
    this.promise[0] = b;
  }

  /** Appends votes and decisions; when the segment is full, compacts to `snapshot()` (which includes them). */
  append(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[], snapshot: () => AcceptorState): void {
    const active = Atomics.load(this.words, W_ACTIVE);
    const offset = this.writeAll(active, Atomics.load(this.words, offsetWord(active)), accepted, decided);
    if (offset < 0) return this.compact(snapshot());
    Atomics.store(this.words, offsetWord(active), offset);
  }

  /** Rewrites the votes and decisions into the other segment and makes it the active one. */
  compact(state: AcceptorState): void {
    const next = 1 - Atomics.load(this.words, W_ACTIVE);
    const offset = this.writeAll(next, 0, state.accepted, state.decided ?? []);
    if (offset < 0) throw new AssertionError(`vote store segment of ${this.segmentBytes} bytes cannot hold the ${state.accepted.length} votes retained: raise its size`);
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

  /** Writes the records for votes and decisions from `offset`; the offset after them, or -1 when they do not fit. */
  private writeAll(segment: number, offset: number, accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[]): number {
    let o = offset;
    for (const e of accepted) {
      const written = e.value.kind === 'batch' ? this.writeBatchVote(segment, o, e.instance, e.ballot, e.value.runs) : this.writeFrame(segment, o, { type: 'deliver', ring: 0 as RingId, from: 0 as NodeId, entries: [e] });
      if (written < 0) return -1;
      o += written;
    }
    for (let k = 0; k < decided.length; k += DECISIONS_PER_RECORD) {
      const entries = k === 0 && decided.length <= DECISIONS_PER_RECORD ? decided : decided.slice(k, k + DECISIONS_PER_RECORD);
      const written = this.writeFrame(segment, o, { type: 'decision', ring: 0 as RingId, from: 0 as NodeId, entries });
      if (written < 0) return -1;
      o += written;
    }
    return o;
  }

  /** A vote for a batch, value bytes copied straight in at their source's alignment; -1 when it does not fit. */
  private writeBatchVote(segment: number, offset: number, instance: number, ballot: number, runs: readonly ValueRun[]): number {
    const base = this.segmentStart(segment);
    const limit = base + this.segmentBytes;
    const start = base + offset;
    const v = this.view;
    let p = start + RECORD_HEAD + VOTE_HEAD;
    if (p > limit) return -1;
    for (const r of runs) {
      const b = r.packed;
      const pad = (b.byteOffset - (p + RUN_HEAD)) & 7;
      const at = p + RUN_HEAD + pad;
      if (at + b.length > limit) return -1;
      v.setFloat64(p, r.first, true);
      v.setUint32(p + 8, r.count, true);
      v.setUint32(p + 12, b.length, true);
      v.setUint32(p + 16, pad, true);
      v.setUint32(p + 20, 0, true);
      this.bytes.set(b, at);
      p = at + b.length;
    }
    const body = p - start - RECORD_HEAD;
    if (start + RECORD_HEAD + align8(body) > limit) return -1;
    v.setUint32(start, TAG_BATCH_VOTE, true);
    v.setUint32(start + 4, body, true);
    v.setFloat64(start + RECORD_HEAD, instance, true);
    v.setFloat64(start + RECORD_HEAD + 8, ballot, true);
    v.setUint32(start + RECORD_HEAD + 16, runs.length, true);
    v.setUint32(start + RECORD_HEAD + 20, 0, true);
    return RECORD_HEAD + align8(body);
  }

  private readBatchVote(from: number, end: number): AcceptedEntry {
    const v = this.view;
    const instance = v.getFloat64(from, true) as Instance;
    const ballot = v.getFloat64(from + 8, true) as Ballot;
    const count = v.getUint32(from + 16, true);
    const runs: ValueRun[] = [];
    let p = from + VOTE_HEAD;
    for (let k = 0; k < count; k++) {
      if (p + RUN_HEAD > end) throw new AssertionError(`vote store corrupt: vote for instance ${instance} cut short`);
      const first = v.getFloat64(p, true) as ValueId;
      const values = v.getUint32(p + 8, true);
      const length = v.getUint32(p + 12, true);
      const at = p + RUN_HEAD + v.getUint32(p + 16, true);
      if (at + length > end) throw new AssertionError(`vote store corrupt: vote for instance ${instance} cut short`);
      runs.push({ first, count: values, packed: this.bytes.slice(at, at + length) });
      p = at + length;
    }
    return { instance, ballot, value: { kind: 'batch', runs } };
  }

  /**
   * A record holding a codec frame (decisions, votes for noop and skip), encoded on the heap and
   * copied in one aligned block; -1 when it does not fit.
   */
  private writeFrame(segment: number, offset: number, msg: Message): number {
    const size = encodedSize(msg);
    if (offset + RECORD_HEAD + align8(size) > this.segmentBytes) return -1;
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, 2 * this.scratch.length));
    const written = encodeInto(msg, this.scratch, 0, { checksum: false });
    const at = this.segmentStart(segment) + offset;
    this.view.setUint32(at, TAG_FRAME, true);
    this.view.setUint32(at + 4, written, true);
    this.bytes.set(this.scratch.subarray(0, written), at + RECORD_HEAD);
    return RECORD_HEAD + align8(written);
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

const DECISIONS_PER_RECORD = 256;

function copyEntry(e: AcceptedEntry): AcceptedEntry {
  if (e.value.kind !== 'batch') return e;
  return { ...e, value: { kind: 'batch', runs: e.value.runs.map((r) => ({ first: r.first, count: r.count, packed: r.packed.slice() })) } };
}
