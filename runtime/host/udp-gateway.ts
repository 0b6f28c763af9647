/**
 * The UDP gateway of a node: it owns the node's UdpTransport, on a host thread of its own or on
 * the thread of the node's actors (placement.gateway). Frames that local actors send to actors
 * on other nodes reach it (the post office maps every remote address to its thread) and leave as
 * datagrams, many frames to one. A ring's values (its Phase 2A frames) leave once, by IP
 * multicast, where the ring has a group; its other group frames (decisions, heartbeats), and
 * every group frame of a ring without one, leave as one copy per node with members. The gateway
 * listens to the multicast group only while some actor of the node needs values from it (a
 * learner or an acceptor of the current ring, not beside the ring's coordinator; FrameKind.
 * VALUES_WANTED): the others would copy every value the ring carries only to drop it. Frames from
 * the network go to the actors of its own thread straight from the datagram, and through the
 * SAB rings to the other threads.
 *
 * Per frame it copies the payload once each way (into the datagram with the envelope written in
 * front by the transport; from the datagram into a ring, for another thread) and allocates
 * nothing but a view; the threads it writes to are woken once per poll of its sockets, not once per frame or datagram.
 */
import { UdpTransport, type UdpTransportOptions } from '../transport/index.ts';
import { ENVELOPE_BYTES, FrameKind, GROUP_ADDRESS, envelopeDst, envelopeKind, envelopeRing, envelopeSrc, writeEnvelope } from './envelope.ts';
import type { FrameSink, PostOffice } from './post-office.ts';
import { peekMessageType } from '../../src/codec/index.ts';
import { crc32Implementation } from '../native/crc32.ts';
import { copyRange } from '../../src/bulk-copy.ts';

/** A protocol frame that carries a ring's values to its group: Phase 2A. */
const isValuesFrame = (payload: Uint8Array): boolean => peekMessageType(payload, 0, payload.length) === 'phase2a';

const LOCAL_ONLY = { localOnly: true } as const;

export interface GatewayInit {
  readonly transport: UdpTransportOptions;
  /** [actor address, transport node id] of every remote actor. */
  readonly remote: readonly (readonly [number, number])[];
  /** Rings whose group frames go by IP multicast. */
  readonly multicastRings: readonly number[];
  /** [ring id, transport node ids hosting members]: where group frames go by unicast. */
  readonly groupNodes: readonly (readonly [number, readonly number[]])[];
  /** Local actors that need values from the multicast group at start (learners, acceptors). */
  readonly valueListeners: readonly number[];
}

export class UdpGateway {
  readonly stats = { framesOut: 0, framesIn: 0, refused: 0, malformed: 0, droppedKind: 0, droppedAddress: 0 };
  /** Local actors that need the multicast group's values now (see FrameKind.VALUES_WANTED). */
  private readonly valueListeners: Set<number>;
  private readonly nodeOf: Map<number, number>;
  private readonly multicastRings: Set<number>;
  private readonly groupNodes: Map<number, readonly number[]>;
  /** The envelope of the frame being sent: the transport copies it in front of the payload. */
  private readonly envelope = new Uint8Array(ENVELOPE_BYTES);
  /** The payload being handed to the post office, for `writeInbound` (one closure for all frames). */
  private inbound: Uint8Array = this.envelope;
  private readonly writeInbound = (b: Uint8Array, o: number): number => {
    copyRange(b, o, this.inbound, 0, this.inbound.length);
    return this.inbound.length;
  };
  private flushQueued = false;
  private readonly flushInbound = (): void => {
    this.flushQueued = false;
    this.here.afterDelivery(); // flushes the post office too
  };

  private constructor(
    private readonly transport: UdpTransport,
    private readonly po: PostOffice,
    init: GatewayInit,
    private readonly here: GatewayNeighbours,
  ) {
    this.nodeOf = new Map(init.remote.map(([a, n]) => [a, n]));
    this.multicastRings = new Set(init.multicastRings);
    this.groupNodes = new Map(init.groupNodes);
    this.valueListeners = new Set(init.valueListeners);
    transport.onFrame((_from, frame) => this.fromNetwork(frame));
  }

  /** `here`: the gateway's own thread, with its actors if it has any (placement.gateway 'actor-thread'). */
  static async open(init: GatewayInit, po: PostOffice, here: GatewayNeighbours): Promise<UdpGateway> {
    // The group's socket is open from the start only if some local actor needs values from it.
    const m = init.transport.multicast;
    const transport = m === undefined ? init.transport : { ...init.transport, multicast: { ...m, listen: init.valueListeners.length > 0 } };
    return new UdpGateway(await UdpTransport.open(transport), po, init, here);
  }

