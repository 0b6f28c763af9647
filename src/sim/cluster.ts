/**
 * One ring's roles run in one thread, deterministically: a simulated network (a heap of messages
 * in flight, each delivered at a tick chosen by a pluggable policy) and simulated acceptor storage.
 * Scenario tests, the simulator and the in-process demo drive the real protocol code through it.
 */
import { Acceptor, type AcceptorState } from '../protocol/acceptor.ts';
import { Coordinator } from '../protocol/coordinator.ts';
import { EPOCH_SEQS, EPOCHS, type Ballot, type Instance, type NodeId, type ValueId } from '../protocol/ids.ts';
import { Learner } from '../protocol/learner.ts';
import { forEachMessageRun, GROUP, type AcceptedEntry, type DecisionEntry, type Message, type Value } from '../protocol/messages.ts';
import { RunPool, type RunPoolOptions } from '../protocol/run-pool.ts';
import { freshRunBytes, type RunBytesAlloc, type ValueRun } from '../protocol/runs.ts';
import { resolveProtocolOptions, validateRingSpec, type ProtocolOptions, type RingSpec } from '../protocol/options.ts';
import { Proposer } from '../protocol/proposer.ts';
import { expandDelivered, type AckedRun, type DeliveredInstance, type DeliveredRuns, type Ready } from '../protocol/ready.ts';
import { EnvelopeHeap } from './event-heap.ts';
import { TraceHash } from './trace-hash.ts';
import { MESSAGE_TYPES } from '../protocol/messages.ts';

export type RoleKind = 'acceptor' | 'coordinator' | 'learner' | 'proposer';

export type SimRole =
  | { readonly kind: 'acceptor'; readonly role: Acceptor }
  | { readonly kind: 'coordinator'; readonly role: Coordinator }
  | { readonly kind: 'learner'; readonly role: Learner }
  | { readonly kind: 'proposer'; readonly role: Proposer };

interface RoleOfKind {
  acceptor: Acceptor;
  coordinator: Coordinator;
  learner: Learner;
  proposer: Proposer;
}

/** What the network does with one copy of a message. */
export interface SendFate {
  readonly drop: boolean;
  readonly delayTicks: number;
  /** Extra copies, each delivered `delayTicks` plus its index later. */
  readonly duplicates: number;
}
export type NetworkPolicy = (from: NodeId, to: NodeId, msg: Message, now: number) => SendFate;
export const RELIABLE: NetworkPolicy = () => ({ drop: false, delayTicks: 1, duplicates: 0 });

export type ClusterEvent =
  | { readonly kind: 'recv'; readonly at: number; readonly from: NodeId; readonly to: NodeId; readonly msg: Message }
  | { readonly kind: 'drop'; readonly at: number; readonly from: NodeId; readonly to: NodeId; readonly msg: Message }
  | { readonly kind: 'delivered'; readonly at: number; readonly learner: NodeId; readonly d: DeliveredInstance }
  | { readonly kind: 'acked'; readonly at: number; readonly proposer: NodeId; readonly id: ValueId }
  | { readonly kind: 'crash' | 'restart'; readonly at: number; readonly node: NodeId };

export interface ClusterOptions {
  readonly ring: RingSpec;
  readonly proposers: readonly NodeId[];
  readonly protocol?: Partial<ProtocolOptions>;
  readonly policy?: NetworkPolicy;
  /** What an acceptor's storage keeps across a crash: every vote (`durable`) or its promise only (`ballots`). */
  readonly acceptorStorage?: 'durable' | 'ballots';
  /**
   * Builds a node's role in place of the real one (return null for the real one): the simulator's
   * tests plug deliberately broken variants in here to show that the checker catches them.
   */
  readonly roleFactory?: (kind: RoleKind, id: NodeId, ctx: RoleContext) => SimRole | null;
  /**
   * Proposers pack their runs into a run pool (run-pool.ts), swept at the end of every tick with
   * every live role and every message in flight traced (acceptors' storage keeps copies). With `poison`, a
   * holder the trace misses delivers overwritten bytes, which the simulator's checker catches.
   * The values in `delivered` are then valid only while the event that reports them runs.
   */
  readonly runPool?: RunPoolOptions;
}

