/**
 * Deliberately broken variants of the protocol roles, plugged into the simulator through the
 * cluster's `roleFactory`, to show that the checker catches what each breaks.
 */
import type { Ballot, NodeId, RingId, ValueId } from '../../src/protocol/ids.ts';
import { valueIdProposer } from '../../src/protocol/ids.ts';
import { Acceptor } from '../../src/protocol/acceptor.ts';
import { Coordinator } from '../../src/protocol/coordinator.ts';
import { Learner } from '../../src/protocol/learner.ts';
import { assert } from '../../src/assert.ts';
import type { AcceptedEntry, Message, Outbound, Phase2A, Phase2B, Repair } from '../../src/protocol/messages.ts';
import type { ProtocolOptions, RingSpec } from '../../src/protocol/options.ts';
import type { DeliveredRuns, Ready } from '../../src/protocol/ready.ts';
import type { ClusterOptions, RoleKind } from '../../src/sim/cluster.ts';
import type { ValueRun } from '../../src/protocol/runs.ts';

/**
 * Keeps its promise for Phase 1 but votes on a Phase 2A (or 2B) under a lower ballot all the same:
 * a deposed leader's late proposals then get decided over the new leader's. The promise is a
 * private field of the real acceptor, so it is lowered for the one message and put back.
 */
export class PromiseBreakingAcceptor extends Acceptor {
  protected override onPhase2A(m: Phase2A): void {
    this.ignoringPromise(m.ballot, () => super.onPhase2A(m));
  }
  protected override onPhase2B(m: Phase2B): void {
    this.ignoringPromise(m.ballot, () => super.onPhase2B(m));
  }
  private ignoringPromise(b: Ballot, handle: () => void): void {
    const self = this as unknown as { promised: Ballot };
    const kept = self.promised;
    if (b < kept) self.promised = b;
    handle();
    if (self.promised < kept) self.promised = kept;
  }
}

/** Never records a promise at all: answers every Phase 1 and accepts Phase 2A under any ballot. */
export class PromiseForgettingAcceptor extends Acceptor {
  protected override promise(_b: Ballot): void {}
}

/** Answers Phase 1 as if it had never voted: a new coordinator cannot see what may be decided. */
export class AmnesiacAcceptor extends Acceptor {
  override ready(): Ready<never> {
    const r = super.ready();
    const forget = (o: Outbound): Outbound => (o.msg.type === 'phase1b' ? { to: o.to, msg: { ...o.msg, accepted: [] as AcceptedEntry[] } } : o);
    return { ...r, messages: r.messages.map(forget) };
  }
}

/** Trips an assertion on the first repair it serves, as a role with an invariant wrong would. */
export class AssertingAcceptor extends Acceptor {
  protected override onRepair(m: Repair): void {
    assert(false, `acceptor ${this.id} cannot serve repair [${m.instanceFrom}, ${m.instanceTo})`);
  }
}

/** Skips every tenth instance, as a learner that jumps over a gap instead of repairing it would. */
export class GapSkippingLearner extends Learner {
  override ready(): Ready<DeliveredRuns> {
    const r = super.ready();
    return { ...r, delivered: r.delivered.filter((d) => d.instance % 10 !== 9) };
  }
}

/** Hands every delivered instance over twice. */
export class DoubleDeliveringLearner extends Learner {
  override ready(): Ready<DeliveredRuns> {
    const r = super.ready();
    return { ...r, delivered: r.delivered.flatMap((d) => [d, d]) };
  }
}

/** Forgets to drop duplicate runs of client values (a proposer's retry decided in a second instance). */
export class NoDedupLearner extends Learner {
  private readonly ringOfSpec: RingId;
  constructor(id: NodeId, spec: RingSpec, opts: ProtocolOptions) {
    super(id, spec, opts);
    this.ringOfSpec = spec.ring;
  }
  protected override toDelivered(e: AcceptedEntry): DeliveredRuns {
    const v = e.value;
    return { ring: this.ringOfSpec, instance: e.instance, runs: v.kind === 'batch' ? v.runs : [], slots: v.kind === 'skip' ? v.slots : 1 };
  }
}

