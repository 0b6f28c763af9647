/**
 * The proposer role as an actor. A PROPOSE frame (a batch of request ids and values) asks it to
 * propose values; once the value is decided it answers the sender with an ACKED frame of
 * (u32 request id, f64 value id) pairs. Requests beyond the role's in-flight limit wait in a
 * bounded queue; past that they are REFUSED (u32 request ids), and the API rejects them.
 */
import { EPOCH_SEQS, EPOCHS, type NodeId, type ValueId } from '../src/protocol/ids.ts';
import { appendTo } from '../src/protocol/multimap.ts';
import { Proposer } from '../src/protocol/proposer.ts';
import type { ActorModule } from '../runtime/actor/actor.ts';
import { FrameKind } from '../runtime/host/envelope.ts';
import { decodeProposeFrame } from '../runtime/host/propose-frame.ts';
import { bindRole } from './role-binding.ts';
import type { ProposerArgs } from './role-args.ts';

/** Requests waiting for room in the proposer's in-flight window. */
export const PROPOSER_WAITING_MAX = 65_536;

interface Request {
  readonly src: number;
  readonly id: number;
}

const proposerActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as ProposerArgs;
    // A new incarnation starts in the epoch after the last one used (see ids.ts): its value ids
    // never repeat those of a previous life, whose values may still be decided.
    const epochWord = new Int32Array(args.epochWord);
    const epoch = (Atomics.load(epochWord, 0) + 1) % EPOCHS;
    Atomics.store(epochWord, 0, epoch);
    const role = new Proposer(args.node as NodeId, args.spec, args.protocol, epoch * EPOCH_SEQS);
    const owners = new Map<ValueId, Request>();
    const waiting: { req: Request; bytes: Uint8Array }[] = [];
    let waitingHead = 0;
    const refused = new Map<number, number[]>();
    const acked = new Map<number, { id: number; value: ValueId }[]>();
    let malformed = 0;

    const tryPropose = (req: Request, bytes: Uint8Array): boolean => {
      const id = role.propose(bytes);
      if (id === null) return false;
      owners.set(id, req);
      return true;
    };
    const admitWaiting = (): void => {
      while (waitingHead < waiting.length) {
        const w = waiting[waitingHead] as { req: Request; bytes: Uint8Array };
        if (!tryPropose(w.req, w.bytes)) break;
        waitingHead++;
      }
      if (waitingHead === waiting.length) waiting.length = waitingHead = 0;
    };
    const binding = bindRole(ctx, args.spec.ring, role, {
      delivered(ids) {
        for (const v of ids) {
          const req = owners.get(v);
          if (req === undefined) continue;
          owners.delete(v);
          appendTo(acked, req.src, { id: req.id, value: v });
        }
      },
      onOtherFrame(kind, src, bytes, offset, length) {
        if (kind !== FrameKind.PROPOSE) return;
        const ok = decodeProposeFrame(bytes, offset, length, (id, value) => {
          const req = { src, id };
          if (waiting.length - waitingHead === 0 && tryPropose(req, value)) return;
          if (waiting.length - waitingHead >= PROPOSER_WAITING_MAX) appendTo(refused, src, id);
          else waiting.push({ req, bytes: value });
        });
        if (!ok) malformed++;
      },
      status: () => ({ role: 'proposer', inflight: role.valuesInFlight, waiting: waiting.length - waitingHead, malformed, ...role.stats }),
    });
    return {
      ...binding,
      flush() {
        admitWaiting();
        if (role.epoch !== Atomics.load(epochWord, 0)) Atomics.store(epochWord, 0, role.epoch);
        binding.flush?.();
        for (const [to, list] of acked) {
          ctx.sendFrame(to, FrameKind.ACKED, list.length * 12, (b, o) => {
            const view = new DataView(b.buffer, b.byteOffset + o, list.length * 12);
            list.forEach((a, k) => {
              view.setUint32(k * 12, a.id, true);
              view.setFloat64(k * 12 + 4, a.value, true);
            });
            return list.length * 12;
          });
        }
        acked.clear();
        for (const [to, ids] of refused) {
          ctx.sendFrame(to, FrameKind.REFUSED, ids.length * 4, (b, o) => {
            const view = new DataView(b.buffer, b.byteOffset + o, ids.length * 4);
            ids.forEach((id, k) => view.setUint32(k * 4, id, true));
            return ids.length * 4;
          });
        }
        refused.clear();
      },
    };
  },
};
export default proposerActor;
