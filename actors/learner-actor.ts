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
import { valuesInterestOf } from './values-interest.ts';
import type { LearnerArgs } from './role-args.ts';

/** How long a learner waits for an instance decided further on before it logs why it may be stuck. */
export const STALL_WARNING_MS = 5000;

const learnerActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as LearnerArgs;
    const role = new Learner(args.node as NodeId, args.spec, args.protocol, args.startInstance ?? 0);
    const subscribers = new Set(args.subscribers);
    // A multicast ring's learner tells the node's gateway when it needs the ring's values from
    // the network: not while the ring is led from this process (values-interest.ts).
    const interest = valuesInterestOf(ctx, args.spec, args.node as NodeId, true);
    const deliver = (items: readonly DeliveredRuns[]): void => {
      for (const d of items) {
        const size = deliveredSize(d);
        for (const s of subscribers) ctx.sendFrame(s, FrameKind.DELIVERED, size, (b, o) => encodeDelivered(d, b, o), true);
      }
    };
    // A learner that waits long for an instance others have decided says so, once per wait: the
    // acceptors may have trimmed it (README, Known limits), and nothing else would show it.
    let progressAt = ctx.nowMs();
    let deliveredUpTo = role.deliveredUpTo as number;
    let warned = false;
    const waitingMs = (now: number): number => (role.waiting ? now - progressAt : 0);
    const watch = (now: number): void => {
      if (role.deliveredUpTo !== deliveredUpTo || waitingMs(now) === 0) {
        deliveredUpTo = role.deliveredUpTo;
        progressAt = now;
        warned = false;
        return;
      }
      if (warned || waitingMs(now) < STALL_WARNING_MS) return;
      warned = true;
      const head = role.headOfLine();
      ctx.log(
        `waiting ${((now - progressAt) / 1000).toFixed(1)} s for instance ${head.instance} (decided up to ${head.highestKnown}; ${role.stats.repairsSent} repairs sent): ` +
          'if every acceptor has trimmed it (acceptorRetainedBytesMax, acceptorRetainedInstancesMax), this learner cannot catch up',
      );
    };
    const behavior = bindRole(ctx, args.spec.ring, role, {
      ignored: new Set(['phase2b']),
      // Rings without multicast have no interest, and their actors no hook to call per message.
      seen: interest?.seen,
      delivered: deliver,
      onOtherFrame(kind, src, bytes, offset, length) {
        if (kind !== FrameKind.SUBSCRIBE || length < 1) return;
        if (bytes[offset] === 1) subscribers.add(src);
        else subscribers.delete(src);
      },
      status: () => ({ role: 'learner', ...(interest === null ? {} : { wantsValues: interest.wantsValues }), deliveredUpTo: role.deliveredUpTo, subscribers: subscribers.size, head: role.headOfLine(), waitingMs: Math.round(waitingMs(ctx.nowMs())), ...role.stats }),
    });
    return {
      ...behavior,
      onTick(now) {
        behavior.onTick?.(now);
        watch(now);
      },
    };
  },
};
export default learnerActor;
