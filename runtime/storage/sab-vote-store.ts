/**
 * An acceptor's `memory` storage: its promise and votes in a SharedArrayBuffer that the
 * supervisor owns, so that an acceptor restarted after its thread died gets them back.
 *
 * A circular log of records, each 8-byte aligned, appended at the head. When the log has no room
 * for what comes, it is cleaned from the tail: a record the acceptor no longer holds (a vote it
 * trimmed or replaced, decisions of trimmed instances) is dropped, one it still holds is copied to
 * the head. The tail is old by construction, so cleaning mostly drops; there is no compaction that
 * rewrites every retained vote at once (that stalled the acceptor's thread for 3-10 ms at a time).
 *
 * Header: a BigInt64 at byte 0 holds the log's extent, tail offset (high 32 bits) and bytes used
 * (low 32 bits), stored with one atomic write: the single commit point of both an append and a
 * cleaning step. Records are written before the extent that covers them is published, so a thread
 * that dies mid-write loses only records it had not published — and their votes were never sent
 * (persist before send). A cleaning publishes the copy of a live record and the advance of the
 * tail past the original together, and the records it drops in batches (before a copy might reuse
 * their room, and at its end). Int32 at byte 8: cleaning steps, for status. Float64 at
 * byte 16: the promise. The records carry no checksum: shared memory does not flip bits, and torn
 * writes are never published.
 *
 * Record: u32 tag | u32 body bytes | body, padded to 8 bytes. Tag FRAME: the body is a codec frame
 * (votes for noop and skip values). Tag DECISIONS: u32 count | u32 0, then per decision f64
 * instance | f64 ballot — read where they lie when the log is cleaned (as codec frames, decoding
 * every decision record of the stretch being cleaned took most of a cleaning's 4-10 ms, a stall of
 * the acceptor's thread every few seconds even at 20,000 values/s). Tag BATCH_VOTE: a vote for a batch, written
 * straight into the buffer without a codec frame: f64 instance | f64 ballot | u32 runs | u32 0,
 * then per run (protocol/runs.ts) f64 first id | u32 values | u32 packed length | u32 pad | u32 0 |
 * pad bytes | packed bytes, one copy per run. The pad puts the packed bytes at the same address
 * modulo 8 as their source's, the one case in which V8 copies into shared memory at full speed
 * (see PostOffice.compose). Tag WRAP: the rest of the buffer is unused, the log goes on at 0.
 */
import { decode, encodedSize, encodeInto } from '../../src/codec/index.ts';
import { AssertionError } from '../../src/errors.ts';
import type { Ballot, Instance, NodeId, RingId, ValueId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry, Message } from '../../src/protocol/messages.ts';
import type { ValueRun } from '../../src/protocol/runs.ts';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';

const HEADER_BYTES = 64;
const W_CLEANED = 2;
const PROMISE_BYTE = 16;
const TAG_FRAME = 1;
const TAG_BATCH_VOTE = 2;
const TAG_WRAP = 3;
const TAG_DECISIONS = 4;
const DECISIONS_HEAD = 8;
const DECISION_BYTES = 16;
const RECORD_HEAD = 8;
const VOTE_HEAD = 24;
const RUN_HEAD = 24;
const U32 = 2 ** 32;

/** A record sized once, before room is made for it, and written after. */
interface PlannedRecord {
  readonly tag: number;
  /** Its body's bytes at the most. */
  readonly bodyMax: number;
  /** Writes the body at `at`; returns its bytes. */
  readonly write: (at: number) => number;
}

/**
 * What the acceptor holds now, asked during a cleaning, instance by instance: the ballot of its
 * vote, and whether it knows that instance decided. The acceptor answers from its own state; a
 * caller may instead hand its whole state (AcceptorState), which is indexed once per cleaning.
 */
export interface HeldVotes {
  heldBallot(instance: number): number | undefined;
  heldDecided(instance: number): boolean;
}

