/**
 * A host thread: runs the actors placed on it. It drains its inbound mailboxes, hands frames to
 * actors, ticks them, flushes their output, and waits the way the scheduler chose (spin, spin
 * then block, or block). It yields to its event loop every few milliseconds so that control
 * messages from the supervisor get through even while it spins.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pinCurrentThread, currentTid, threadCpusAllowed } from '../scheduler/pinning.ts';
import type { ActorBehavior, ActorContext } from '../actor/actor.ts';
import { isActorModule } from '../actor/actor.ts';
import { encodeUserMessage } from '../actor/define-actor.ts';
import { FrameKind, GATEWAY_ADDRESS, GROUP_ADDRESS } from './envelope.ts';
import { PostOffice } from './post-office.ts';
import { serializeError, type ActorSpec, type FromHost, type HostInit, type SpareInit, type ToHost } from './host-protocol.ts';
import { UdpGateway } from './udp-gateway.ts';
// The hot paths' copies into and out of shared memory by memcpy where the native module is built.
import '../native/bulk-copy.ts';
import { forEachMessageRun, isProtocolMessage } from '../../src/protocol/messages.ts';
import { RunPool } from '../../src/protocol/run-pool.ts';
import type { ValueRun } from '../../src/protocol/runs.ts';

const YIELD_EVERY_MS = 5;
/**
 * How long a thread without actors that waits on its event loop (the UDP gateway's own thread)
 * sleeps when nothing arrives: it has no ticks to run, only the supervisor's watchdog to show
 * progress to (every watchdogMs, 5 s by default), and its sockets, timers and control messages
 * run on its event loop while it waits. Waking every 5 ms like the actors' threads, each such
 * thread took 3.6-5.8% of a core in an idle five-process deployment. (A thread that blocks gets
 * its control messages only between waits: it never waits longer than BLOCKED_MAX_MS.)
 */
const IDLE_WITHOUT_ACTORS_MS = 100;
/**
 * The longest a thread with actors blocks when idle: until its next tick, at most this long, so
 * that control messages (which wait on its event loop) get through. Capped at YIELD_EVERY_MS it
 * woke twice per tick.
 */
const BLOCKED_MAX_MS = 20;

interface Hosted {
  readonly spec: ActorSpec;
  readonly behavior: ActorBehavior;
  readonly timers: Map<string, { due: number; periodMs: number | null }>;
  /** Milliseconds spent in this actor's handlers, and frames handed to it. */
  /** Time in the actor's handlers, estimated from a sample of its calls. */
  busyMs: number;
  calls: number;
  frames: number;
}

if (parentPort === null) throw new Error('host-thread must run in a worker');
const port = parentPort;
const post = (m: FromHost): void => port.postMessage(m);
/** Control messages that reached a spare thread after its assignment, before its handler was set. */
const early: ToHost[] = [];
const init: HostInit = (workerData as Partial<SpareInit>).spare === true ? await assignment(workerData as SpareInit) : (workerData as HostInit);

/** A spare thread loads the actor modules, then waits to be told which host it is. */
async function assignment(spare: SpareInit): Promise<HostInit> {
  // A module that fails to load here fails again, with its error, when its actor starts.
  await Promise.all(spare.preload.map((m) => import(m).catch(() => undefined)));
  return new Promise((resolve) => {
    port.on('message', (m: ToHost) => (m.type === 'assign' ? resolve(m.init) : early.push(m)));
  });
}
// The global `performance` and its `timeOrigin` are getters that cost as much as the clock read
// itself: look them up once.
const perf = performance;
const TIME_ORIGIN = perf.timeOrigin;
const now = (): number => TIME_ORIGIN + perf.now();

const po = new PostOffice(init.host, init.topology);
/** Set on the node's gateway thread: frames for addresses not on this thread go to the network. */
const gateway =
  init.gateway === undefined
    ? null
    : await UdpGateway.open(init.gateway, po, {
        // A datagram's buffer is its own (node:dgram allocates one per datagram): actors may keep views.
        deliver: (dst, src, kind, ring, bytes, offset, length) => fromNetwork(dst, src, kind, ring, bytes, offset, length),
        afterDelivery: () => runLocal(),
      });