/** What a role is built from. */
export interface RoleContext {
  readonly spec: RingSpec;
  readonly opts: ProtocolOptions;
  /** The acceptor's stored state, when it restarts. */
  readonly recovered: AcceptorState | null;
  /** Proposers: the first sequence number of this incarnation. */
  readonly seqStart: number;
  /** Proposers: where the bytes of their runs come from. */
  readonly allocRunBytes: RunBytesAlloc;
}

interface StoredAcceptor {
  promised: Ballot;
  readonly accepted: Map<number, AcceptedEntry>;
  readonly decided: Map<number, Ballot>;
}

function copyValue(v: Value): Value {
  return v.kind === 'batch' ? { kind: 'batch', runs: v.runs.map((r) => ({ first: r.first, count: r.count, packed: r.packed.slice() })) } : v;
}

export class Cluster {
  readonly spec: RingSpec;
  readonly opts: ProtocolOptions;
  readonly proposerIds: readonly NodeId[];
  policy: NetworkPolicy;
  onEvent: ((e: ClusterEvent) => void) | null = null;
  now = 0;
  readonly trace = new TraceHash();
  readonly stats = { messagesSent: 0, messagesReceived: 0, messagesDropped: 0, duplicates: 0, crashes: 0, restarts: 0 };
  /** Per learner, per incarnation: what it delivered. A restarted learner starts a new list. */
  readonly delivered = new Map<NodeId, DeliveredInstance[][]>();
  readonly acked = new Map<NodeId, ValueId[]>();
  private readonly nodes = new Map<NodeId, SimRole>();
  private readonly down = new Set<NodeId>();
  private readonly incarnations = new Map<NodeId, number>();
  private readonly storage = new Map<NodeId, StoredAcceptor>();
  private readonly network = new EnvelopeHeap();
  private readonly groupMembers: readonly NodeId[];
  private readonly order: readonly NodeId[];
  private readonly acceptorStorage: 'durable' | 'ballots';
  private readonly roleFactory: ClusterOptions['roleFactory'];
  private seq = 0;
  /** The proposers' run pool, if the options asked for one. */
  readonly runPool: RunPool | null;
  private readonly allocRunBytes: RunBytesAlloc;

  constructor(options: ClusterOptions) {
    this.spec = validateRingSpec(options.ring);
    this.opts = resolveProtocolOptions(options.protocol);
    this.proposerIds = [...options.proposers];
    this.policy = options.policy ?? RELIABLE;
    this.acceptorStorage = options.acceptorStorage ?? 'durable';
    this.roleFactory = options.roleFactory;
    const pool = options.runPool === undefined ? null : new RunPool(options.runPool, (mark) => this.traceRuns(mark));
    this.runPool = pool;
    this.allocRunBytes = pool === null ? freshRunBytes : (size) => pool.alloc(size);
    this.groupMembers = [...this.spec.acceptors, ...this.spec.coordinators, ...this.spec.learners];
    this.order = [...this.groupMembers, ...this.proposerIds].sort((a, b) => a - b);
    for (const id of this.order) this.nodes.set(id, this.makeRole(id));
  }

  /** Every node id of the ring, ascending. */
  get nodeIds(): readonly NodeId[] {
    return this.order;
  }
  get messagesInFlight(): number {
    return this.network.size;
  }

