/**
 * A ringcast node in this process: its rings' actors placed on worker threads by the scheduler,
 * connected by SAB mailboxes, supervised, and driven from code through proposer and learner
 * handles.
 *
 *   const node = await startNode({ rings: [{ id: 1 }] });
 *   node.learner(1).onDeliver((d) => console.log(d.instance, d.values.length));
 *   await node.proposer(1).propose(new TextEncoder().encode('hello'));
 *   await node.close();
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { AcceptorStorage } from '../../actors/role-args.ts';
import type { ProtocolOptions } from '../../src/protocol/options.ts';
import { ErrorCode, RingcastError } from '../../src/errors.ts';
import type { ValueId } from '../../src/protocol/ids.ts';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';
import { createSpscRing, releaseAbandonedEndpoints } from '../../src/sab-ring/index.ts';
import { encodeUserMessage } from '../actor/define-actor.ts';
import { Doorbells } from '../host/doorbell.ts';
import { HostHandle, spawnSpare, toError, type ThreadInfo } from '../host/host-handle.ts';
import type { Worker } from 'node:worker_threads';
import type { HostStatus } from '../host/host-protocol.ts';
import { PostOffice, type TopologyData } from '../host/post-office.ts';
import { GATEWAY_ADDRESS } from '../host/envelope.ts';
import { planPlacement, type ThreadPlan } from '../scheduler/placement.ts';
import { SabVoteStore } from '../storage/sab-vote-store.ts';
import { Supervisor, type ChildHandle, type ChildSpec } from '../supervisor/supervisor.ts';
import type { ExitReason } from '../supervisor/restart-policy.ts';
import { ApiEndpoint, type DeliverOptions } from './api-endpoint.ts';
import { resolveNodeOptions, type NodeOptions, type PlacementOptions, type ResolvedNodeOptions, type ResolvedRing } from './node-options.ts';
import { API_ADDRESS, nearAcceptorOf, planDeployment, planNode, type NodePlan, type PlannedActor } from './node-plan.ts';
import type { DeploymentConfig, DeploymentPlacement, GatewayPlacement } from '../config/deployment.ts';
import { validateDeployment } from '../config/validate-deployment.ts';
import type { GatewayInit } from '../host/udp-gateway.ts';
import { ConfigError } from '../../src/errors.ts';
import { DEFAULT_PROTOCOL_OPTIONS } from '../../src/protocol/options.ts';

export interface ProposerHandle {
  readonly address: number;
  /** Resolves with the value's id once it is decided (every live learner will deliver it). */
  propose(bytes: Uint8Array): Promise<ValueId>;
}

export interface LearnerHandle {
  readonly address: number;
  /**
   * `cb` gets every instance delivered from now on, in order, once each; returns the unsubscribe.
   * With `{ borrow: true }` the values are valid only until `cb` returns (see DeliverOptions).
   */
  onDeliver(cb: (d: DeliveredInstance) => void, opts?: DeliverOptions): () => void;
}

export interface ThreadReport extends ThreadPlan {
  readonly host: number;
  readonly thread: ThreadInfo | null;
}

type ExitCallback = (reason: ExitReason, error?: unknown) => void;

