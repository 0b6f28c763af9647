/**
 * Moves frames between the actors of one process. Every ordered pair of host threads has its own
 * SPSC ring (no CAS on the hot path); a frame for an actor on the same thread skips the rings.
 * A group frame is written once per host thread that has members of the group, and that thread
 * hands it to each of them (the in-process analogue of one IP multicast datagram per host).
 *
 * A frame too large for a ring is dropped and counted (the protocol bounds its messages by
 * `messageBytesMax`, and the node checks that rings hold them). When a ring is full the frame waits, copied, in a bounded overflow queue for that edge (frames
 * on an edge stay in order); past `overflowFramesMax` frames are dropped and counted: the
 * protocol tolerates loss and re-sends, and a thread must never block on a peer that may be
 * blocked on it.
 */
import { attachSpscRing, RESERVE_FULL, type RingConsumer, type RingProducer } from '../../src/sab-ring/index.ts';
import { Doorbells } from './doorbell.ts';
import { ENVELOPE_BYTES, GATEWAY_ADDRESS, GROUP_ADDRESS, envelopeDst, envelopeKind, envelopeRing, envelopeSrc, writeEnvelope } from './envelope.ts';

/** Everything a thread needs to join the post office; plain data, sent to workers. */
export interface TopologyData {
  readonly hostCount: number;
  /** [address, host index] pairs. */
  readonly addresses: readonly (readonly [number, number])[];
  /** [ring id, member addresses] pairs: who receives the ring's group frames. */
  readonly groups: readonly (readonly [number, readonly number[]])[];
  /** rings[src][dst]: the SPSC ring from host src to host dst (null on the diagonal). */
  readonly rings: readonly (readonly (SharedArrayBuffer | null)[])[];
  readonly doorbells: SharedArrayBuffer;
  readonly overflowFramesMax: number;
  /** The host thread of the UDP gateway, where every remote address leads; -1 when none. */
  readonly gatewayHost: number;
  /** Addresses of actors on other nodes (all mapped to gatewayHost). */
  readonly remote: readonly number[];
}

/** Receives an object sent between two actors of the same thread. */
export type ObjectSink = (dst: number, src: number, ring: number, msg: unknown) => void;

interface LocalObject {
  readonly dst: number;
  readonly src: number;
  readonly ring: number;
  readonly msg: unknown;
}

/** Receives one frame; the payload view is valid only during the call. */
export type FrameSink = (dst: number, src: number, kind: number, ring: number, bytes: Uint8Array, offset: number, length: number) => void;

/** Writes a payload of at most the announced size at `offset`; returns the bytes written. */
export type PayloadWriter = (bytes: Uint8Array, offset: number) => number;

/** What became of a frame written straight into a ring (PostOffice.trySendDirect). */
export type DirectSend = 'sent' | 'full' | 'refused';

export class PostOffice {
  /** The sink of the drain in progress, and the frames it was handed (see drain). */
  private drainSink: FrameSink | null = null;
  private drainCount = 0;
  private readonly deliverFrame = (bytes: Uint8Array, offset: number, length: number): void => {
    this.drainCount++;
    (this.drainSink as FrameSink)(envelopeDst(bytes, offset), envelopeSrc(bytes, offset), envelopeKind(bytes, offset), envelopeRing(bytes, offset), bytes, offset + ENVELOPE_BYTES, length - ENVELOPE_BYTES);
  };

  readonly stats = { framesSent: 0, framesReceived: 0, overflowed: 0, dropped: 0, unknownAddress: 0, tooLarge: 0 };
  readonly doorbells: Doorbells;
  private readonly hostOf = new Map<number, number>();
  private readonly groupHosts = new Map<number, number[]>();
  private readonly groupMembers = new Map<number, number[]>();
  private readonly producers: (RingProducer | null)[];
  private readonly consumers: RingConsumer[];
  private readonly overflow: Uint8Array[][];
  private local: Uint8Array[] = [];
  private localObjects: LocalObject[] = [];
  private scratch = new Uint8Array(64 * 1024);
  /**
   * Hosts sent to since the last flush, to be woken: a flag per host and a list, not a Set cleared
   * on every flush (see src/protocol/int-map.ts on tables replaced at a high rate).
   */
  private readonly dirtyFlags: Uint8Array;
  private readonly dirty: number[] = [];
  private readonly remote: ReadonlySet<number>;
  /** Rings whose group has members on other nodes, and rings with members among this process's actors. */
  private readonly groupsWithRemote = new Set<number>();
  private readonly groupsWithLocal = new Set<number>();
  /** Set on the gateway's thread: where frames for remote addresses go (see setRemoteSink). */
  private remoteSink: FrameSink | null = null;