if (gateway !== null) po.setRemoteSink((dst, src, kind, ring, bytes, offset, length) => gateway.toNetwork(dst, src, kind, ring, bytes, offset, length));
const progress = new Int32Array(init.progress);
const runPool = new RunPool(init.runPool, traceRuns);
const actors = new Map<number, Hosted>();
let running = true;
/** When the actors' next tick is due (see tickIfDue). */
let nextTick = now() + init.tickMs;

function contextFor(spec: ActorSpec, timers: Hosted['timers']): ActorContext {
  const self = spec.address;
  return {
    address: self,
    name: spec.name,
    nowMs: now,
    sendFrame: (to, kind, size, write, aligned) => po.send(to, self, kind, size, write, aligned),
    sendGroup: (ring, kind, size, write) => po.sendGroup(ring, self, kind, size, write),
    sendObject: (to, msg) => po.sendObject(to, self, msg),
    sendGroupObject: (ring, msg, kind, size, write) => po.sendGroupObject(ring, self, msg, kind, size, write),
    send(to, msg) {
      const bytes = encodeUserMessage(msg);
      return po.send(to, self, FrameKind.USER, bytes.length, (b, o) => (b.set(bytes, o), bytes.length));
    },
    poolCopy: (bytes, from, to) => runPool.copyOf(bytes, from, to),
    isLocal: (address) => po.isLocalActor(address),
    wantValues(on) {
      if (init.topology.gatewayHost < 0) return;
      po.send(GATEWAY_ADDRESS, self, FrameKind.VALUES_WANTED, 1, (b, o) => ((b[o] = on ? 1 : 0), 1));
    },
    setTimer: (name, delayMs, repeat = false) => void timers.set(name, { due: now() + delayMs, periodMs: repeat ? delayMs : null }),
    cancelTimer: (name) => void timers.delete(name),
    log: (line) => post({ type: 'log', line: `[${spec.name}] ${line}` }),
  };
}

async function startActor(spec: ActorSpec): Promise<void> {
  try {
    const mod = (await import(spec.module)) as Record<string, unknown>;
    const factory = mod[spec.exportName ?? 'default'];
    if (!isActorModule(factory)) throw new Error(`${spec.module} does not export an actor module as ${spec.exportName ?? 'default'}`);
    const timers: Hosted['timers'] = new Map();
    const behavior = await factory.create(contextFor(spec, timers), spec.args);
    actors.set(spec.address, { spec, behavior, timers, busyMs: 0, calls: 0, frames: 0 });
    post({ type: 'actor-started', address: spec.address });
  } catch (e) {
    post({ type: 'actor-start-failed', address: spec.address, error: serializeError(e) });
  }
}

/** An actor that throws is taken out at once and reported; the supervisor decides what follows. */
function crash(a: Hosted, e: unknown): void {
  actors.delete(a.spec.address);
  post({ type: 'actor-crashed', address: a.spec.address, error: serializeError(e) });
}

/** One call in this many is timed for an actor's busyMs (two clock reads per call cost ~8% of a busy thread). */
const BUSY_SAMPLE = 16;

function guarded(a: Hosted, f: () => void): void {
  const t0 = callStarts(a);
  try {
    f();
  } catch (e) {
    crash(a, e);
  }
  callEnds(a, t0);
}

/** When a sampled call starts (-1 for a call not timed). */
function callStarts(a: Hosted): number {
  return a.calls++ % BUSY_SAMPLE === 0 ? perf.now() : -1;
}

function callEnds(a: Hosted, t0: number): void {
  if (t0 >= 0) a.busyMs += BUSY_SAMPLE * (perf.now() - t0);
}

// The hot paths below call the behaviour directly rather than through `guarded` and a closure: the
// closures made per frame, per object and per flush put these calls among the shared worker's
// largest allocation sites.

function handFrame(a: Hosted, kind: number, src: number, ring: number, bytes: Uint8Array, offset: number, length: number, stable = false): void {
  a.frames++;
  const t0 = callStarts(a);
  try {
    a.behavior.onFrame(kind, src, ring, bytes, offset, length, stable);
  } catch (e) {
    crash(a, e);
  }
  callEnds(a, t0);
}

function handObject(a: Hosted, src: number, msg: unknown): void {
  a.frames++;
  const t0 = callStarts(a);
  try {
    a.behavior.onObject?.(src, msg);
  } catch (e) {
    crash(a, e);
  }
  callEnds(a, t0);
}

