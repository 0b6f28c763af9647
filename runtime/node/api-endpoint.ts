/**
 * The API's end of the mailboxes, on the main thread (address 0). It sends propose requests to
 * proposer actors and resolves their promises when the values are decided; it passes delivered
 * instances to onDeliver callbacks in order, once each (a restarted learner that delivers again
 * from the start is skipped up to what was already delivered). It waits with Atomics.waitAsync,
 * so it never blocks the program's event loop.
 */
import { ErrorCode, RingcastError } from '../../src/errors.ts';
import type { ValueId } from '../../src/protocol/ids.ts';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';
import { decodeDelivered, deliveredInstanceOf } from '../host/delivered-frame.ts';
import { FrameKind } from '../host/envelope.ts';
import type { PostOffice } from '../host/post-office.ts';
import { PROPOSE_FRAME_BYTES_TARGET, encodeProposeFrame, proposeFrameSizeMax } from '../host/propose-frame.ts';
import { RUN_ITEM_HEAD_BYTES } from '../../src/protocol/runs.ts';
import { API_ADDRESS } from './node-plan.ts';
import { PendingTable } from './pending-table.ts';
// The hot paths' copies into and out of shared memory by memcpy where the native module is built.
import '../native/bulk-copy.ts';

/**
 * One outstanding proposal. Reused: a settled one goes back to `freeEntries`. An object literal
 * per propose() was an allocation site that V8 learned to allocate in the old generation after a
 * burst (pretenuring), and each such entry, dead once settled, kept its promise's resolving
 * functions, the promise and its reactions alive through every scavenge until the next
 * mark-compact: the main thread promoted 1–3 MB per scavenge at 100,000 values/s, with pauses of
 * 10–20 ms.
 */
interface PendingPropose {
  to: ProposerLine;
  /** The value's length, counted in its line's outstandingBytes until it settles. */
  bytes: number;
  resolve: (id: ValueId) => void;
  reject: (e: unknown) => void;
}

const FREE_ENTRIES_MAX = 65_536;
/** What a free entry holds instead of a promise's resolving functions (so that it keeps none alive). */
const SETTLED = (): void => undefined;

/**
 * Values proposed to one proposer and not yet in its mailbox: their request ids, and their bytes
 * packed as in a run (u32 length | bytes), in chunks filled in turn and reused once sent. Chunks,
 * not one growing buffer: moving what is left of a buffer to its front cost the main thread a
 * memmove of up to the whole backlog (tens of MB of 8 KB values) at every turn.
 */
interface Chunk {
  readonly buf: Uint8Array;
  readonly view: DataView;
  /** Request ids up to `idsEnd` (the array keeps its room from one use of the chunk to the next). */
  readonly ids: number[];
  idsEnd: number;
  /** The first id, and the offset of the first packed value, not sent yet. */
  idsHead: number;
  head: number;
  used: number;
}