  constructor(
    readonly host: number,
    private readonly topo: TopologyData,
  ) {
    for (const [addr, h] of topo.addresses) this.hostOf.set(addr, h);
    this.remote = new Set(topo.remote);
    for (const [ring, members] of topo.groups) {
      if (members.some((m) => this.remote.has(m))) this.groupsWithRemote.add(ring);
      if (members.some((m) => this.isLocalActor(m))) this.groupsWithLocal.add(ring);
      this.groupMembers.set(ring, members.filter((m) => this.hostOf.get(m) === host && !this.remote.has(m)));
      this.groupHosts.set(ring, [...new Set(members.map((m) => this.hostOf.get(m) ?? -1))].filter((h) => h >= 0));
    }
    this.doorbells = new Doorbells(topo.doorbells);
    this.producers = topo.rings[host]?.map((sab) => (sab === null ? null : attachSpscRing(sab).producer())) ?? [];
    this.consumers = [];
    for (let src = 0; src < topo.hostCount; src++) {
      const sab = topo.rings[src]?.[host];
      if (sab !== null && sab !== undefined) this.consumers.push(attachSpscRing(sab).consumer());
    }
    this.overflow = Array.from({ length: topo.hostCount }, () => []);
    this.dirtyFlags = new Uint8Array(topo.hostCount);
  }

  /**
   * On the thread that hosts the UDP gateway: frames that its own actors send to remote
   * addresses, and the frame form of their group objects for rings with remote members, go to
   * `sink` at once (the payload view is valid only during the call), not through the local queue.
   * Group frames sent with sendGroup still go through the local queue, and the thread's dispatch
   * passes them to the network once.
   */
  setRemoteSink(sink: FrameSink): void {
    this.remoteSink = sink;
  }

  /** Local members of a ring's group on this thread (actors of this node only). */
  localGroupMembers(ring: number): readonly number[] {
    return this.groupMembers.get(ring) ?? [];
  }

  hostOfAddress(addr: number): number | undefined {
    return this.hostOf.get(addr);
  }

  /**
   * Sends one frame to one address; false if it was dropped (unknown address, or overflow full).
   * `aligned` writers (see trySendDirect) go straight into the ring when it has room now.
   */
  send(dst: number, src: number, kind: number, size: number, write: PayloadWriter, aligned = false): boolean {
    const h = this.hostOf.get(dst);
    if (h === undefined) {
      this.stats.unknownAddress++;
      return false;
    }
    if (aligned && h !== this.host) {
      const direct = this.writeDirect(h, dst, src, kind, size, write);
      if (direct !== 'full') return direct === 'sent';
    }
    const length = this.compose(dst, src, kind, 0, size, write);
    if (h === this.host && this.remoteSink !== null && this.remote.has(dst)) return this.toRemote(this.remoteSink, dst, src, kind, 0, length);
    return this.sendToHost(h, length);
  }

  /**
   * Writes a frame straight into the ring to `dst`'s thread, skipping the scratch copy of
   * compose(): for writers that align their bulk copies to the buffer they are handed (see
   * compose for why that matters). 'full', with nothing written or queued, when the ring has no
   * room now or frames already wait for it: the caller keeps its data and tries again later.
   * 'refused' for an unknown address or a frame larger than the ring takes. A frame for an actor
   * on this thread goes the usual way.
   */
  trySendDirect(dst: number, src: number, kind: number, size: number, write: PayloadWriter): DirectSend {
    const h = this.hostOf.get(dst);
    if (h === undefined) {
      this.stats.unknownAddress++;
      return 'refused';
    }
    if (h === this.host) return this.send(dst, src, kind, size, write) ? 'sent' : 'refused';
    return this.writeDirect(h, dst, src, kind, size, write);
  }