/**
 * Keeps its votes but does not report them to the run pool's trace (run-pool.ts): their slabs get
 * reused, and learners that repair or recover from this acceptor deliver overwritten bytes.
 */
export class UntracedVotesAcceptor extends Acceptor {
  override forEachHeldRun(_each: (r: ValueRun) => void): void {}
}

/** Acks values as soon as they are submitted, before they are decided. */
export class EagerAckCoordinator extends Coordinator {
  private eager: ValueId[] = [];
  private readonly ringOfSpec: RingId;
  constructor(id: NodeId, spec: RingSpec, opts: ProtocolOptions) {
    super(id, spec, opts);
    this.ringOfSpec = spec.ring;
  }
  override step(msg: Message): void {
    if (msg.type === 'submit' && this.currentStatus !== 'standby') for (const r of msg.runs) this.eager.push(r.first);
    super.step(msg);
  }
  override hasReady(): boolean {
    return this.eager.length > 0 || super.hasReady();
  }
  override ready(): Ready<never> {
    const r = super.ready();
    const acks: Outbound[] = this.eager.map((id) => ({
      to: valueIdProposer(id) as NodeId,
      msg: { type: 'ack', ring: this.ringOfSpec, from: this.id, firsts: [id] },
    }));
    this.eager = [];
    return { ...r, messages: [...r.messages, ...acks] };
  }
}

export type BrokenVariant =
  | 'promise-breaking-acceptor'
  | 'promise-forgetting-acceptor'
  | 'amnesiac-acceptor'
  | 'asserting-acceptor'
  | 'gap-skipping-learner'
  | 'double-delivering-learner'
  | 'no-dedup-learner'
  | 'eager-ack-coordinator'
  | 'untraced-votes-acceptor';

/** A role factory that builds one broken variant for every node of its role, the real role otherwise. */
export function brokenFactory(variant: BrokenVariant): NonNullable<ClusterOptions['roleFactory']> {
  return (kind: RoleKind, id, ctx) => {
    switch (variant) {
      case 'promise-breaking-acceptor':
        return kind === 'acceptor' ? { kind, role: new PromiseBreakingAcceptor(id, ctx.spec, ctx.opts, ctx.recovered) } : null;
      case 'promise-forgetting-acceptor':
        return kind === 'acceptor' ? { kind, role: new PromiseForgettingAcceptor(id, ctx.spec, ctx.opts, ctx.recovered) } : null;
      case 'amnesiac-acceptor':
        return kind === 'acceptor' ? { kind, role: new AmnesiacAcceptor(id, ctx.spec, ctx.opts, ctx.recovered) } : null;
      case 'asserting-acceptor':
        return kind === 'acceptor' ? { kind, role: new AssertingAcceptor(id, ctx.spec, ctx.opts, ctx.recovered) } : null;
      case 'gap-skipping-learner':
        return kind === 'learner' ? { kind, role: new GapSkippingLearner(id, ctx.spec, ctx.opts) } : null;
      case 'double-delivering-learner':
        return kind === 'learner' ? { kind, role: new DoubleDeliveringLearner(id, ctx.spec, ctx.opts) } : null;
      case 'no-dedup-learner':
        return kind === 'learner' ? { kind, role: new NoDedupLearner(id, ctx.spec, ctx.opts) } : null;
      case 'eager-ack-coordinator':
        return kind === 'coordinator' ? { kind, role: new EagerAckCoordinator(id, ctx.spec, ctx.opts) } : null;
      case 'untraced-votes-acceptor':
        return kind === 'acceptor' ? { kind, role: new UntracedVotesAcceptor(id, ctx.spec, ctx.opts, ctx.recovered) } : null;
    }
  };
}