  /** A frame from a local actor for `dst` on another node (or for a ring's group). */
  toNetwork(dst: number, src: number, kind: number, ring: number, bytes: Uint8Array, offset: number, length: number): void {
    // The transport copies envelope and payload into its datagram: both may be reused at once.
    writeEnvelope(this.envelope, 0, dst, src, kind, ring);
    const payload = bytes.subarray(offset, offset + length);
    if (dst === GROUP_ADDRESS) {
      if (this.multicastRings.has(ring) && kind === FrameKind.PROTOCOL && isValuesFrame(payload)) this.count(this.transport.sendMulticast(payload, this.envelope));
      else for (const n of this.groupNodes.get(ring) ?? []) this.count(this.transport.send(n, payload, this.envelope));
      return;
    }
    const node = this.nodeOf.get(dst);
    if (node === undefined) this.stats.refused++;
    else this.count(this.transport.send(node, payload, this.envelope));
  }

  /**
   * A local actor says whether it needs values from the network (FrameKind.VALUES_WANTED); the
   * multicast socket is open while any does.
   */
  valuesWanted(src: number, on: boolean): void {
    if (on) this.valueListeners.add(src);
    else this.valueListeners.delete(src);
    void this.transport.listenMulticast(this.valueListeners.size > 0);
  }

  /** Sends what the drain queued: many frames per datagram. */
  flush(): void {
    this.transport.flush();
  }

  transportStats(): Record<string, unknown> {
    return { ...this.stats, valueListeners: [...this.valueListeners].sort((a, b) => a - b), crc32: crc32Implementation.implementation, transport: this.transport.stats() };
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private count(sent: boolean): void {
    if (sent) this.stats.framesOut++;
    else this.stats.refused++;
  }

  /**
   * A frame from another node. Only protocol and user frames cross nodes, and only to an actor of
   * this node or a ring's group: the API's kinds (propose, subscribe, …) and its address are local
   * to a process, so anything else from the network is dropped and counted.
   */
  private fromNetwork(frame: Uint8Array): void {
    if (frame.length < ENVELOPE_BYTES) return void this.stats.malformed++;
    this.stats.framesIn++;
    const dst = envelopeDst(frame, 0);
    const kind = envelopeKind(frame, 0);
    if (kind !== FrameKind.PROTOCOL && kind !== FrameKind.USER) return void this.stats.droppedKind++;
    const ring = envelopeRing(frame, 0);
    const local = dst === GROUP_ADDRESS ? this.po.hasLocalGroupMembers(ring) : this.po.isLocalActor(dst);
    if (!local) return void this.stats.droppedAddress++;
    const src = envelopeSrc(frame, 0);
    const length = frame.length - ENVELOPE_BYTES;
    // The gateway's own thread's actors get the frame straight from the datagram, without a copy.
    const hereToo = dst === GROUP_ADDRESS ? this.po.localGroupMembers(ring).length > 0 : this.po.hostOfAddress(dst) === this.po.host;
    if (hereToo) this.here.deliver(dst, src, kind, ring, frame, ENVELOPE_BYTES, length);
    if (dst === GROUP_ADDRESS || !hereToo) {
      this.inbound = frame.subarray(ENVELOPE_BYTES);
      if (dst === GROUP_ADDRESS) this.po.sendGroup(ring, src, kind, length, this.writeInbound, LOCAL_ONLY);
      else this.po.send(dst, src, kind, length, this.writeInbound);
      this.inbound = this.envelope; // not to hold the datagram's buffer past its frames
    }
    // Frames come a datagram at a time, and a poll of the sockets hands over every datagram
    // that is there (up to 32 per socket): flush once, after the poll's last datagram. The
    // actors of this thread then persist and answer once for all of them (one log write, one
    // datagram of votes), and the other threads are woken once. A flush after each datagram (a
    // microtask) cost the gateway-on-the-actor-thread placement 74.6-76.2 µs of CPU per 8 KB
    // value across five processes, against 52.7-55.0 this way (README, Benchmarks).
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flushInbound);
    }
  }

}

/** The gateway's host thread, as it exposes itself to the gateway. */
export interface GatewayNeighbours {
  /** Hands a frame from the network to an actor of this thread, or to this thread's members of a group. */
  readonly deliver: FrameSink;
  /** Called once after a datagram's frames were handed over: the actors flush what they produced, and the post office wakes the other threads. */
  afterDelivery(): void;
}