  isLocal(addr: number): boolean {
    return this.hostOf.get(addr) === this.host;
  }

  /** True for an actor of this process (not the API's address, not a remote actor). */
  isLocalActor(addr: number): boolean {
    return addr !== 0 && addr !== GATEWAY_ADDRESS && this.hostOf.has(addr) && !this.remote.has(addr);
  }

  /** True when a ring's group has members among the actors of this process. */
  hasLocalGroupMembers(ring: number): boolean {
    return this.groupsWithLocal.has(ring);
  }

  /** Queues an object for an actor on this thread; false when `dst` is elsewhere (or remote). */
  sendObject(dst: number, src: number, msg: unknown): boolean {
    if (this.hostOf.get(dst) !== this.host || this.remote.has(dst)) return false;
    this.stats.framesSent++;
    this.localObjects.push({ dst, src, ring: 0, msg });
    return true;
  }

  /**
   * Group send where this thread's members get the object and other threads one frame each (on
   * the gateway's thread, the network gets the frame too).
   */
  sendGroupObject(ring: number, src: number, msg: unknown, kind: number, size: () => number, write: PayloadWriter): void {
    const hosts = this.groupHosts.get(ring) ?? [];
    let length = -1;
    for (const h of hosts) {
      if (h === this.host) {
        if ((this.groupMembers.get(ring) ?? []).length > 0) {
          this.stats.framesSent++;
          this.localObjects.push({ dst: GROUP_ADDRESS, src, ring, msg });
        }
        if (this.remoteSink !== null && this.groupsWithRemote.has(ring)) {
          if (length < 0) length = this.compose(GROUP_ADDRESS, src, kind, ring, size(), write);
          this.toRemote(this.remoteSink, GROUP_ADDRESS, src, kind, ring, length);
        }
        continue;
      }
      if (length < 0) length = this.compose(GROUP_ADDRESS, src, kind, ring, size(), write);
      this.sendToHost(h, length);
    }
  }

  /**
   * Sends one frame to every member of a ring's group except `src`, one copy per thread. With
   * `localOnly`, threads of this process only: the gateway re-injects a group frame from the
   * network, which must not go back out.
   */
  sendGroup(ring: number, src: number, kind: number, size: number, write: PayloadWriter, opts?: { localOnly: boolean }): void {
    const hosts = (this.groupHosts.get(ring) ?? []).filter((h) => opts?.localOnly !== true || (h !== this.host && h !== this.topo.gatewayHost));
    if (hosts.length === 0) return;
    const length = this.compose(GROUP_ADDRESS, src, kind, ring, size, write);
    for (const h of hosts) this.sendToHost(h, length);
  }

  /**
   * Writes the frame once into a heap scratch buffer; it is then copied into each ring in one
   * aligned block. V8 copies into shared memory fast only when source and target agree modulo 8,
   * so encoding straight into a ring (values at odd offsets) runs about four times slower.
   */
  private compose(dst: number, src: number, kind: number, ring: number, size: number, write: PayloadWriter): number {
    if (this.scratch.length < ENVELOPE_BYTES + size) this.scratch = new Uint8Array(Math.max(ENVELOPE_BYTES + size, 2 * this.scratch.length));
    writeEnvelope(this.scratch, 0, dst, src, kind, ring);
    return ENVELOPE_BYTES + write(this.scratch, ENVELOPE_BYTES);
  }

  /** Hands the frame in the scratch buffer to the network (remote sink). */
  private toRemote(sink: FrameSink, dst: number, src: number, kind: number, ring: number, length: number): true {
    this.stats.framesSent++;
    sink(dst, src, kind, ring, this.scratch, ENVELOPE_BYTES, length - ENVELOPE_BYTES);
    return true;
  }