/** Hands a group frame to every member of the ring's local group on this thread but the sender. */
function handGroupFrame(kind: number, src: number, ring: number, bytes: Uint8Array, offset: number, length: number, stable: boolean): void {
  const members = po.localGroupMembers(ring);
  for (let k = 0; k < members.length; k++) {
    const a = memberAt(members, k, src);
    if (a !== undefined) handFrame(a, kind, src, ring, bytes, offset, length, stable);
  }
}

/** Member `k` of a ring's local group, unless it is the sender or has no actor on this thread. */
function memberAt(members: readonly number[], k: number, src: number): Hosted | undefined {
  const m = members[k] as number;
  return m === src ? undefined : actors.get(m);
}

/** Hands a frame to the actor `dst`, or for a group to every local member but the sender. */
function dispatch(dst: number, src: number, kind: number, ring: number, bytes: Uint8Array, offset: number, length: number): void {
  // On the gateway's thread, group frames also go to the network, and so do frames for actors
  // that are not on this thread (they are on other nodes).
  if (dst === GROUP_ADDRESS) {
    gateway?.toNetwork(dst, src, kind, ring, bytes, offset, length);
    return handGroupFrame(kind, src, ring, bytes, offset, length, false);
  }
  const a = actors.get(dst);
  if (a !== undefined) handFrame(a, kind, src, ring, bytes, offset, length);
  else if (dst === GATEWAY_ADDRESS) {
    if (kind === FrameKind.VALUES_WANTED && length === 1) gateway?.valuesWanted(src, bytes[offset] === 1);
  } else gateway?.toNetwork(dst, src, kind, ring, bytes, offset, length);
}

/** A frame from the network (gateway thread): its bytes are its own, so actors may keep views. */
function fromNetwork(dst: number, src: number, kind: number, ring: number, bytes: Uint8Array, offset: number, length: number): void {
  if (dst === GROUP_ADDRESS) return handGroupFrame(kind, src, ring, bytes, offset, length, true);
  const a = actors.get(dst);
  if (a !== undefined) handFrame(a, kind, src, ring, bytes, offset, length, true);
}

function dispatchObject(dst: number, src: number, ring: number, msg: unknown): void {
  if (dst === GROUP_ADDRESS) {
    const members = po.localGroupMembers(ring);
    for (let k = 0; k < members.length; k++) {
      const a = memberAt(members, k, src);
      if (a !== undefined) handObject(a, src, msg);
    }
    return;
  }
  const a = actors.get(dst);
  if (a !== undefined) handObject(a, src, msg);
}

function runTimers(t: number): void {
  for (const a of actors.values()) {
    for (const [name, timer] of a.timers) {
      if (timer.due > t) continue;
      if (timer.periodMs === null) a.timers.delete(name);
      else timer.due = t + timer.periodMs;
      guarded(a, () => a.behavior.onTimer?.(name));
    }
  }
}

/**
 * After frames from the network were handed to this thread's actors (gateway on this thread):
 * flush them, and run what they sent each other (objects, local frames) at once, while the loop
 * itself may be waiting on its event loop. Bounded: a longer exchange goes on in the loop. Ticks
 * that fall due run here too: under a stream of datagrams the event loop may not get back to the
 * loop for seconds (each poll hands over up to 32 datagrams per socket), and an actor thread
 * without ticks sends no heartbeats and looks hung to the supervisor's watchdog.
 */
function runLocal(): void {
  tickIfDue(now()); // its output is flushed just below
  flushActors();
  for (let round = 0; round < 16 && po.hasLocalWork(); round++) {
    po.drain(dispatch, dispatchObject);
    flushActors();
  }
}

/** Flushes every actor: afterwards no actor is in the middle of anything, so the run pool may sweep. */
function flushActors(): void {
  for (const a of actors.values()) {
    if (a.behavior.flush === undefined) continue;
    const t0 = callStarts(a);
    try {
      a.behavior.flush();
    } catch (e) {
      crash(a, e);
    }
    callEnds(a, t0);
  }
  po.flush();
  gateway?.flush();
  if (runPool.wantsSweep) runPool.sweep();
}

/**
 * What the run pool may not reuse: what every actor holds, and the protocol messages waiting to
 * be handed from one actor of this thread to another (the only objects that carry runs).
 */