/** One running actor incarnation, as the supervisor sees it. */
class ActorIncarnation implements ChildHandle {
  private exited: { reason: ExitReason; error: unknown } | null = null;
  private callback: ExitCallback | null = null;
  constructor(
    readonly actor: PlannedActor,
    readonly host: HostHandle,
    private readonly progressWords: Int32Array,
  ) {}
  exit(reason: ExitReason, error?: unknown): void {
    if (this.exited !== null) return;
    this.exited = { reason, error };
    this.callback?.(reason, error);
  }
  onExit(cb: ExitCallback): void {
    this.callback = cb;
    if (this.exited !== null) cb(this.exited.reason, this.exited.error);
  }
  progress(): number {
    return Atomics.load(this.progressWords, this.host.host);
  }
  async stop(): Promise<void> {
    this.exited ??= { reason: 'normal', error: undefined };
    if (!this.host.alive) return;
    if (this.actor.role === 'gateway') return this.host.stop();
    // A thread that does not answer within the grace period is hung: end it.
    const answered = await Promise.race([this.host.stopActor(this.actor.address).then(() => true, () => true), delay(1000).then(() => false)]);
    if (!answered) await this.host.terminate();
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

export class RingcastNode {
  readonly supervisor: Supervisor;
  private readonly api: ApiEndpoint;
  private readonly hosts: (HostHandle | null)[];
  private readonly hostStarting = new Map<number, Promise<HostHandle>>();
  private readonly live = new Map<number, ActorIncarnation>();
  private readonly stores = new Map<number, SabVoteStore>();
  private readonly epochWords = new Map<number, SharedArrayBuffer>();
  private readonly threadInfo = new Map<number, ThreadInfo>();
  private readonly hostOfActor = new Map<number, number>();
  private readonly progress: Int32Array;
  private closed = false;
  /** A thread with the runtime loaded, waiting to replace a host thread that dies (spareThread). */
  private spare: Worker | null = null;
  private sparesUsed = 0;
  /** Set once start() has started every actor: the spare loads after them, not beside them. */
  private started = false;
  /** Lines the host threads logged (pinning fallbacks, actor logs); printed unless a handler is set. */
  onLog: (line: string) => void = (line) => console.error(`ringcast: ${line}`);

  constructor(
    readonly options: ResolvedNodeOptions,
    readonly plan: NodePlan,
    readonly threads: readonly ThreadPlan[],
    private readonly topology: TopologyData,
    /** The UDP gateway thread of a node of a deployment. */
    private readonly gateway: { readonly host: number; readonly init: GatewayInit } | null = null,
    /** Where acceptors keep their logs (file storage). */
    private readonly dataDir: string | null = null,
  ) {
    this.progress = new Int32Array(new SharedArrayBuffer(4 * topology.hostCount));
    this.hosts = Array.from({ length: topology.hostCount }, () => null);
    for (const [addr, h] of topology.addresses) this.hostOfActor.set(addr, h);
    this.api = new ApiEndpoint(new PostOffice(0, topology), options.proposeOutstandingMax, options.proposeOutstandingBytesMax);
    this.supervisor = new Supervisor(options.supervisor);
    for (const r of plan.rings) {
      // The log holds the acceptor's state at its largest, and room besides for cleaning to move
      // what it still holds from the tail (see SabVoteStore).
      const logBytes = Math.ceil((acceptorStateBytesMax(r.options.protocol) + r.options.protocol.acceptorRetainedBytesMax) / 8) * 8;
      if (r.options.storage !== 'memory') continue;
      for (const a of r.spec.acceptors) if (this.isLocal(a)) this.stores.set(a, SabVoteStore.create(logBytes));
    }
  }

  /** Starts the gateway (if any) and every actor under the supervisor, in plan order. */
  async start(): Promise<void> {
    if (this.gateway !== null) await this.supervisor.startChild(this.gatewaySpec(this.gateway.host));
    for (const a of this.plan.actors) await this.supervisor.startChild(this.childSpec(a));
    this.started = true;
    this.replenishSpare();
  }

  /** Host threads that replaced a dead one by taking the spare thread (see NodeOptions.spareThread). */
  get spareThreadsUsed(): number {
    return this.sparesUsed;
  }

  /** Starts a spare thread if the node keeps one and has none; it loads while the node runs. */
  private replenishSpare(): void {
    if (!this.options.spareThread || !this.started || this.closed || this.spare !== null) return;
    const spare = spawnSpare([...new Set(this.plan.actors.map((a) => a.module).filter((m) => m !== ''))]);
    spare.on('error', (e) => this.onLog(`spare thread failed: ${e instanceof Error ? e.message : String(e)}`));
    spare.on('exit', () => {
      if (this.spare === spare) this.spare = null;
    });
    this.spare = spare;
  }

  private takeSpare(): Worker | null {
    const spare = this.spare;
    this.spare = null;
    if (spare !== null) this.sparesUsed++;
    return spare;
  }

  /** The gateway thread as a supervised child: restarted, socket and all, if it dies. */
  private gatewaySpec(host: number): ChildSpec {
    const actor: PlannedActor = { name: 'udp-gateway', address: -1, role: 'gateway', ring: null, module: '', hot: false, restart: 'permanent' };
    return {
      id: actor.name,
      restart: 'permanent',
      start: async () => {
        const handle = await this.ensureHost(host);
        const inc = new ActorIncarnation(actor, handle, this.progress);
        this.live.set(actor.address, inc);
        return inc;
      },
    };
  }

  /** The `index`-th proposer of the ring that runs in this process. */
  proposer(ring: number, index = 0): ProposerHandle {
    const planned = this.plan.rings.find((r) => r.spec.ring === ring);
    const address = planned?.proposers.filter((p) => this.isLocal(p))[index];
    if (planned === undefined || address === undefined) throw new RingcastError(ErrorCode.ACTOR_UNKNOWN, `ring ${ring} has no proposer ${index}`);
    const bytesMax = planned.options.protocol.submitBytesMax;
    return { address, propose: (bytes) => this.api.propose(address, bytes, bytesMax) };
  }

  /** The `index`-th learner of the ring that runs in this process. */
  learner(ring: number, index = 0): LearnerHandle {
    const address = this.plan.rings.find((r) => r.spec.ring === ring)?.spec.learners.filter((l) => this.isLocal(l))[index];
    if (address === undefined) throw new RingcastError(ErrorCode.ACTOR_UNKNOWN, `ring ${ring} has no learner ${index}`);
    return { address, onDeliver: (cb, opts) => this.api.subscribe(address, cb, opts) };
  }

  private isLocal(address: number): boolean {
    return this.plan.actors.some((a) => a.address === address);
  }

  /** Sends a user message to an actor by name. */
  send(actorName: string, msg: unknown): boolean {
    const a = this.actorNamed(actorName);
    return this.api.sendUser(a.address, encodeUserMessage(msg));
  }

  actorNamed(name: string): PlannedActor {
    const a = this.plan.actors.find((x) => x.name === name);
    if (a === undefined) throw new RingcastError(ErrorCode.ACTOR_UNKNOWN, `no actor named ${name}`);
    return a;
  }

  /** Where each actor runs: its thread, wait strategy, CPU, and the kernel's view of its pinning. */
  threadReport(): ThreadReport[] {
    return this.threads.map((t) => ({ ...t, host: t.index + 1, thread: this.threadInfo.get(t.index + 1) ?? null }));
  }

  /** The host thread an actor runs on (for tests that terminate threads on purpose). */
  hostOf(actorName: string): HostHandle | null {
    return this.hosts[this.hostOfActor.get(this.actorNamed(actorName).address) ?? -1] ?? null;
  }

  async status(): Promise<HostStatus[]> {
    const alive = this.hosts.filter((h): h is HostHandle => h !== null && h.alive);
    return Promise.all(alive.map((h) => h.status()));
  }

  get apiStats(): Readonly<ApiEndpoint['stats']> {
    return this.api.stats;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.api.beginClose();
    await this.supervisor.close();
    await Promise.all(this.hosts.map((h) => h?.stop()));
    const spare = this.spare;
    this.spare = null;
    await spare?.terminate();
    await this.api.close();
  }

  private childSpec(a: PlannedActor): ChildSpec {
    return {
      id: a.name,
      restart: a.restart,
      start: async () => {
        const host = await this.ensureHost(this.hostOfActor.get(a.address) ?? -1);
        await host.startActor({ address: a.address, name: a.name, module: a.module, ...(a.exportName === undefined ? {} : { exportName: a.exportName }), args: this.argsFor(a) });
        const inc = new ActorIncarnation(a, host, this.progress);
        this.live.set(a.address, inc);
        return inc;
      },
    };
  }

  private argsFor(a: PlannedActor): unknown {
    if (a.role === 'user') return a.args;
    const ring = this.plan.rings.find((r) => r.spec.ring === a.ring);
    if (ring === undefined) throw new RingcastError(ErrorCode.ACTOR_UNKNOWN, `no ring for ${a.name}`);
    const base = { node: a.address, spec: ring.spec, protocol: ring.options.protocol };
    switch (a.role) {
      case 'acceptor':
        return { ...base, storage: this.storageOf(a.address, ring.options) };
      case 'proposer':
        return { ...base, epochWord: this.epochWordOf(a.address) };
      case 'learner':
      {
        // The program's subscription is part of the learner's start, not a frame that follows it:
        // what the learner delivers before that frame came would not reach the program.
        const planned = this.plan.subscribers.get(a.address) ?? [];
        const from = this.api.subscribedFrom(a.address);
        return { ...base, subscribers: from === null ? planned : [...planned, API_ADDRESS], startInstance: from ?? 0 };
      }
      case 'coordinator': {
        // The ring's acceptor on this node, when the others are on other nodes: the rings this
        // coordinator forms start there (Coordinator.chooseLayout).
        const near = nearAcceptorOf(ring.spec, (id) => this.plan.actors.some((x) => x.address === id));
        return near === undefined ? base : { ...base, nearAcceptor: near };
      }
      case 'gateway':
        return base;
    }
  }

  private storageOf(address: number, ring: ResolvedRing): AcceptorStorage {
    if (ring.storage === 'memory') return { kind: 'memory', sab: (this.stores.get(address) as SabVoteStore).sab };
    const dir = this.dataDir ?? join('.ringcast', 'data');
    // Segments of a quarter of the retention: the log holds about the retained votes and a segment or
    // two more. It is rewritten from a snapshot only if old segments stay pinned past compactBytes.
    const compactBytes = acceptorStateBytesMax(ring.protocol) + 3 * ring.protocol.acceptorRetainedBytesMax;
    const segmentBytes = Math.max(64 * 1024, Math.floor(ring.protocol.acceptorRetainedBytesMax / 4));
    return { kind: 'file', path: join(dir, `ring${ring.id}-acceptor${address}.log`), mode: ring.storage, compactBytes, segmentBytes };
  }

  /** The proposer's epoch, kept here across its restarts; -1 before its first start. */
  private epochWordOf(address: number): SharedArrayBuffer {
    let sab = this.epochWords.get(address);
    if (sab === undefined) {
      sab = new SharedArrayBuffer(4);
      new Int32Array(sab)[0] = -1;
      this.epochWords.set(address, sab);
    }
    return sab;
  }

  private ensureHost(h: number): Promise<HostHandle> {
    const current = this.hosts[h];
    if (current !== null && current !== undefined && current.alive) return Promise.resolve(current);
    const starting = this.hostStarting.get(h);
    if (starting !== undefined) return starting;
    const p = this.spawnHost(h).finally(() => this.hostStarting.delete(h));
    this.hostStarting.set(h, p);
    return p;
  }

  private async spawnHost(h: number): Promise<HostHandle> {
    const plan = this.threads[h - 1];
    if (plan === undefined) throw new RingcastError(ErrorCode.ACTOR_UNKNOWN, `no thread ${h}`);
    // The endpoints a dead thread held are released, so that its successor can attach them.
    for (let k = 0; k < this.topology.hostCount; k++) {
      const out = this.topology.rings[h]?.[k];
      const inb = this.topology.rings[k]?.[h];
      if (out) releaseAbandonedEndpoints(out);
      if (inb) releaseAbandonedEndpoints(inb);
    }
    const gateway = this.gateway !== null && this.gateway.host === h ? { gateway: this.gateway.init } : {};
    const handle = new HostHandle(
      { host: h, topology: this.topology, wait: plan.wait, cpu: plan.cpu, tickMs: this.options.tickMs, progress: this.progress.buffer as SharedArrayBuffer, spinBudgetUs: 50, runPool: this.options.runPool, ...gateway },
      {
        onActorCrashed: (address, error) => this.onActorExit(address, toError(error)),
        onExit: (host, code, error) => {
          for (const [address, inc] of this.live) if (inc.host.host === host) this.onActorExit(address, new RingcastError(ErrorCode.ACTOR_CRASHED, `thread ${host} exited (code ${code})`, { cause: error }));
        },
        onLog: (line) => this.onLog(line),
      },
      // A thread that died is replaced by the spare, if one is kept; a new spare then loads.
      this.hosts[h] === null ? null : this.takeSpare(),
    );
    this.hosts[h] = handle;
    const info = await handle.ready;
    this.replenishSpare();
    this.threadInfo.set(h, info);
    if (plan.cpu !== null && info.pinned !== true) this.onLog(`thread ${h} not pinned to CPU ${plan.cpu}: ${info.pinReason ?? 'unknown'}; it runs unpinned`);
    return handle;
  }

  private onActorExit(address: number, error: unknown): void {
    const inc = this.live.get(address);
    if (inc === undefined) return;
    this.live.delete(address);
    if (inc.actor.role === 'proposer') this.api.rejectPending(address, error);
    inc.exit('crash', error);
  }
}

/**
 * Bytes an acceptor's state can take: its retained decided votes (twice the retention limit while
 * a learner catches up, see acceptor.ts), and undecided ones (up to eight windows of in-flight
 * batches, counting re-proposals under new ballots).
 */
function acceptorStateBytesMax(p: ProtocolOptions): number {
  return 2 * p.acceptorRetainedBytesMax + 8 * p.batchBytesMax * p.instancesInFlightMax;
}

/** Options of one node of a deployment (a config file's nodes and rings; this process is `self`). */
export interface DeploymentStart {
  readonly deployment: DeploymentConfig;
  readonly self: string;
}

/**
 * Starts a node: every ring of `options` in this process, or this process's part of a
 * deployment, whose actors on other nodes are reached through the UDP gateway.
 */
/**
 * Starts a node. `setup` runs before any actor starts: a learner subscribed there (onDeliver)
 * delivers to the program from instance 0 (subscribed after startNode resolves, it delivers what
 * it decides from then on — on a node of a deployment joining a running ring, that misses the
 * instances it catches up on first).
 */
export async function startNode(options: NodeOptions | DeploymentStart, setup?: (node: RingcastNode) => void): Promise<RingcastNode> {
  const node = 'deployment' in options ? deploymentNode(options) : inProcessNode(options);
  try {
    setup?.(node);
    await node.start();
  } catch (e) {
    await node.close();
    throw e;
  }
  return node;
}

function placeActors(plan: NodePlan, resolved: ResolvedNodeOptions): ThreadPlan[] {
  return planPlacement(
    plan.actors.map((a) => ({ name: a.name, hot: a.hot, spinFirst: a.role === 'coordinator' && a.hot, ...(a.group === undefined ? {} : { group: a.group }) })),
    resolved.placement,
  );
}

/**
 * In one process a ring's messages cost no network time, and the coordinator's window of instances
 * in flight, not the CPU, bounded large values: with 8 KB values (shared placement) 32 -> 128
 * instances took 28.7k to 56k values/s; 1 KB values were unchanged, and so were deployments (their
 * processes are CPU-bound), which keep the protocol's default. A ring's own setting wins.
 */
const IN_PROCESS_INSTANCES_IN_FLIGHT = 128;

function withInProcessDefaults(options: NodeOptions): NodeOptions {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.rings)) return options;
  const rings = options.rings.map((r) => {
    const p: unknown = r?.protocol;
    if (typeof r !== 'object' || r === null || (p !== undefined && (typeof p !== 'object' || p === null)) || r.protocol?.instancesInFlightMax !== undefined) return r;
    // The protocol requires phase1WindowInstances >= 2 * instancesInFlightMax.
    const window = r.protocol?.phase1WindowInstances ?? DEFAULT_PROTOCOL_OPTIONS.phase1WindowInstances;
    const inFlight = Math.min(IN_PROCESS_INSTANCES_IN_FLIGHT, Math.floor(window / 2));
    return inFlight <= DEFAULT_PROTOCOL_OPTIONS.instancesInFlightMax ? r : { ...r, protocol: { ...r.protocol, instancesInFlightMax: inFlight } };
  });
  return { ...options, rings };
}