  kindOf(id: NodeId): RoleKind {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n.kind;
  }
  acceptor(id: NodeId): Acceptor {
    return this.roleOf(id, 'acceptor');
  }
  coordinator(id: NodeId): Coordinator {
    return this.roleOf(id, 'coordinator');
  }
  learner(id: NodeId): Learner {
    return this.roleOf(id, 'learner');
  }
  proposer(id: NodeId): Proposer {
    return this.roleOf(id, 'proposer');
  }
  isUp(id: NodeId): boolean {
    return !this.down.has(id);
  }
  /** The coordinator that currently leads, if exactly one does. */
  leader(): NodeId | null {
    const leading = this.spec.coordinators.filter((c) => this.isUp(c) && this.coordinator(c).currentStatus === 'leading');
    return leading.length === 1 ? (leading[0] as NodeId) : null;
  }

  propose(proposer: NodeId, bytes: Uint8Array): ValueId | null {
    if (!this.isUp(proposer)) return null;
    return this.proposer(proposer).propose(bytes);
  }

  crash(id: NodeId): void {
    if (this.down.has(id)) return;
    this.down.add(id);
    this.stats.crashes++;
    this.emit({ kind: 'crash', at: this.now, node: id });
  }

  restart(id: NodeId): void {
    if (!this.down.delete(id)) return;
    this.incarnations.set(id, (this.incarnations.get(id) ?? 0) + 1);
    this.nodes.set(id, this.makeRole(id));
    this.stats.restarts++;
    this.emit({ kind: 'restart', at: this.now, node: id });
  }

  /** One tick: deliver what is due, tick every live node, then hand over every node's output. */
  tick(): void {
    for (let e = this.network.peek(); e !== undefined && e.deliverAt <= this.now; e = this.network.peek()) {
      this.network.pop();
      const node = this.nodes.get(e.to);
      if (node === undefined || this.down.has(e.to)) continue;
      this.stats.messagesReceived++;
      this.trace.add(this.now);
      this.trace.add(e.from * 65536 + e.to);
      this.trace.add(MESSAGE_TYPES.indexOf(e.msg.type));
      this.emit({ kind: 'recv', at: this.now, from: e.from, to: e.to, msg: e.msg });
      node.role.step(e.msg);
    }
    for (const id of this.order) if (!this.down.has(id)) this.nodes.get(id)?.role.tick();
    this.flushAll();
    if (this.runPool?.wantsSweep === true) this.runPool.sweep();
    this.now++;
  }

  /** Every run held by a live role or a message in flight (storage keeps copies; see runPool). */
  private traceRuns(mark: (bytes: Uint8Array) => void): void {
    const each = (r: ValueRun): void => mark(r.packed);
    for (const [id, node] of this.nodes) if (!this.down.has(id)) node.role.forEachHeldRun(each);
    this.network.forEach((e) => forEachMessageRun(e.msg, each));
  }