/** The API's side of one proposer: proposals outstanding, and the values not sent yet. */
interface ProposerLine {
  readonly proposer: number;
  outstanding: number;
  /** Bytes of the values outstanding (proposeOutstandingBytesMax). */
  outstandingBytes: number;
  /** Oldest first; values are appended to the last. */
  readonly chunks: Chunk[];
  /** Sent chunks kept for reuse. */
  readonly spare: Chunk[];
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * A PROPOSER_FULL refusal, without a stack trace. It is flow control, not a fault, and it comes
 * at the program's own rate: capturing a stack took 4–5 µs per refusal, and a program that went
 * on proposing 200,000 values/s of 1 KB into a full proposer spent the main thread on refusals,
 * starved the pump that settles proposals, and stayed refused (4,000–12,000 values/s delivered).
 */
function flowControlError(message: string): RingcastError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RingcastError(ErrorCode.PROPOSER_FULL, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * While frames keep coming, the pump loops on microtasks; past this long it lets the program's
 * event loop run (timers, I/O) before the next round.
 */
const PUMP_YIELD_MS = 1;
const SPARE_CHUNKS_MAX = 2;

function newChunk(bytes: number): Chunk {
  const buf = new Uint8Array(Math.max(CHUNK_BYTES, bytes));
  return { buf, view: new DataView(buf.buffer), ids: [], idsEnd: 0, idsHead: 0, head: 0, used: 0 };
}

/** The chunk of a proposer's staging to append `bytes` to. */
function chunkFor(line: ProposerLine, bytes: number): Chunk {
  const last = line.chunks[line.chunks.length - 1];
  if (last !== undefined && last.used + bytes <= last.buf.length) return last;
  const spare = line.spare.pop();
  const c = spare !== undefined && spare.buf.length >= bytes ? spare : newChunk(bytes);
  line.chunks.push(c);
  return c;
}

export interface DeliverOptions {
  /**
   * Hand the values as views into the learner's mailbox, valid only until the callback returns
   * (copy what you keep), instead of views into a copy of each delivery: one copy of every value
   * and its garbage fewer, for programs that apply each value at once.
   */
  readonly borrow?: boolean;
}

interface Subscription {
  /** Each callback, and whether it borrows the values (DeliverOptions). */
  readonly callbacks: Map<(d: DeliveredInstance) => void, boolean>;
  /** The next instance to hand to callbacks; lower ones were delivered already. */
  nextInstance: number;
}

export class ApiEndpoint {
  private readonly pending: PendingTable<PendingPropose>;
  private readonly freeEntries: PendingPropose[] = [];
  private readonly subscriptions = new Map<number, Subscription>();
  /** Per proposer; staged requests are sent as few frames as the mailbox takes. */
  private readonly lines = new Map<number, ProposerLine>();
  private nextRequest = 1;
  private open = true;
  /** Set when the node begins to close: no new proposals, and a proposer that stops is not a crash. */
  private closing = false;
  private flushQueued = false;
  private readonly pumping: Promise<void>;
  /** What `capture` took from the promise being made (see propose). */
  private readonly captured: { resolve: (id: ValueId) => void; reject: (e: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  private readonly capture = (resolve: (id: ValueId) => void, reject: (e: unknown) => void): void => {
    this.captured.resolve = resolve;
    this.captured.reject = reject;
  };
  readonly stats = { proposed: 0, acked: 0, refused: 0, delivered: 0, callbackErrors: 0 };

  constructor(
    private readonly po: PostOffice,
    private readonly outstandingMax: number,
    private readonly outstandingBytesMax: number,
  ) {
    this.pending = new PendingTable(1024, 4 * outstandingMax);
    this.pumping = this.pump();
  }

  /** Proposes `bytes` (at most `bytesMax` long, the ring's submitBytesMax) through `proposer`. */
  propose(proposer: number, bytes: Uint8Array, bytesMax: number): Promise<ValueId> {
    if (this.closing) return Promise.reject(new RingcastError(ErrorCode.CLOSED, 'the node is closed'));
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new RingcastError(ErrorCode.INVALID_ARGUMENT, 'propose() takes a Uint8Array'));
    if (bytes.length > bytesMax) {
      return Promise.reject(new RingcastError(ErrorCode.VALUE_TOO_LARGE, `value of ${bytes.length} bytes exceeds the ring's submitBytesMax (${bytesMax})`));
    }
    let line = this.lines.get(proposer);
    if (line === undefined) this.lines.set(proposer, (line = { proposer, outstanding: 0, outstandingBytes: 0, chunks: [], spare: [] }));
    if (line.outstanding >= this.outstandingMax) {
      return Promise.reject(flowControlError(`${line.outstanding} proposals outstanding at proposer ${proposer} (proposeOutstandingMax)`));
    }
    // Bounded in bytes too: an open-loop program that outran the ring for a moment (a cold start
    // at 8 KB) once had 65,536 values of 8 KB staged, and the ring, working through 512 MB that
    // no cache held, fell to a sixth of its speed and never caught up. One value always goes.
    if (line.outstanding > 0 && line.outstandingBytes + bytes.length > this.outstandingBytesMax) {
      return Promise.reject(
        flowControlError(`${line.outstandingBytes} bytes of proposals outstanding at proposer ${proposer}; ${bytes.length} more would pass proposeOutstandingBytesMax (${this.outstandingBytesMax})`),
      );
    }
    const id = this.nextRequest;
    this.nextRequest = (this.nextRequest % 0xffff_fffe) + 1;
    // Copied now: the caller may reuse its buffer as soon as propose() returns.
    const c = chunkFor(line, RUN_ITEM_HEAD_BYTES + bytes.length);
    c.view.setUint32(c.used, bytes.length, true);
    c.buf.set(bytes, c.used + RUN_ITEM_HEAD_BYTES);
    c.used += RUN_ITEM_HEAD_BYTES + bytes.length;
    c.ids[c.idsEnd++] = id;
    this.stats.proposed++;
    line.outstanding++;
    line.outstandingBytes += bytes.length;
    this.scheduleFlush();
    // One executor for every promise (a closure per call cost a function and a context each).
    const promise = new Promise<ValueId>(this.capture);
    const e = this.freeEntries.pop();
    if (e === undefined) this.pending.set(id, { to: line, bytes: bytes.length, resolve: this.captured.resolve, reject: this.captured.reject });
    else {
      e.to = line;
      e.bytes = bytes.length;
      e.resolve = this.captured.resolve;
      e.reject = this.captured.reject;
      this.pending.set(id, e);
    }
    return promise;
  }

  /** Calls `cb` with every instance the learner delivers from now on; returns the unsubscribe. */
  subscribe(learner: number, cb: (d: DeliveredInstance) => void, opts: DeliverOptions = {}): () => void {
    let sub = this.subscriptions.get(learner);
    if (sub === undefined) {
      sub = { callbacks: new Map(), nextInstance: 0 };
      this.subscriptions.set(learner, sub);
      this.sendSubscribe(learner, true);
    }
    sub.callbacks.set(cb, opts.borrow === true);
    return () => {
      const s = this.subscriptions.get(learner);
      if (s === undefined || !s.callbacks.delete(cb) || s.callbacks.size > 0) return;
      this.subscriptions.delete(learner);
      this.sendSubscribe(learner, false);
    };
  }

  /** Sends a user message (already encoded) to an actor; false if it was dropped. */
  sendUser(to: number, bytes: Uint8Array): boolean {
    const sent = this.po.send(to, API_ADDRESS, FrameKind.USER, bytes.length, (b, o) => (b.set(bytes, o), bytes.length));
    this.scheduleFlush();
    return sent;
  }

  /**
   * The next instance the program expects from a learner (every one below was handed to its
   * callbacks), or null when the program has not subscribed to it.
   */
  subscribedFrom(learner: number): number | null {
    return this.subscriptions.get(learner)?.nextInstance ?? null;
  }

  /**
   * A proposer crashed, or stopped once the node began to close: what it had not acknowledged
   * may or may not be decided.
   */
  rejectPending(proposer: number, reason: unknown): void {
    const line = this.lines.get(proposer);
    if (line === undefined) return;
    // Values not sent yet go too: their requests are rejected here.
    line.chunks.length = 0;
    line.outstanding = 0;
    line.outstandingBytes = 0;
    for (const p of this.pending.takeAll((e) => e.to === line)) {
      const reject = p.reject;
      this.release(p);
      reject(
        this.closing
          ? new RingcastError(ErrorCode.CLOSED, 'the node closed before the value was acknowledged; it may or may not be delivered')
          : new RingcastError(ErrorCode.ACTOR_CRASHED, `proposer ${proposer} crashed before the value was acknowledged; it may or may not be delivered`, { cause: reason }),
      );
    }
  }

  /** Refuses new proposals from now on; deliveries and acks still come in until close(). */
  beginClose(): void {
    this.closing = true;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.open = false;
    this.po.doorbells.ring(this.po.host);
    await this.pumping;
    for (const p of this.pending.takeAll()) {
      const reject = p.reject;
      this.release(p);
      reject(new RingcastError(ErrorCode.CLOSED, 'the node closed before the value was acknowledged'));
    }
  }

  /** Takes a settled entry back for reuse; it lets go of the promise's resolving functions. */
  private release(e: PendingPropose): void {
    e.resolve = e.reject = SETTLED;
    if (this.freeEntries.length < FREE_ENTRIES_MAX) this.freeEntries.push(e);
  }

  private sendSubscribe(learner: number, on: boolean): void {
    this.po.send(learner, API_ADDRESS, FrameKind.SUBSCRIBE, 1, (b, o) => ((b[o] = on ? 1 : 0), 1));
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.sendProposals();
      this.po.flush();
    });
  }

  /**
   * Moves staged values into the proposers' mailboxes, written straight into the ring; what does
   * not fit now stays staged for the next turn (no copy into an overflow queue).
   */
  private sendProposals(): void {
    for (const s of this.lines.values()) {
      for (let c = s.chunks[0]; c !== undefined; c = s.chunks[0]) {
        if (!this.sendChunk(s.proposer, c)) break; // the mailbox is full for now: the next turn tries again
        // All of it went: reuse the chunk (in place if it is the one being filled).
        c.idsEnd = c.idsHead = c.head = c.used = 0;
        if (s.chunks.length === 1) break;
        s.chunks.shift();
        if (s.spare.length < SPARE_CHUNKS_MAX) s.spare.push(c);
      }
    }
  }

  /** Sends a chunk's values in frames of about PROPOSE_FRAME_BYTES_TARGET; false if some are left. */
  private sendChunk(proposer: number, c: Chunk): boolean {
    while (c.idsHead < c.idsEnd) {
      const from = c.idsHead;
      const head = c.head;
      let end = head;
      let n = 0;
      while (from + n < c.idsEnd && (n === 0 || end - head < PROPOSE_FRAME_BYTES_TARGET)) {
        end += RUN_ITEM_HEAD_BYTES + c.view.getUint32(end, true);
        n++;
      }
      const size = proposeFrameSizeMax(n, end - head);
      const sent = this.po.trySendDirect(proposer, API_ADDRESS, FrameKind.PROPOSE, size, (b, o) => encodeProposeFrame(c.ids, from, from + n, c.buf, head, end, b, o));
      if (sent === 'full') return false;
      if (sent === 'refused') {
        const err = new RingcastError(ErrorCode.MAILBOX_FULL, `a frame of ${size} bytes does not fit the mailbox of proposer ${proposer}`);
        for (let k = from; k < from + n; k++) this.settle(c.ids[k] as number, null, err);
      }
      c.idsHead = from + n;
      c.head = end;
    }
    return true;
  }

  private hasStaged(): boolean {
    for (const s of this.lines.values()) for (const c of s.chunks) if (c.idsHead < c.idsEnd) return true;
    return false;
  }

  private async pump(): Promise<void> {
    const sink = this.onFrame.bind(this);
    let yielded = performance.now();
    while (this.open) {
      const n = this.po.drain(sink);
      const staged = this.hasStaged();
      if (staged) this.sendProposals();
      this.po.flush();
      // Values wait for room in a mailbox: look again soon even if nothing arrives.
      if (n === 0) {
        await this.po.doorbells.sleepAsync(this.po.host, staged ? 1 : 20, () => this.po.hasWork() || !this.open);
        yielded = performance.now();
      } else if (performance.now() - yielded >= PUMP_YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        yielded = performance.now();
      } else await Promise.resolve();
    }
  }

  private onFrame(_dst: number, src: number, kind: number, _ring: number, bytes: Uint8Array, offset: number, length: number): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
    if (kind === FrameKind.ACKED) {
      for (let k = 0; k + 12 <= length; k += 12) this.settle(view.getUint32(k, true), view.getFloat64(k + 4, true) as ValueId, null);
    } else if (kind === FrameKind.REFUSED) {
      const err = new RingcastError(ErrorCode.PROPOSER_FULL, `proposer ${src} refused the value: its queue is full`);
      for (let k = 0; k + 4 <= length; k += 4) this.settle(view.getUint32(k, true), null, err);
    } else if (kind === FrameKind.DELIVERED) {
      this.onDelivered(src, bytes, offset, length);
    }
  }

