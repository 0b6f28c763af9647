/**
 * The status a node of a deployment reports on its control port: its local actors ring by ring
 * (what each reports of itself), the throughput its learners see, its gateway's transport
 * counters, the supervisor's view of every child, and its threads. Plain JSON data.
 */
import type { DeploymentConfig } from '../config/deployment.ts';
import type { RingcastNode } from '../node/node.ts';

export type StatusSource = Pick<RingcastNode, 'status' | 'threadReport' | 'supervisor'>;

export type ActorRole = 'coordinator' | 'acceptor' | 'learner' | 'proposer';

export interface ActorStatusReport {
  readonly role: ActorRole;
  readonly id: number;
  /** What the actor reports of itself; null when its thread did not answer (restarting, dead). */
  readonly status: Record<string, unknown> | null;
}

export interface ThroughputReport {
  readonly valuesPerSecond: number;
  readonly instancesPerSecond: number;
  /** The window the rates are measured over: since the previous status request. */
  readonly overMs: number;
}

export interface RingStatusReport {
  readonly id: number;
  readonly dissemination: string;
  readonly multicast: string | null;
  readonly actors: readonly ActorStatusReport[];
  /** Deliveries of this node's learners of the ring; null without a local learner. */
  readonly throughput: ThroughputReport | null;
}

export interface ChildStatusReport {
  readonly id: string;
  readonly state: string;
  readonly restarts: number;
  readonly lastError: string | null;
}

export interface NodeStatusReport {
  readonly node: { readonly name: string; readonly id: number; readonly host: string; readonly port: number; readonly pid: number; readonly uptimeMs: number };
  readonly rings: readonly RingStatusReport[];
  readonly gateway: Record<string, unknown> | null;
  readonly supervisor: { readonly crashes: number; readonly restarts: number; readonly gaveUp: number; readonly children: readonly ChildStatusReport[] };
  readonly threads: readonly unknown[];
  /** What the command adds: load generator and recorder progress. */
  readonly extras: Record<string, unknown>;
}

const ROLE_LISTS = [
  ['coordinator', 'coordinators'],
  ['acceptor', 'acceptors'],
  ['learner', 'learners'],
  ['proposer', 'proposers'],
] as const;

interface DeliverySample {
  readonly atMs: number;
  readonly values: number;
  readonly instances: number;
}

/** Builds status reports; remembers the last learner counters to compute throughput. */
export class NodeStatusCollector {
  private readonly startedMs = performance.now();
  private readonly samples = new Map<number, DeliverySample>();

  constructor(
    private readonly node: StatusSource,
    private readonly deployment: DeploymentConfig,
    private readonly self: string,
    private readonly extras: () => Record<string, unknown> = () => ({}),
  ) {}

  async collect(): Promise<NodeStatusReport> {
    const me = this.deployment.nodes.find((n) => n.name === this.self);
    const hosts = await this.node.status();
    const byAddress = new Map(hosts.flatMap((h) => h.actors.map((a): [number, Record<string, unknown>] => [a.address, a.status])));
    const rings = this.deployment.rings.map((r) => this.ringReport(r, byAddress)).filter((r) => r.actors.length > 0);
    const counts = this.node.supervisor.counts();
    return {
      node: { name: this.self, id: me?.id ?? -1, host: me?.host ?? '', port: me?.port ?? 0, pid: process.pid, uptimeMs: Math.round(performance.now() - this.startedMs) },
      rings,
      gateway: hosts.flatMap((h) => h.actors).find((a) => a.name === 'udp-gateway')?.status ?? null,
      supervisor: {
        crashes: counts.crashes,
        restarts: counts.restarts,
        gaveUp: counts.gaveUp,
        children: this.node.supervisor.children().map((c) => ({ id: c.id, state: c.state, restarts: c.restarts, lastError: errorText(c.lastError) })),
      },
      threads: this.node.threadReport(),
      extras: this.extras(),
    };
  }

  private ringReport(r: DeploymentConfig['rings'][number], byAddress: ReadonlyMap<number, Record<string, unknown>>): RingStatusReport {
    const actors = ROLE_LISTS.flatMap(([role, list]) =>
      r[list].filter((a) => a.node === this.self).map((a): ActorStatusReport => ({ role, id: a.id, status: byAddress.get(a.id) ?? null })),
    );
    const learners = actors.filter((a) => a.role === 'learner');
    return {
      id: r.id,
      dissemination: r.dissemination,
      multicast: r.multicast === undefined ? null : `${r.multicast.group}:${r.multicast.port}`,
      actors,
      throughput: learners.length === 0 ? null : this.throughput(r.id, learners),
    };
  }

  /** Rates since the previous report (or since start) from the learners' delivery counters. */
  private throughput(ring: number, learners: readonly ActorStatusReport[]): ThroughputReport {
    const sum = (key: string): number => learners.reduce((s, l) => s + numberOr(l.status?.[key], 0), 0);
    // Several local learners deliver the same instances: the rate is per learner.
    const now: DeliverySample = { atMs: performance.now(), values: sum('valuesDelivered') / learners.length, instances: sum('instancesDelivered') / learners.length };
    const last = this.samples.get(ring) ?? { atMs: this.startedMs, values: 0, instances: 0 };
    this.samples.set(ring, now);
    const seconds = Math.max(1e-3, (now.atMs - last.atMs) / 1000);
    // A restarted learner counts from zero again: its whole count is then the delta.
    const delta = (a: number, b: number): number => (a >= b ? a - b : a);
    return {
      valuesPerSecond: Math.round(delta(now.values, last.values) / seconds),
      instancesPerSecond: Math.round(delta(now.instances, last.instances) / seconds),
      overMs: Math.round(seconds * 1000),
    };
  }
}

const numberOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

function errorText(e: unknown): string | null {
  if (e === undefined || e === null) return null;
  return e instanceof Error ? e.message : String(e);
}