  /** Writes a frame into the ring to host `h` (another thread) if it has room and nothing waits there. */
  private writeDirect(h: number, dst: number, src: number, kind: number, size: number, write: PayloadWriter): DirectSend {
    const producer = this.producers[h];
    if (producer === null || producer === undefined) return 'refused';
    if (ENVELOPE_BYTES + size > producer.frameBytesMax) {
      this.stats.tooLarge++;
      return 'refused';
    }
    if ((this.overflow[h] as Uint8Array[]).length > 0) return 'full';
    const offset = producer.reserve(ENVELOPE_BYTES + size);
    if (offset === RESERVE_FULL) return 'full';
    const bytes = producer.bytes;
    writeEnvelope(bytes, offset, dst, src, kind, 0);
    producer.commit(ENVELOPE_BYTES + write(bytes, offset + ENVELOPE_BYTES));
    this.stats.framesSent++;
    this.markDirty(h);
    return 'sent';
  }

  /** Sends the frame in the scratch buffer to host `h`. */
  private sendToHost(h: number, length: number): boolean {
    this.stats.framesSent++;
    const frame = this.scratch.subarray(0, length);
    if (h === this.host) {
      this.local.push(frame.slice());
      return true;
    }
    const producer = this.producers[h];
    if (producer === null || producer === undefined) return false;
    if (length > producer.frameBytesMax) {
      this.stats.tooLarge++;
      return false;
    }
    const queue = this.overflow[h] as Uint8Array[];
    if (queue.length === 0 && producer.tryWrite(frame)) {
      this.markDirty(h);
      return true;
    }
    if (queue.length >= this.topo.overflowFramesMax) {
      this.stats.dropped++;
      return false;
    }
    queue.push(frame.slice());
    this.stats.overflowed++;
    return true;
  }

  /** Hands every frame available (inbound rings, then frames and objects between local actors) over. */
  drain(sink: FrameSink, objectSink?: ObjectSink): number {
    // One delivering closure for the post office's life, not one per call: drain runs on every
    // turn of a host loop (spinning ones too), and tsx names each closure it creates with
    // Object.defineProperty, which cost 4% of a shared-placement worker thread.
    const outer = this.drainSink;
    const counted = this.drainCount;
    this.drainSink = sink;
    this.drainCount = 0;
    try {
      for (const c of this.consumers) c.drain(this.deliverFrame);
      // Frames sent to local actors while handling these wait for the next round: no recursion.
      const local = this.local;
      this.local = [];
      for (const f of local) this.deliverFrame(f, 0, f.length);
    } finally {
      this.drainSink = outer;
    }
    let n = this.drainCount;
    this.drainCount = counted;
    if (objectSink !== undefined && this.localObjects.length > 0) {
      const objects = this.localObjects;
      this.localObjects = [];
      for (const o of objects) objectSink(o.dst, o.src, o.ring, o.msg);
      n += objects.length;
    }
    this.stats.framesReceived += n;
    return n;
  }

  /** Moves overflowed frames into their rings where room allows, and wakes sleeping receivers. */
  flush(): void {
    for (let h = 0; h < this.overflow.length; h++) {
      const queue = this.overflow[h] as Uint8Array[];
      if (queue.length === 0) continue;
      const producer = this.producers[h] as RingProducer;
      let k = 0;
      while (k < queue.length && producer.tryWrite(queue[k] as Uint8Array)) k++;
      if (k > 0) {
        queue.splice(0, k);
        this.markDirty(h);
      }
    }
    for (let k = 0; k < this.dirty.length; k++) {
      const h = this.dirty[k] as number;
      this.dirtyFlags[h] = 0;
      this.doorbells.ring(h);
    }
    this.dirty.length = 0;
  }

  private markDirty(h: number): void {
    if (this.dirtyFlags[h] === 1) return;
    this.dirtyFlags[h] = 1;
    this.dirty.push(h);
  }

  /** Every object waiting to be handed to an actor of this thread. */
  forEachLocalObject(each: (msg: unknown) => void): void {
    for (const o of this.localObjects) each(o.msg);
  }

  /** True while frames or objects between this thread's actors wait for the next drain. */
  hasLocalWork(): boolean {
    return this.local.length > 0 || this.localObjects.length > 0;
  }

  hasWork(): boolean {
    if (this.hasLocalWork()) return true;
    for (const c of this.consumers) if (c.hasData()) return true;
    return false;
  }

  /** True while overflowed frames wait for room. */
  hasBacklog(): boolean {
    return this.overflow.some((q) => q.length > 0);
  }

  close(): void {
    for (const p of this.producers) p?.close();
    for (const c of this.consumers) c.close();
  }
}
