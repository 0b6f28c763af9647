/**
 * The UDP gateway of a node: a host thread that owns the node's UdpTransport. Frames that local
 * actors send to actors on other nodes reach this thread through the SAB rings (the post office
 * maps every remote address here) and leave as datagrams, many frames to one; a group frame
 * leaves once, by IP multicast, where the ring has a group (else one copy per node with members).
 * Frames from the network go back into the rings, to the local actor or the ring's local group.
 */
import { UdpTransport, type UdpTransportOptions } from '../transport/index.ts';
import { ENVELOPE_BYTES, FrameKind, GROUP_ADDRESS, envelopeDst, envelopeKind, envelopeRing, envelopeSrc, writeEnvelope } from './envelope.ts';
import type { PostOffice } from './post-office.ts';

export interface GatewayInit {
  readonly transport: UdpTransportOptions;
  /** [actor address, transport node id] of every remote actor. */
  readonly remote: readonly (readonly [number, number])[];
  /** Rings whose group frames go by IP multicast. */
  readonly multicastRings: readonly number[];
  /** [ring id, transport node ids hosting members] for rings without multicast. */
  readonly groupNodes: readonly (readonly [number, readonly number[]])[];
}

export class UdpGateway {
  readonly stats = { framesOut: 0, framesIn: 0, refused: 0, malformed: 0, droppedKind: 0, droppedAddress: 0 };
  private readonly nodeOf: Map<number, number>;
  private readonly multicastRings: Set<number>;
  private readonly groupNodes: Map<number, readonly number[]>;
  private frame = new Uint8Array(64 * 1024);

  private constructor(
    private readonly transport: UdpTransport,
    private readonly po: PostOffice,
    init: GatewayInit,
  ) {
    this.nodeOf = new Map(init.remote.map(([a, n]) => [a, n]));
    this.multicastRings = new Set(init.multicastRings);
    this.groupNodes = new Map(init.groupNodes);
    transport.onFrame((_from, frame) => this.fromNetwork(frame));
  }

  static async open(init: GatewayInit, po: PostOffice): Promise<UdpGateway> {
    return new UdpGateway(await UdpTransport.open(init.transport), po, init);
  }

  /** A frame from a local actor for `dst` on another node (or for a ring's group). */
  toNetwork(dst: number, src: number, kind: number, ring: number, bytes: Uint8Array, offset: number, length: number): void {
    const frame = this.compose(dst, src, kind, ring, bytes, offset, length);
    if (dst === GROUP_ADDRESS) {
      if (this.multicastRings.has(ring)) this.count(this.transport.sendMulticast(frame));
      else for (const n of this.groupNodes.get(ring) ?? []) this.count(this.transport.send(n, frame));
      return;
    }
    const node = this.nodeOf.get(dst);
    if (node === undefined) this.stats.refused++;
    else this.count(this.transport.send(node, frame));
  }

  /** Sends what the drain queued: many frames per datagram. */
  flush(): void {
    this.transport.flush();
  }

  transportStats(): Record<string, unknown> {
    return { ...this.stats, transport: this.transport.stats() };
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private count(sent: boolean): void {
    if (sent) this.stats.framesOut++;
    else this.stats.refused++;
  }

  private compose(dst: number, src: number, kind: number, ring: number, bytes: Uint8Array, offset: number, length: number): Uint8Array {
    // The transport copies what it is given; this buffer is reused for the next frame.
    if (this.frame.length < ENVELOPE_BYTES + length) this.frame = new Uint8Array(2 * (ENVELOPE_BYTES + length));
    writeEnvelope(this.frame, 0, dst, src, kind, ring);
    this.frame.set(bytes.subarray(offset, offset + length), ENVELOPE_BYTES);
    return this.frame.subarray(0, ENVELOPE_BYTES + length);
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
    const src = envelopeSrc(frame, 0);
    const kind = envelopeKind(frame, 0);
    if (kind !== FrameKind.PROTOCOL && kind !== FrameKind.USER) return void this.stats.droppedKind++;
    const local = dst === GROUP_ADDRESS ? this.po.localGroupHostCount(envelopeRing(frame, 0)) > 0 : this.po.isLocalActor(dst);
    if (!local) return void this.stats.droppedAddress++;
    const length = frame.length - ENVELOPE_BYTES;
    const write = (b: Uint8Array, o: number): number => (b.set(frame.subarray(ENVELOPE_BYTES), o), length);
    if (dst === GROUP_ADDRESS) this.po.sendGroup(envelopeRing(frame, 0), src, kind, length, write, { localOnly: true });
    else this.po.send(dst, src, kind, length, write);
    this.po.flush();
  }
}
