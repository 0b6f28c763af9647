/**
 * The options of an in-process node, with defaults, validated at the boundary: a bad option is
 * refused with a ConfigError naming the field.
 */
import { ConfigError } from '../../src/errors.ts';
import { DISSEMINATIONS, resolveProtocolOptions, type Dissemination, type ProtocolOptions } from '../../src/protocol/options.ts';
import { resolveSupervisorOptions, type RestartKind, type SupervisorOptions } from '../supervisor/restart-policy.ts';
import type { PlacementMode } from '../scheduler/placement.ts';
import { RUN_POOL_DEFAULTS, type RunPoolOptions } from '../../src/protocol/run-pool.ts';

export interface RingOptions {
  readonly id: number;
  /** 2f+1 acceptors (default 3). */
  readonly acceptors?: number;
  /** Coordinator candidates: one leads, the others stand by (default 2). */
  readonly coordinators?: number;
  readonly learners?: number;
  readonly proposers?: number;
  readonly dissemination?: Dissemination;
  /**
   * Acceptor storage: `memory` (default; kept by the supervisor across restarts of an acceptor's
   * thread), `async` (a log file under `.ringcast/data`, fsynced in the background) or `sync`
   * (fsynced before each vote leaves).
   */
  readonly storage?: 'memory' | 'async' | 'sync';
  readonly protocol?: Partial<ProtocolOptions>;
}

export interface UserActorOptions {
  readonly name: string;
  /** Module (URL or file URL string) exporting a defineActor() module. */
  readonly module: string | URL;
  readonly export?: string;
  readonly args?: unknown;
  /** Feed it every instance delivered by this ring's learner (index `learner`, default 0). */
  readonly subscribe?: { readonly ring: number; readonly learner?: number };
  readonly restart?: RestartKind;
  /** Actors with the same group share a thread in `shared` placement. */
  readonly group?: string;
}

export interface PlacementOptions {
  /** `dedicated`: a thread per actor (default). `shared`: actors spread over `threads` threads. */
  readonly mode?: PlacementMode;
  readonly threads?: number;
  /** Let hot threads busy-poll (never more than there are cores). Default: true. */
  readonly spin?: boolean;
  /** Pin hot threads to cores. Default: true. */
  readonly pin?: boolean;
  /** Cores to plan for (default: os.availableParallelism()). */
  readonly cores?: number;
}

export interface NodeOptions {
  readonly rings: readonly RingOptions[];
  readonly actors?: readonly UserActorOptions[];
  readonly placement?: PlacementOptions;
  /** Milliseconds per protocol tick (default 10). */
  readonly tickMs?: number;
  /** Bytes of each mailbox ring between two threads (default 4 MiB). */
  readonly mailboxBytes?: number;
  /** Frames that may wait for room on one mailbox edge before more are dropped (default 65536). */
  readonly overflowFramesMax?: number;
  /** propose() calls a proposer handle may have outstanding (default 65536). */
  readonly proposeOutstandingMax?: number;
  /** Bytes of values a proposer handle may have outstanding (default 64 MiB; one value always goes). */
  readonly proposeOutstandingBytesMax?: number;
  readonly supervisor?: Partial<SupervisorOptions>;
  /**
   * The pool each thread keeps for the bytes of value runs (see the README's design notes):
   * `slabBytes` per slab (default 1 MiB), at most `slabsMax` slabs per thread (default 64; past
   * them runs are allocated one by one), `poison` overwrites freed slabs (for tests; default false).
   */
  readonly runPool?: Partial<RunPoolOptions>;
  /**
   * Keep one spare worker thread with the runtime and the actor modules loaded, to replace a host
   * thread that dies (default true): the restart is then a message, not a thread start and a
   * module load (~0.4 s idle, ~0.8 s under load on 2 cores).
   */
  readonly spareThread?: boolean;
}

export interface ResolvedRing {
  readonly id: number;
  readonly acceptors: number;
  readonly coordinators: number;
  readonly learners: number;
  readonly proposers: number;
  readonly dissemination: Dissemination;
  readonly storage: 'memory' | 'async' | 'sync';
  readonly protocol: ProtocolOptions;
}

export interface ResolvedNodeOptions {
  readonly rings: readonly ResolvedRing[];
  readonly actors: readonly UserActorOptions[];
  readonly placement: Required<PlacementOptions>;
  readonly tickMs: number;
  readonly mailboxBytes: number;
  readonly overflowFramesMax: number;
  readonly proposeOutstandingMax: number;
  readonly proposeOutstandingBytesMax: number;
  readonly supervisor: SupervisorOptions;
  readonly runPool: RunPoolOptions;
  readonly spareThread: boolean;
}

function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function known(path: string, o: object, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ConfigError(`${path}.${k}`, 'unknown option');
}