function inProcessNode(options: NodeOptions): RingcastNode {
  const resolved = resolveNodeOptions(withInProcessDefaults(options), availableParallelism());
  const plan = planNode(resolved);
  const threads = placeActors(plan, resolved);
  return new RingcastNode(resolved, plan, threads, buildTopology(resolved, plan, threads, [], -1));
}

function deploymentNode({ deployment, self }: DeploymentStart): RingcastNode {
  // A deployment built in code is checked like one read from a file.
  const d = validateDeployment(deployment);
  const me = d.nodes.find((n) => n.name === self);
  if (me === undefined) throw new ConfigError('node', `no node named ${JSON.stringify(self)} in the deployment`);
  const resolved = resolveNodeOptions(
    {
      rings: d.rings.map((r, i) => {
        if ((r.storage as string | undefined) === 'memory') throw new ConfigError(`rings[${i}].storage`, 'memory storage does not survive a restarted acceptor process: use async or sync');
        const storage = r.storage ?? 'async';
        return { id: r.id, acceptors: r.acceptors.length, coordinators: r.coordinators.length, learners: r.learners.length, proposers: r.proposers.length, dissemination: r.dissemination, storage, ...(r.protocol === undefined ? {} : { protocol: r.protocol }) };
      }),
      ...(d.placement === undefined ? {} : { placement: withoutGateway(d.placement) }),
      ...(d.tickMs === undefined ? {} : { tickMs: d.tickMs }),
      ...(d.supervisor === undefined ? {} : { supervisor: d.supervisor }),
    },
    availableParallelism(),
  );
  const plan = planDeployment(d, self, resolved.rings);
  const local = placeActors(plan, resolved);
  // The gateway shares the first actor thread, which then waits on its event loop (sockets),
  // or has a thread of its own.
  const shared = (d.placement?.gateway ?? DEFAULT_GATEWAY_PLACEMENT) === 'actor-thread' && local.length > 0;
  const gatewayHost = shared ? 1 : local.length + 1;
  const threads: ThreadPlan[] = shared
    ? local.map((t, i) => (i === 0 ? { ...t, wait: 'async' } : t))
    : [...local, { index: local.length, actors: [], wait: 'async', cpu: null }];
  const topology = buildTopology(resolved, plan, threads, plan.remote.map(([a]) => a), gatewayHost);
  return new RingcastNode(resolved, plan, threads, topology, { host: gatewayHost, init: gatewayInit(d, me.name, plan.remote) }, me.dataDir ?? join('.ringcast', me.name));
}

