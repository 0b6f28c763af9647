/**
 * The user's way to write an actor: an initial state and handlers that return the next state.
 * Messages between user actors are msgpack-encoded values; an actor subscribed to a learner
 * receives each delivered instance in `delivered`.
 *
 *   export default defineActor({
 *     init: () => ({ count: 0 }),
 *     receive: (state, msg, from, ctx) => ({ count: state.count + 1 }),
 *   });
 */
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';
import { FrameKind } from '../host/envelope.ts';
import { decodeDelivered } from '../host/delivered-frame.ts';
import type { ActorBehavior, ActorContext, ActorModule } from './actor.ts';

export interface ActorDefinition<S, M> {
  init(ctx: ActorContext, args: unknown): S | Promise<S>;
  receive?(state: S, msg: M, from: number, ctx: ActorContext): S | void;
  /** Instances delivered by a learner this actor is subscribed to, in order. */
  delivered?(state: S, d: DeliveredInstance, ctx: ActorContext): S | void;
  timer?(state: S, name: string, ctx: ActorContext): S | void;
  tick?(state: S, nowMs: number, ctx: ActorContext): S | void;
  stop?(state: S, ctx: ActorContext): void;
  status?(state: S): Record<string, unknown>;
}

export function defineActor<S, M = unknown>(def: ActorDefinition<S, M>): ActorModule {
  return {
    kind: 'ringcast-actor',
    async create(ctx, args): Promise<ActorBehavior> {
      let state: S = (await def.init(ctx, args)) as S;
      const next = (s: S | void): void => {
        if (s !== undefined) state = s;
      };
      return {
        onFrame(kind, src, _ring, bytes, offset, length) {
          if (kind === FrameKind.USER && def.receive !== undefined) {
            next(def.receive(state, msgpackDecode(bytes.subarray(offset, offset + length)) as M, src, ctx));
          } else if (kind === FrameKind.DELIVERED && def.delivered !== undefined) {
            const d = decodeDelivered(bytes, offset, length, true);
            if (d !== null) next(def.delivered(state, d, ctx));
          }
        },
        onTick: def.tick === undefined ? undefined : (now) => next(def.tick?.(state, now, ctx)),
        onTimer: (name) => next(def.timer?.(state, name, ctx)),
        stop: () => def.stop?.(state, ctx),
        status: () => def.status?.(state) ?? {},
      } as ActorBehavior;
    },
  };
}

/** Encodes a user message; the host's context uses this for `send`. */
export function encodeUserMessage(msg: unknown): Uint8Array {
  return msgpackEncode(msg);
}