function resolveRing(r: RingOptions, i: number): ResolvedRing {
  const p = `rings[${i}]`;
  if (typeof r !== 'object' || r === null) throw new ConfigError(p, 'must be an object');
  known(p, r, ['id', 'acceptors', 'coordinators', 'learners', 'proposers', 'dissemination', 'storage', 'protocol']);
  const acceptors = int(`${p}.acceptors`, r.acceptors ?? 3, 1, 15);
  if (acceptors % 2 === 0) throw new ConfigError(`${p}.acceptors`, 'must be odd (2f+1)');
  const dissemination = r.dissemination ?? 'multicast';
  if (!DISSEMINATIONS.includes(dissemination)) throw new ConfigError(`${p}.dissemination`, `must be one of ${DISSEMINATIONS.join(', ')}`);
  const storage = r.storage ?? 'memory';
  if (storage !== 'memory' && storage !== 'async' && storage !== 'sync') throw new ConfigError(`${p}.storage`, 'must be memory, async or sync');
  return {
    id: int(`${p}.id`, r.id, 0, 0xfffe),
    acceptors,
    coordinators: int(`${p}.coordinators`, r.coordinators ?? 2, 1, 16),
    learners: int(`${p}.learners`, r.learners ?? 1, 1, 64),
    proposers: int(`${p}.proposers`, r.proposers ?? 1, 0, 64),
    dissemination,
    storage,
    protocol: resolveProtocolOptions(r.protocol ?? {}, `${p}.protocol`),
  };
}

export function resolveNodeOptions(o: NodeOptions, cores: number): ResolvedNodeOptions {
  if (typeof o !== 'object' || o === null) throw new ConfigError('node', 'options must be an object');
  known('node', o, ['rings', 'actors', 'placement', 'tickMs', 'mailboxBytes', 'overflowFramesMax', 'proposeOutstandingMax', 'proposeOutstandingBytesMax', 'supervisor', 'runPool', 'spareThread']);
  if (!Array.isArray(o.rings) || o.rings.length === 0) throw new ConfigError('rings', 'must list at least one ring');
  const rings = o.rings.map(resolveRing);
  const ids = rings.map((r) => r.id);
  if (new Set(ids).size !== ids.length) throw new ConfigError('rings', 'two rings have the same id');
  const actors = o.actors ?? [];
  actors.forEach((a, i) => {
    if (typeof a.name !== 'string' || a.name === '') throw new ConfigError(`actors[${i}].name`, 'must be a non-empty string');
    if (a.subscribe !== undefined && !ids.includes(a.subscribe.ring)) throw new ConfigError(`actors[${i}].subscribe.ring`, `no ring ${a.subscribe.ring}`);
  });
  const pl = o.placement ?? {};
  known('placement', pl, ['mode', 'threads', 'spin', 'pin', 'cores']);
  const mode = pl.mode ?? 'dedicated';
  if (mode !== 'dedicated' && mode !== 'shared') throw new ConfigError('placement.mode', 'must be dedicated or shared');
  const c = int('placement.cores', pl.cores ?? cores, 1, 1024);
  return {
    rings,
    actors,
    // Shared threads default to one fewer than the cores: the main thread runs the program and the API.
    placement: { mode, threads: int('placement.threads', pl.threads ?? Math.max(1, c - 1), 1, 256), spin: pl.spin ?? true, pin: pl.pin ?? true, cores: c },
    tickMs: int('tickMs', o.tickMs ?? 10, 1, 10_000),
    mailboxBytes: int('mailboxBytes', o.mailboxBytes ?? 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    overflowFramesMax: int('overflowFramesMax', o.overflowFramesMax ?? 65_536, 1, 1 << 24),
    proposeOutstandingMax: int('proposeOutstandingMax', o.proposeOutstandingMax ?? 65_536, 1, 1 << 24),
    proposeOutstandingBytesMax: int('proposeOutstandingBytesMax', o.proposeOutstandingBytesMax ?? 64 * 1024 * 1024, 1, 2 ** 40),
    supervisor: resolveSupervisorOptions(o.supervisor ?? {}),
    runPool: resolveRunPool(o.runPool ?? {}),
    spareThread: bool('spareThread', o.spareThread ?? true),
  };
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(field, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function resolveRunPool(o: Partial<RunPoolOptions>): RunPoolOptions {
  if (typeof o !== 'object' || o === null) throw new ConfigError('runPool', 'must be an object');
  known('runPool', o, ['slabBytes', 'slabsMax', 'poison']);
  const d = RUN_POOL_DEFAULTS;
  const poison = bool('runPool.poison', o.poison ?? d.poison);
  return Object.freeze({
    slabBytes: int('runPool.slabBytes', o.slabBytes ?? d.slabBytes, 64 * 1024, 256 * 1024 * 1024),
    slabsMax: int('runPool.slabsMax', o.slabsMax ?? d.slabsMax, 1, 65_536),
    poison,
  });
}