function heldVotesOf(state: AcceptorState | HeldVotes): HeldVotes {
  if (!('accepted' in state)) return state;
  const votes = new Map<number, number>();
  const decided = new Set<number>();
  for (const e of state.accepted) votes.set(e.instance, e.ballot);
  for (const d of state.decided ?? []) decided.add(d.instance);
  return { heldBallot: (i) => votes.get(i), heldDecided: (i) => decided.has(i) };
}

export class SabVoteStore {
  readonly sab: SharedArrayBuffer;
  /** Bytes of the log's buffer. */
  readonly capacity: number;
  private readonly extent: BigInt64Array;
  private readonly words: Int32Array;
  private readonly promise: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private scratch = new Uint8Array(64 * 1024);
  private tail: number;
  private used: number;
  /** A cleaning moved the tail past records without publishing it yet (see clean). */
  private dropsUnpublished = false;

  /** A store whose log holds `capacityBytes` (a multiple of 8, at least 4096). */
  static create(capacityBytes: number): SabVoteStore {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 4096 || capacityBytes % 8 !== 0 || capacityBytes >= U32) {
      throw new AssertionError(`vote store of ${capacityBytes} bytes`);
    }
    return new SabVoteStore(new SharedArrayBuffer(HEADER_BYTES + capacityBytes));
  }

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.capacity = sab.byteLength - HEADER_BYTES;
    this.extent = new BigInt64Array(sab, 0, 1);
    this.words = new Int32Array(sab, 0, 4);
    this.promise = new Float64Array(sab, PROMISE_BYTE, 1);
    this.bytes = new Uint8Array(sab, HEADER_BYTES, this.capacity);
    this.view = new DataView(sab, HEADER_BYTES, this.capacity);
    const e = Atomics.load(this.extent, 0);
    this.tail = Number(e >> 32n);
    this.used = Number(e & 0xffff_ffffn);
  }

  /** What an acceptor restarted on this store recovers: its promise, and its votes (copied). */
  load(): AcceptorState {
    const promised = (this.promise[0] ?? 0) as Ballot;
    const byInstance = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    this.forEachRecord((tag, at, body, pos) => {
      if (tag === TAG_BATCH_VOTE) {
        const e = this.readBatchVote(at, at + body);
        byInstance.set(e.instance, e);
      } else if (tag === TAG_DECISIONS) {
        this.forEachDecision(at, body, pos, (instance, ballot) => void decided.set(instance, { instance: instance as Instance, ballot: ballot as Ballot }));
      } else if (tag === TAG_FRAME) {
        for (const e of this.readFrame(at, body, pos).entries) byInstance.set(e.instance, copyEntry(e));
      } else throw new AssertionError(`vote store corrupt at ${pos}: tag ${tag}`);
    });
    return { promised, accepted: [...byInstance.values()], decided: [...decided.values()] };
  }

  savePromise(b: Ballot): void {
    this.promise[0] = b;
  }

  /**
   * Appends votes and decisions. When the log has no room, cleans it first, against what `held()`
   * says the acceptor holds (asked once per cleaning, and including what is appended).
   */
  append(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[], held: () => AcceptorState | HeldVotes): void {
    // Sized first, written after a cleaning if one is needed; nothing is allocated per record (an
    // object and a closure per record were an eighth of what the shared worker allocated).
    let need = 0;
    let biggest = 0;
    for (const e of accepted) {
      const b = RECORD_HEAD + align8(this.voteBodyMax(e));
      need += b;
      biggest = Math.max(biggest, b);
    }
    for (let k = 0; k < decided.length; k += DECISIONS_PER_RECORD) {
      const b = RECORD_HEAD + align8(decisionsBodyMax(Math.min(DECISIONS_PER_RECORD, decided.length - k)));
      need += b;
      biggest = Math.max(biggest, b);
    }
    // A record that does not fit before the end leaves a gap there: room for one more.
    const room = need + biggest;
    if (this.capacity - this.used < room + this.slack) this.clean(room + this.slack, heldVotesOf(held()));
    for (const e of accepted) this.writeVote(e);
    for (let k = 0; k < decided.length; k += DECISIONS_PER_RECORD) this.writeDecisions(decided, k, Math.min(decided.length, k + DECISIONS_PER_RECORD));
    this.publish();
  }

  /** Bytes the log holds now, garbage not yet cleaned included. */
  get usedBytes(): number {
    return this.used;
  }

  /** Cleaning steps so far (records dropped or moved from the tail). */
  get cleaned(): number {
    return Atomics.load(this.words, W_CLEANED);
  }

  // ---- The log ---------------------------------------------------------------------------

  private get head(): number {
    return (this.tail + this.used) % this.capacity;
  }

  private publish(): void {
    this.dropsUnpublished = false;
    Atomics.store(this.extent, 0, (BigInt(this.tail) << 32n) | BigInt(this.used));
  }

  /** Free bytes a cleaning starts with at least, to move the live records it meets to the head. */
  private get slack(): number {
    return Math.floor(this.capacity / 8) & ~7;
  }

  /**
   * Reserves `size` contiguous bytes at the head (writing a WRAP marker over the rest of the
   * buffer when they do not fit before its end), and returns where they start. The caller has
   * made sure there is room.
   */
  private reserve(size: number): number {
    // Records a cleaning dropped are published gone before their room is written over.
    if (this.dropsUnpublished) this.publish();
    let at = this.head;
    if (at + size > this.capacity) {
      const skip = this.capacity - at;
      if (skip >= RECORD_HEAD) this.view.setUint32(at, TAG_WRAP, true);
      this.used += skip;
      at = 0;
    }
    if (this.used + size > this.capacity) throw new AssertionError(`vote store of ${this.capacity} bytes cannot hold the votes retained: raise its size`);
    this.used += size;
    return at;
  }

  /** Writes a planned record. */
  private writeRecord(r: PlannedRecord): void {
    const reserved = RECORD_HEAD + align8(r.bodyMax);
    const at = this.reserve(reserved);
    this.closeRecord(at, r.tag, reserved, r.write(at + RECORD_HEAD));
  }

  /** Writes a record's head; the room reserved beyond its actual body goes back, so records stay back to back. */
  private closeRecord(at: number, tag: number, reserved: number, written: number): void {
    this.view.setUint32(at, tag, true);
    this.view.setUint32(at + 4, written, true);
    this.used -= reserved - (RECORD_HEAD + align8(written));
  }

  /** Calls `each` with every published record from the tail (tag, body offset, body bytes, record offset). */
  private forEachRecord(each: (tag: number, at: number, body: number, pos: number) => void): void {
    let pos = this.tail;
    let left = this.used;
    while (left > 0) {
      if (this.capacity - pos < RECORD_HEAD || this.view.getUint32(pos, true) === TAG_WRAP) {
        left -= this.capacity - pos;
        pos = 0;
        continue;
      }
      const tag = this.view.getUint32(pos, true);
      const body = this.view.getUint32(pos + 4, true);
      const size = RECORD_HEAD + align8(body);
      if (size > left || pos + size > this.capacity) throw new AssertionError(`vote store corrupt at ${pos}: record of ${body} bytes past the end`);
      each(tag, pos + RECORD_HEAD, body, pos);
      pos = (pos + size) % this.capacity;
      left -= size;
    }
  }

  /**
   * Frees at least `room` bytes, and a 32nd of the buffer more than starts a cleaning, by dropping
   * or moving records from the tail.
   */
  private clean(room: number, holding: HeldVotes): void {
    // Past the free space that starts a cleaning by a 32nd of the log: each cleaning stalls the
    // acceptor's thread for as long as it takes to walk that stretch of records (2.8 MB at the
    // default size: under a millisecond), and the next one comes as much later.
    const target = Math.min(this.capacity, room + this.slack + this.capacity / 32);
    // Each step looks at the tail record only; a record copied to the head is not looked at again
    // in this cleaning (`budget` counts the bytes that were in the log when it began). Records
    // dropped are published gone in one go, before the next copy reserves room (reserve) or at
    // the end: until then the published extent still covers them, which is harmless.
    let budget = this.used;
    let steps = 0;
    while (this.capacity - this.used < target && budget > 0) {
      const pos = this.tail;
      if (this.capacity - pos < RECORD_HEAD || this.view.getUint32(pos, true) === TAG_WRAP) {
        const skip = this.capacity - pos;
        this.tail = 0;
        this.used -= skip;
        budget -= skip;
        this.dropsUnpublished = true;
        continue;
      }
      const tag = this.view.getUint32(pos, true);
      const body = this.view.getUint32(pos + 4, true);
      const size = RECORD_HEAD + align8(body);
      // Copy what is still held to the head first; then the tail moves past the original. Both
      // become visible in the same later publish.
      this.keep(tag, pos + RECORD_HEAD, body, pos, holding);
      this.tail = (pos + size) % this.capacity;
      this.used -= size;
      budget -= size;
      this.dropsUnpublished = true;
      steps++;
    }
    this.publish();
    Atomics.add(this.words, W_CLEANED, steps);
    if (this.capacity - this.used < room - this.slack) throw new AssertionError(`vote store of ${this.capacity} bytes cannot hold the votes retained: raise its size`);
  }

  /** Copies to the head what of a tail record the acceptor still holds. */
  private keep(tag: number, at: number, body: number, pos: number, holding: HeldVotes): void {
    if (tag === TAG_BATCH_VOTE) {
      const instance = this.view.getFloat64(at, true);
      if (holding.heldBallot(instance) !== this.view.getFloat64(at + 8, true)) return;
      // The record's bytes move as they are: its pads stay right modulo 8 at any 8-aligned place.
      const size = RECORD_HEAD + align8(body);
      const to = this.reserve(size);
      this.bytes.copyWithin(to, at - RECORD_HEAD, at - RECORD_HEAD + size);
      return;
    }
    if (tag === TAG_DECISIONS) {
      // Mostly decisions of instances trimmed long ago: looked at in place, nothing decoded.
      let held: DecisionEntry[] | null = null;
      this.forEachDecision(at, body, pos, (instance, ballot) => {
        if (holding.heldDecided(instance)) (held ??= []).push({ instance: instance as Instance, ballot: ballot as Ballot });
      });
      if (held === null) return;
      this.writeDecisions(held, 0, (held as DecisionEntry[]).length);
      return;
    }
    if (tag !== TAG_FRAME) throw new AssertionError(`vote store corrupt at ${pos}: tag ${tag}`);
    const entries = this.readFrame(at, body, pos).entries.filter((e) => holding.heldBallot(e.instance) === e.ballot);
    if (entries.length === 0) return;
    this.writeRecord(this.planFrame({ type: 'deliver', ring: 0 as RingId, from: 0 as NodeId, entries: entries.map(copyEntry) }));
  }

  /** Decisions `from` to `to` of a list as one record. */
  private writeDecisions(list: readonly DecisionEntry[], from: number, to: number): void {
    const reserved = RECORD_HEAD + align8(decisionsBodyMax(to - from));
    const at = this.reserve(reserved);
    const v = this.view;
    const body = at + RECORD_HEAD;
    v.setUint32(body, to - from, true);
    v.setUint32(body + 4, 0, true);
    let p = body + DECISIONS_HEAD;
    for (let k = from; k < to; k++) {
      const d = list[k] as DecisionEntry;
      v.setFloat64(p, d.instance, true);
      v.setFloat64(p + 8, d.ballot, true);
      p += DECISION_BYTES;
    }
    this.closeRecord(at, TAG_DECISIONS, reserved, p - body);
  }

  private forEachDecision(at: number, body: number, pos: number, each: (instance: number, ballot: number) => void): void {
    const count = this.view.getUint32(at, true);
    if (DECISIONS_HEAD + DECISION_BYTES * count > body) throw new AssertionError(`vote store corrupt at ${pos}: ${count} decisions in ${body} bytes`);
    for (let k = 0, p = at + DECISIONS_HEAD; k < count; k++, p += DECISION_BYTES) each(this.view.getFloat64(p, true), this.view.getFloat64(p + 8, true));
  }

  // ---- Records ---------------------------------------------------------------------------

  /** A vote's body bytes at the most: a batch written straight in (pads up to 7 bytes per run), anything else as a frame. */
  private voteBodyMax(e: AcceptedEntry): number {
    if (e.value.kind !== 'batch') return encodedSize(voteFrame(e));
    let bodyMax = VOTE_HEAD;
    for (const r of e.value.runs) bodyMax += RUN_HEAD + 7 + r.packed.length;
    return bodyMax;
  }

  private writeVote(e: AcceptedEntry): void {
    if (e.value.kind !== 'batch') return this.writeRecord(this.planFrame(voteFrame(e)));
    const reserved = RECORD_HEAD + align8(this.voteBodyMax(e));
    const at = this.reserve(reserved);
    this.closeRecord(at, TAG_BATCH_VOTE, reserved, this.writeBatchVoteAt(at + RECORD_HEAD, e.instance, e.ballot, e.value.runs));
  }

  /** A vote for a batch, value bytes copied straight in at their source's alignment; returns the body's bytes. */
  private writeBatchVoteAt(start: number, instance: number, ballot: number, runs: readonly ValueRun[]): number {
    const v = this.view;
    let p = start + VOTE_HEAD;
    for (const r of runs) {
      const b = r.packed;
      const pad = (b.byteOffset - (this.bytes.byteOffset + p + RUN_HEAD)) & 7;
      const at = p + RUN_HEAD + pad;
      v.setFloat64(p, r.first, true);
      v.setUint32(p + 8, r.count, true);
      v.setUint32(p + 12, b.length, true);
      v.setUint32(p + 16, pad, true);
      v.setUint32(p + 20, 0, true);
      this.bytes.set(b, at);
      p = at + b.length;
    }
    v.setFloat64(start, instance, true);
    v.setFloat64(start + 8, ballot, true);
    v.setUint32(start + 16, runs.length, true);
    v.setUint32(start + 20, 0, true);
    return p - start;
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

  /** A record holding a codec frame (decisions, votes for noop and skip), encoded on the heap and copied in one aligned block. */
  private planFrame(msg: Message): PlannedRecord {
    const size = encodedSize(msg);
    return { tag: TAG_FRAME, bodyMax: size, write: (at) => this.writeFrameAt(at, msg, size) };
  }

  private writeFrameAt(at: number, msg: Message, size: number): number {
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, 2 * this.scratch.length));
    const written = encodeInto(msg, this.scratch, 0, { checksum: false });
    this.bytes.set(this.scratch.subarray(0, written), at);
    return written;
  }

  private readFrame(at: number, body: number, pos: number): Extract<Message, { type: 'deliver' }> {
    const r = decode(this.bytes, at, body);
    if (!r.ok || r.msg.type !== 'deliver') throw new AssertionError(`vote store corrupt at ${pos}: ${r.ok ? r.msg.type : r.error}`);
    return r.msg;
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

const DECISIONS_PER_RECORD = 256;

const decisionsBodyMax = (n: number): number => DECISIONS_HEAD + DECISION_BYTES * n;

const voteFrame = (e: AcceptedEntry): Message => ({ type: 'deliver', ring: 0 as RingId, from: 0 as NodeId, entries: [e] });

function copyEntry(e: AcceptedEntry): AcceptedEntry {
  if (e.value.kind !== 'batch') return e;
  return { ...e, value: { kind: 'batch', runs: e.value.runs.map((r) => ({ first: r.first, count: r.count, packed: r.packed.slice() })) } };
}