function traceRuns(mark: (bytes: Uint8Array) => void): void {
  for (const a of actors.values()) a.behavior.forEachHeldBytes?.(mark);
  const each = (r: ValueRun): void => mark(r.packed);
  po.forEachLocalObject((msg) => {
    if (!isProtocolMessage(msg)) return;
    try {
      forEachMessageRun(msg, each);
    } catch {
      // A user's object shaped like a message but not one: it holds no pooled bytes.
    }
  });
}

/** Ticks the actors, runs their timers and counts progress, if a tick is due at `t`. */
function tickIfDue(t: number): boolean {
  if (t < nextTick) return false;
  for (const a of actors.values()) if (a.behavior.onTick !== undefined) guarded(a, () => a.behavior.onTick?.(t));
  runTimers(t);
  nextTick = Math.max(nextTick + init.tickMs, t + init.tickMs / 2);
  Atomics.add(progress, init.host, 1);
  return true;
}

async function loop(): Promise<void> {
  let lastYield = now();
  let idleSince = -1;
  while (running) {
    const frames = po.drain(dispatch, dispatchObject);
    let t = now();
    const ticked = tickIfDue(t);
    if (frames > 0 || ticked || po.hasBacklog()) flushActors();
    if (frames > 0 || po.hasWork()) idleSince = -1;
    else if (init.wait === 'async') {
      // Frames waiting for room in a full mailbox are retried on a timeout: nothing rings for room.
      const longSleep = actors.size === 0 && !po.hasBacklog();
      await po.doorbells.sleepAsync(init.host, longSleep ? IDLE_WITHOUT_ACTORS_MS : Math.max(0, Math.min(nextTick - t, YIELD_EVERY_MS)), () => po.hasWork());
    }
    else waitIdle(t, nextTick, (idleSince = idleSince < 0 ? t : idleSince));
    t = now();
    if (t - lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = now();
    }
  }
}

function waitIdle(t: number, nextTick: number, idleSince: number): void {
  if (init.wait === 'spin') return;
  if (init.wait === 'spin-then-wait' && (t - idleSince) * 1000 < init.spinBudgetUs) return;
  const timeoutMs = po.hasBacklog() ? 0.2 : Math.max(0, Math.min(nextTick - t, BLOCKED_MAX_MS));
  po.doorbells.sleep(init.host, timeoutMs, () => po.hasWork());
}

function onControl(m: ToHost): void {
  switch (m.type) {
    case 'start-actor':
      void startActor(m.spec);
      break;
    case 'stop-actor': {
      const a = actors.get(m.address);
      if (a !== undefined) guarded(a, () => a.behavior.stop?.());
      actors.delete(m.address);
      post({ type: 'actor-stopped', address: m.address });
      break;
    }
    case 'status': {
      const list: { address: number; name: string; status: Record<string, unknown> }[] = [...actors.values()].map((a) => ({
        address: a.spec.address,
        name: a.spec.name,
        status: { ...safeStatus(a), busyMs: Math.round(a.busyMs), frames: a.frames },
      }));
      if (gateway !== null) list.push({ address: -1, name: 'udp-gateway', status: gateway.transportStats() });
      post({ type: 'status', id: m.id, status: { host: init.host, actors: list, mailbox: { ...po.stats }, runPool: { ...runPool.stats, slabs: runPool.slabCount, freeSlabs: runPool.freeSlabs } } });
      break;
    }
    case 'stop':
      running = false;
      for (const a of actors.values()) guarded(a, () => a.behavior.stop?.());
      actors.clear();
      flushActors();
      po.close();
      void (gateway?.close() ?? Promise.resolve()).finally(() => {
        post({ type: 'stopped' });
        port.close();
      });
      break;
    case 'assign':
      break; // only a spare waits for one
  }
}
port.removeAllListeners('message');
port.on('message', onControl);
for (const m of early.splice(0)) onControl(m);

function safeStatus(a: Hosted): Record<string, unknown> {
  try {
    return a.behavior.status?.() ?? {};
  } catch (e) {
    return { statusError: String(e) };
  }
}

const pin = init.cpu === null ? null : pinCurrentThread(init.cpu);
const tid = pin?.tid ?? currentTid();
post({ type: 'ready', tid, pinned: pin?.ok ?? null, cpusAllowed: tid === null ? null : threadCpusAllowed(tid), pinReason: pin?.reason ?? null });
void loop();
