/**
 * The proposer role as an actor. A PROPOSE frame (request ids, then the values packed as a run's
 * bytes) asks it to propose values: it cuts the frame into runs within the role's limits and
 * copies each run out of the mailbox with one call, no object per value. Once values are decided
 * it answers the sender with an ACKED
 * frame of (u32 request id, f64 value id) pairs. Who asked for the values of a run travels with
 * the run through the role (its tag) and comes back with the acknowledgement: nothing is kept
 * per value. (Arrays indexed by sequence number modulo the in-flight limit were used before: the
 * values admitted in the same turn as an acknowledgement, or a run acknowledged long after newer
 * ones, took the slots of the acknowledged values and their request ids were answered.) Requests
 * beyond the role's in-flight limit wait in a bounded queue; past that they are REFUSED (u32
 * request ids), and the API rejects them.
 */
import { EPOCH_SEQS, EPOCHS, type NodeId } from '../src/protocol/ids.ts';
import { ListsByKey } from '../src/protocol/multimap.ts';
import { Proposer } from '../src/protocol/proposer.ts';
import { packedValid, RUN_ITEM_HEAD_BYTES } from '../src/protocol/runs.ts';
import type { ActorModule } from '../runtime/actor/actor.ts';
import { FrameKind } from '../runtime/host/envelope.ts';
import { readProposeFrame, type ProposeFrame } from '../runtime/host/propose-frame.ts';
import { bindRole } from './role-binding.ts';
import type { ProposerArgs } from './role-args.ts';

/** Requests waiting for room in the proposer's in-flight window. */
export const PROPOSER_WAITING_MAX = 65_536;

/** Consecutive requests of one frame, proposed together as one run (copied out of the frame). */
interface Chunk {
  readonly src: number;
  /** Request ids of the values. */
  readonly requests: readonly number[];
  readonly count: number;
  readonly packed: Uint8Array;
}

/** (request id, value id) pairs waiting to be acknowledged to one requester; reused across flushes. */
class AckList {
  private items = new Float64Array(1024);
  length = 0;

  push(request: number, id: number): void {
    if (this.length + 2 > this.items.length) {
      const grown = new Float64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.length++] = request;
    this.items[this.length++] = id;
  }

  /** Writes the pairs as an ACKED payload (u32 request id | f64 value id each); returns its size. */
  encode(b: Uint8Array, o: number): number {
    const bytes = (this.length / 2) * 12;
    const view = new DataView(b.buffer, b.byteOffset + o, bytes);
    for (let k = 0; k < this.length; k += 2) {
      view.setUint32(k * 6, this.items[k] as number, true);
      view.setFloat64(k * 6 + 4, this.items[k + 1] as number, true);
    }
    return bytes;
  }
}

const proposerActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as ProposerArgs;
    const opts = args.protocol;
    // A new incarnation starts in the epoch after the last one used (see ids.ts): its value ids
    // never repeat those of a previous life, whose values may still be decided.
    const epochWord = new Int32Array(args.epochWord);
    const epoch = (Atomics.load(epochWord, 0) + 1) % EPOCHS;
    Atomics.store(epochWord, 0, epoch);
    const role = new Proposer(args.node as NodeId, args.spec, opts, epoch * EPOCH_SEQS);
    const runValuesMax = Math.min(opts.batchValuesMax, opts.proposerValuesInFlightMax);
    const waiting: Chunk[] = [];
    let waitingHead = 0;
    let waitingValues = 0;
    const refused = new ListsByKey<number, number>();
    /**
     * Per requester: request id, value id, request id, value id, … in a buffer kept from flush to
     * flush (no array grown and dropped at every flush).
     */
    const acked = new Map<number, AckList>();
    let malformed = 0;
    let tooLarge = 0;

    const tryPropose = (c: Chunk): boolean => role.proposeRun(c.packed, c.count, c) !== null;
    /** Request ids `from` … `to - 1` of a frame. */
    const requestsOf = (frame: ProposeFrame, from: number, to: number): number[] => {
      // Sized at once (pushing grew the array several times per chunk).
      const ids = new Array<number>(to - from);
      for (let k = from; k < to; k++) ids[k - from] = frame.ids.getUint32(4 * k, true);
      return ids;
    };
    const refuse = (src: number, requests: readonly number[]): void => {
      for (const id of requests) refused.append(src, id);
    };
    const admit = (c: Chunk): void => {
      if (waitingHead === waiting.length && tryPropose(c)) return;
      if (waitingValues + c.count > PROPOSER_WAITING_MAX) return refuse(c.src, c.requests);
      waiting.push(c);
      waitingValues += c.count;
    };
    const admitWaiting = (): void => {
      while (waitingHead < waiting.length) {
        const c = waiting[waitingHead] as Chunk;
        if (!tryPropose(c)) break;
        waitingHead++;
        waitingValues -= c.count;
      }
      if (waitingHead === waiting.length) waiting.length = waitingHead = 0;
    };
    /** Cuts a frame into runs of at most runValuesMax values and submitBytesMax bytes, each copied out. */
    const onPropose = (src: number, bytes: Uint8Array, offset: number, length: number): void => {
      const frame = readProposeFrame(bytes, offset, length);
      if (frame === null) return void malformed++;
      const p = frame.packed;
      if (!packedValid(p, frame.count)) {
        malformed++;
        return refuse(src, requestsOf(frame, 0, frame.count));
      }
      const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
      let start = 0;
      let from = 0;
      let valueBytes = 0;
      let o = 0;
      const cut = (k: number): void => {
        if (k > from) admit({ src, requests: requestsOf(frame, from, k), count: k - from, packed: ctx.poolCopy(p, start, o) });
        start = o;
        from = k;
        valueBytes = 0;
      };
      for (let k = 0; k < frame.count; k++) {
        const len = view.getUint32(o, true);
        if (len > opts.submitBytesMax) {
          // The API refuses these before they are sent; one that comes anyway is refused here.
          cut(k);
          tooLarge++;
          refuse(src, requestsOf(frame, k, k + 1));
          o += RUN_ITEM_HEAD_BYTES + len;
          start = o;
          from = k + 1;
          continue;
        }
        if (k - from >= runValuesMax || valueBytes + len > opts.submitBytesMax) cut(k);
        valueBytes += len;
        o += RUN_ITEM_HEAD_BYTES + len;
      }
      cut(frame.count);
    };
    const binding = bindRole(ctx, args.spec.ring, role, {
      delivered(runs) {
        for (const r of runs) {
          const c = r.tag as Chunk;
          let list = acked.get(c.src);
          if (list === undefined) acked.set(c.src, (list = new AckList()));
          for (let k = 0; k < r.count; k++) list.push(c.requests[r.tagOffset + k] as number, r.first + k);
        }
      },
      onOtherFrame(kind, src, bytes, offset, length) {
        if (kind === FrameKind.PROPOSE) onPropose(src, bytes, offset, length);
      },
      status: () => ({ role: 'proposer', inflight: role.valuesInFlight, waiting: waitingValues, malformed, tooLarge, ...role.stats }),
    });
    return {
      ...binding,
      forEachHeldBytes(mark) {
        for (let k = waitingHead; k < waiting.length; k++) mark((waiting[k] as Chunk).packed);
        binding.forEachHeldBytes?.(mark);
      },
      flush() {
        admitWaiting();
        if (role.epoch !== Atomics.load(epochWord, 0)) Atomics.store(epochWord, 0, role.epoch);
        binding.flush?.();
        for (const [to, list] of acked) {
          if (list.length === 0) continue;
          const bytes = (list.length / 2) * 12;
          ctx.sendFrame(to, FrameKind.ACKED, bytes, (b, o) => list.encode(b, o));
          list.length = 0;
        }
        refused.drain((to, ids) => {
          ctx.sendFrame(to, FrameKind.REFUSED, ids.length * 4, (b, o) => {
            const view = new DataView(b.buffer, b.byteOffset + o, ids.length * 4);
            ids.forEach((id, k) => view.setUint32(k * 4, id, true));
            return ids.length * 4;
          });
        });
      },
    };
  },
};
export default proposerActor;
