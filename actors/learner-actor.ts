/**
 * The learner role as an actor: every delivered instance goes, in order, to each subscriber
 * (actors, or the API on the main thread). A SUBSCRIBE frame adds (1) or removes (0) its sender.
 */
import type { NodeId } from '../src/protocol/ids.ts';
import { Learner } from '../src/protocol/learner.ts';
import type { DeliveredRuns } from '../src/protocol/ready.ts';
import type { ActorModule } from '../runtime/actor/actor.ts';
import { deliveredSize, encodeDelivered } from '../runtime/host/delivered-frame.ts';
import { FrameKind } from '../runtime/host/envelope.ts';
import { bindRole } from './role-binding.ts';
import type { LearnerArgs } from './role-args.ts';

const learnerActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as LearnerArgs;
    const role = new Learner(args.node as NodeId, args.spec, args.protocol, args.startInstance ?? 0);
    const subscribers = new Set(args.subscribers);
    const deliver = (items: readonly DeliveredRuns[]): void => {
      for (const d of items) {
        const size = deliveredSize(d);
        for (const s of subscribers) ctx.sendFrame(s, FrameKind.DELIVERED, size, (b, o) => encodeDelivered(d, b, o), true);
      }
    };
    return bindRole(ctx, args.spec.ring, role, {
      ignored: new Set(['phase2b']),
      delivered: deliver,
      onOtherFrame(kind, src, bytes, offset, length) {
        if (kind !== FrameKind.SUBSCRIBE || length < 1) return;
        if (bytes[offset] === 1) subscribers.add(src);
        else subscribers.delete(src);
      },
      status: () => ({ role: 'learner', deliveredUpTo: role.deliveredUpTo, subscribers: subscribers.size, head: role.headOfLine(), ...role.stats }),
    });
  },
};
export default learnerActor;