  private settle(request: number, id: ValueId | null, error: unknown): void {
    const p = this.pending.take(request);
    if (p === undefined) return;
    const { to, bytes, resolve, reject } = p;
    this.release(p);
    if (to.outstanding > 0) to.outstanding--;
    to.outstandingBytes = Math.max(0, to.outstandingBytes - bytes);
    if (id !== null) {
      this.stats.acked++;
      resolve(id);
    } else {
      this.stats.refused++;
      reject(error);
    }
  }

  private onDelivered(learner: number, bytes: Uint8Array, offset: number, length: number): void {
    const sub = this.subscriptions.get(learner);
    const instance = deliveredInstanceOf(bytes, offset, length);
    if (sub === undefined || instance === null || instance < sub.nextInstance) return;
    // Decoded at most twice: as views into the mailbox for borrowers, into one copy for the others.
    let borrowed: DeliveredInstance | null = null;
    let copied: DeliveredInstance | null = null;
    for (const [cb, borrow] of sub.callbacks) {
      const d = borrow ? (borrowed ??= decodeDelivered(bytes, offset, length, false)) : (copied ??= decodeDelivered(bytes, offset, length, true));
      if (d === null) return; // malformed: nothing handed over
      try {
        cb(d);
      } catch {
        // A callback belongs to the program: its failure must not stop deliveries to the others.
        this.stats.callbackErrors++;
      }
    }
    sub.nextInstance = instance + 1;
    this.stats.delivered += (borrowed ?? copied)?.values.length ?? 0;
  }
}