  /** Hands over every node's output without advancing time (after proposing, say). */
  flushAll(): void {
    for (const id of this.order) if (!this.down.has(id)) this.flush(id);
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  /** Ticks until `done()` holds; returns false if `maxTicks` pass first. */
  runUntil(done: () => boolean, maxTicks: number): boolean {
    for (let i = 0; i < maxTicks; i++) {
      if (done()) return true;
      this.tick();
    }
    return done();
  }

  /** Values delivered by a learner's current incarnation, in order. */
  deliveredValues(learner: NodeId): ValueId[] {
    const incarnations = this.delivered.get(learner) ?? [];
    const current = incarnations[incarnations.length - 1] ?? [];
    return current.flatMap((d) => d.values.map((v) => v.id));
  }

  private flush(id: NodeId): void {
    const node = this.nodes.get(id) as SimRole;
    if (!node.role.hasReady()) return;
    const r: Ready<unknown> = node.role.ready();
    if (r.persist !== null) this.persist(id, r.persist.promised, r.persist.accepted, r.persist.decided);
    for (const out of r.messages) {
      if (out.to === GROUP) for (const m of this.groupMembers) if (m !== id) this.send(id, m, out.msg);
      if (out.to !== GROUP) this.send(id, out.to, out.msg);
    }
    if (node.kind === 'learner') {
      const log = this.learnerLog(id);
      for (const runs of r.delivered as DeliveredRuns[]) {
        const d = expandDelivered(runs);
        log.push(d);
        this.trace.add(d.instance);
        this.emit({ kind: 'delivered', at: this.now, learner: id, d });
      }
    } else if (node.kind === 'proposer') {
      const acked = this.acked.get(id) ?? [];
      this.acked.set(id, acked);
      for (const run of r.delivered as AckedRun[]) {
        for (let k = 0; k < run.count; k++) {
          const v = (run.first + k) as ValueId;
          acked.push(v);
          this.emit({ kind: 'acked', at: this.now, proposer: id, id: v });
        }
      }
    }
  }

  private send(from: NodeId, to: NodeId, msg: Message): void {
    this.stats.messagesSent++;
    const fate = this.policy(from, to, msg, this.now);
    if (fate.drop) {
      this.stats.messagesDropped++;
      this.emit({ kind: 'drop', at: this.now, from, to, msg });
      return;
    }
    const delay = Math.max(1, fate.delayTicks);
    for (let c = 0; c <= fate.duplicates; c++) {
      if (c > 0) this.stats.duplicates++;
      this.network.push({ from, to, msg, deliverAt: this.now + delay + c, seq: this.seq++ });
    }
  }

  private persist(id: NodeId, promised: Ballot | null, accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[]): void {
    const s = this.storage.get(id) ?? { promised: 0 as Ballot, accepted: new Map<number, AcceptedEntry>(), decided: new Map<number, Ballot>() };
    this.storage.set(id, s);
    if (promised !== null) s.promised = promised;
    if (this.acceptorStorage !== 'durable') return;
    // Stored as bytes of its own, as the runtime's stores do (they write the bytes elsewhere).
    for (const e of accepted) s.accepted.set(e.instance, { instance: e.instance, ballot: e.ballot, value: copyValue(e.value) });
    for (const d of decided) s.decided.set(d.instance, d.ballot);
  }

  private learnerLog(id: NodeId): DeliveredInstance[] {
    const incarnations = this.delivered.get(id) ?? [];
    this.delivered.set(id, incarnations);
    const n = this.incarnations.get(id) ?? 0;
    while (incarnations.length <= n) incarnations.push([]);
    return incarnations[n] as DeliveredInstance[];
  }

  private makeRole(id: NodeId): SimRole {
    const { spec, opts } = this;
    const kind: RoleKind = spec.acceptors.includes(id)
      ? 'acceptor'
      : spec.coordinators.includes(id)
        ? 'coordinator'
        : spec.learners.includes(id)
          ? 'learner'
          : 'proposer';
    const s = this.storage.get(id);
    const recovered =
      s === undefined ? null : { promised: s.promised, accepted: [...s.accepted.values()], decided: [...s.decided].map(([instance, ballot]) => ({ instance: instance as Instance, ballot })) };
    // A restarted proposer takes a fresh range of sequence numbers, so its ids never repeat.
    const seqStart = ((this.incarnations.get(id) ?? 0) % EPOCHS) * EPOCH_SEQS;
    const allocRunBytes = this.allocRunBytes;
    const custom = this.roleFactory?.(kind, id, { spec, opts, recovered, seqStart, allocRunBytes }) ?? null;
    if (custom !== null) return custom;
    switch (kind) {
      case 'acceptor':
        return { kind, role: new Acceptor(id, spec, opts, recovered) };
      case 'coordinator':
        return { kind, role: new Coordinator(id, spec, opts) };
      case 'learner':
        return { kind, role: new Learner(id, spec, opts) };
      case 'proposer':
        return { kind, role: new Proposer(id, spec, opts, seqStart, allocRunBytes) };
    }
  }

  private roleOf<K extends RoleKind>(id: NodeId, kind: K): RoleOfKind[K] {
    const n = this.nodes.get(id);
    if (n === undefined || n.kind !== kind) throw new Error(`node ${id} is not a ${kind}`);
    return n.role as RoleOfKind[K];
  }

  private emit(e: ClusterEvent): void {
    this.onEvent?.(e);
  }
}

