/**
 * Flow control from the learners to the leader. A leader opens no instance `lagMax` or more
 * instances past what the slowest learner that keeps up has delivered, so that the acceptors
 * still hold everything that learner needs: they trim past a live learner only beyond twice their
 * retention (acceptor.ts), and `lagMax` instances of full batches fit in the retention once
 * (lagInstancesMaxOf). Without it nothing slowed a leader for a learner: five processes at 8 KB
 * decided ~50,000 values a second while the learner, repairing values lost from its full socket
 * buffer, fell behind the acceptors' retention within seconds and then waited for good (session 12).
 *
 * Which learners hold the leader back:
 * - one that is heard from (its progress reports, every tick on which it delivered something,
 *   and every heartbeatTicks, within suspectTicks);
 * - that has come within `lagMax` of the leader since it was last heard from after a silence: a
 *   restarted learner far behind is not waited for (the acceptors may have trimmed what it needs
 *   already; see README, Known limits);
 * - and that moves: one that delivered nothing for `stallTicks` while the leader waited for it is
 *   let go until it comes back within `lagMax`, so that one stuck learner does not stop the ring.
 */
import type { NodeId } from './ids.ts';
import type { ProtocolOptions } from './options.ts';

interface Progress {
  /** It has delivered every instance below this. */
  upTo: number;
  heardAt: number;
  /** When upTo last grew, or the learner last reported it had everything the leader opened. */
  movedAt: number;
  /** Holds the leader back (see the module comment). */
  counted: boolean;
}

/** How far past the slowest learner a leader may run: the smallest of the limits that bound it. */
export function lagInstancesMaxOf(o: ProtocolOptions): number {
  return Math.max(1, Math.min(o.learnerLagInstancesMax, Math.floor(o.acceptorRetainedBytesMax / o.batchBytesMax), o.acceptorRetainedInstancesMax, o.learnerWindowInstances));
}

export class LearnerFlow {
  private readonly at = new Map<NodeId, Progress>();
  private holding = false;
  /** Times the leader began to wait for a learner, and learners let go (stalled). */
  readonly stats = { learnerHolds: 0, learnersLetGo: 0 };

  constructor(
    private readonly learners: ReadonlySet<NodeId>,
    readonly lagMax: number,
    private readonly suspectTicks: number,
    private readonly stallTicks: number,
  ) {}

  isLearner(id: NodeId): boolean {
    return this.learners.has(id);
  }

  /** Learner `from` reports at tick `now` that it has delivered everything below `upTo`; the leader would open `next`. */
  heard(from: NodeId, upTo: number, now: number, next: number): void {
    let p = this.at.get(from);
    if (p === undefined || now - p.heardAt > this.suspectTicks) {
      p = { upTo, heardAt: now, movedAt: now, counted: false };
      this.at.set(from, p);
    } else {
      if (upTo > p.upTo || upTo >= next) p.movedAt = now;
      if (upTo > p.upTo) p.upTo = upTo;
      p.heardAt = now;
    }
    if (!p.counted && next - p.upTo < this.lagMax) p.counted = true;
  }

  /** Whether a leader at tick `now` may open instance `next`. */
  allows(next: number, now: number): boolean {
    for (const p of this.at.values()) {
      if (!p.counted || next - p.upTo < this.lagMax) continue;
      if (now - p.heardAt > this.suspectTicks) {
        p.counted = false;
        continue;
      }
      if (now - p.movedAt > this.stallTicks) {
        p.counted = false;
        this.stats.learnersLetGo++;
        continue;
      }
      if (!this.holding) this.stats.learnerHolds++;
      this.holding = true;
      return false;
    }
    this.holding = false;
    return true;
  }

  /** The slowest counted learner's position and how many learners count, for status. */
  summary(): { counted: number; slowestUpTo: number | null } {
    let counted = 0;
    let slowest: number | null = null;
    for (const p of this.at.values()) {
      if (!p.counted) continue;
      counted++;
      if (slowest === null || p.upTo < slowest) slowest = p.upTo;
    }
    return { counted, slowestUpTo: slowest };
  }
}