/** Where a deployment node's UDP gateway runs unless its placement says otherwise. */
const DEFAULT_GATEWAY_PLACEMENT: GatewayPlacement = 'own-thread';

function withoutGateway(p: DeploymentPlacement): PlacementOptions {
  const { gateway: _gateway, ...rest } = p;
  return rest;
}

function gatewayInit(d: DeploymentConfig, self: string, remote: readonly (readonly [number, number])[]): GatewayInit {
  const me = d.nodes.find((n) => n.name === self) as DeploymentConfig['nodes'][number];
  const hosts = (r: DeploymentConfig['rings'][number]): Set<string> => new Set([...r.acceptors, ...r.coordinators, ...r.learners].map((a) => a.node));
  const nodeId = new Map(d.nodes.map((n) => [n.name, n.id]));
  // One multicast group per node: the first multicast ring with a member here decides it.
  const multicast = d.rings.filter((r) => r.dissemination === 'multicast' && r.multicast !== undefined && hosts(r).has(self));
  const group = multicast[0]?.multicast;
  multicast.forEach((r, k) => {
    if (r.multicast?.group !== group?.group || r.multicast?.port !== group?.port) {
      throw new ConfigError(`rings[${d.rings.indexOf(r)}].multicast`, `a node joins one multicast group; ring ${r.id} differs from ring ${multicast[0]?.id} (${k})`);
    }
  });
  // Who needs the group's values here at start: learners and acceptors, until they learn otherwise
  // (actors/values-interest.ts: a spare acceptor, or a ring led from this node). Coordinators only
  // send to the group.
  const valueListeners = multicast.flatMap((r) => [...r.acceptors, ...r.learners].filter((a) => a.node === self).map((a) => a.id));
  return {
    transport: {
      nodeId: me.id,
      bind: { address: me.host, port: me.port },
      peers: d.nodes.filter((n) => n.name !== self).map((n) => ({ nodeId: n.id, address: n.host, port: n.port })),
      ...(group === undefined ? {} : { multicast: { group: group.group, port: group.port, interface: group.interface ?? me.host, ...(group.ttl === undefined ? {} : { ttl: group.ttl }) } }),
      ...(d.transport?.datagramBytesMax === undefined ? {} : { datagramBytesMax: d.transport.datagramBytesMax }),
      ...(d.transport?.socketBufferBytes === undefined ? {} : { socketBufferBytes: d.transport.socketBufferBytes }),
      ...(d.transport?.faults === undefined ? {} : { faults: { seed: me.id, ...d.transport.faults } }),
    },
    remote,
    multicastRings: multicast.map((r) => r.id),
    valueListeners,
    groupNodes: d.rings.map((r): [number, number[]] => [r.id, [...hosts(r)].filter((n) => n !== self).map((n) => nodeId.get(n) ?? -1)]),
  };
}

function buildTopology(o: ResolvedNodeOptions, plan: NodePlan, threads: readonly ThreadPlan[], remote: readonly number[], gatewayHost: number): TopologyData {
  const hostCount = threads.length + 1;
  const hostOfName = new Map<string, number>();
  threads.forEach((t) => t.actors.forEach((name) => hostOfName.set(name, t.index + 1)));
  const addresses: [number, number][] = [
    [API_ADDRESS, 0],
    ...plan.actors.map((a): [number, number] => [a.address, hostOfName.get(a.name) ?? 0]),
    ...remote.map((a): [number, number] => [a, gatewayHost]),
    ...(gatewayHost >= 0 ? [[GATEWAY_ADDRESS, gatewayHost] as [number, number]] : []),
  ];
  const groups = plan.rings.map((r): [number, number[]] => [r.spec.ring, [...r.spec.acceptors, ...r.spec.coordinators, ...r.spec.learners]]);
  const rings = Array.from({ length: hostCount }, (_, s) =>
    Array.from({ length: hostCount }, (_, d) => (s === d ? null : createSpscRing({ capacityBytes: o.mailboxBytes }).sab)),
  );
  return { hostCount, addresses, groups, rings, doorbells: new Doorbells(hostCount).sab, overflowFramesMax: o.overflowFramesMax, gatewayHost, remote };
}
