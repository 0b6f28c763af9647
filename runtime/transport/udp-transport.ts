/**
 * UdpTransport: frames (opaque byte strings) between processes and hosts over UDP, unicast to a
 * peer or IP multicast to a group. Frames are packed many to a datagram, frames larger than a
 * datagram are fragmented and reassembled, every datagram carries a checksummed header, and
 * whatever arrives malformed or from an unknown sender is dropped and counted, never thrown.
 * Delivery is UDP's: frames may be lost, duplicated or reordered; the protocol above copes.
 *
 * One instance per process, on the thread that owns the sockets. See datagram-format.ts for the
 * layout, datagram-reader.ts for what is checked of a sender, fault-injector.ts for faults.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DatagramReader, type FrameHandler } from './datagram-reader.ts';
import { DatagramWriter, type OutboundDatagram, type OutboundStream } from './datagram-writer.ts';
import { FaultInjector, faultCountersZero, type FaultSink } from './fault-injector.ts';
import { Reassembly } from './reassembly.ts';
import { resolvePeers, resolveTransportOptions, type PeersOptions, type ResolvedMulticast, type ResolvedTransportOptions, type UdpTransportOptions } from './transport-options.ts';
import { senderCountersZero, type FrameRefusalReason, type SocketBufferSizes, type UdpTransportStats } from './transport-stats.ts';
import { closeSocket, openMulticastSocket, openUnicastSocket } from './udp-sockets.ts';

/** How long close() waits for datagrams already handed to the socket. */
const CLOSE_DRAIN_MS = 1000;
/** After the group's socket failed to open, how long until the transport tries again (while still wanted). */
export const MULTICAST_RETRY_MS = 1000;
const SWEEP_INTERVAL_MS_MIN = 10;

type TransportState = 'open' | 'closing' | 'closed';

export class UdpTransport {
  /** The options as opened (setPeers() may since have changed the peers). */
  readonly options: ResolvedTransportOptions;
  /** Read once at open: a closed socket no longer answers address(). */
  private readonly boundAddress: { readonly address: string; readonly port: number };
  private readonly writer: DatagramWriter;
  private readonly reader: DatagramReader;
  private readonly reassembly: Reassembly;
  private readonly injector: FaultInjector<OutboundDatagram> | null;
  private readonly streams = new Map<number, OutboundStream>();
  private readonly multicastStream: OutboundStream | null;
  private readonly counters = senderCountersZero();
  private socketBuffers: SocketBufferSizes;
  private readonly sweepTimer: NodeJS.Timeout;
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private inFlightBytes = 0;
  private drained: (() => void) | null = null;
  private state: TransportState = 'open';
  private closing: Promise<void> | null = null;
  /** The socket bound to the multicast group while the transport listens to it (listenMulticast). */
  private multicastSocket: Socket | null;
  /** Whether the group should be listened to; whether an opening or closing is under way, and the last one. */
  private multicastWanted: boolean;
  private multicastBusy = false;
  private multicastChange: Promise<void> = Promise.resolve();
  private multicastRetry: NodeJS.Timeout | null = null;
  private readonly multicastCounters = { opens: 0, closes: 0, openErrors: 0 };

  /** Binds the sockets (and joins the multicast group) and returns a transport ready to use. */
  static async open(options: UdpTransportOptions): Promise<UdpTransport> {
    const resolved = resolveTransportOptions(options);
    const unicast = await openUnicastSocket(resolved);
    let multicast: Socket | null = null;
    try {
      if (resolved.multicast?.listen === true) multicast = await openMulticastSocket(resolved, resolved.multicast);
    } catch (e) {
      await closeSocket(unicast);
      throw e;
    }
    return new UdpTransport(resolved, unicast, multicast);
  }

  private constructor(
    options: ResolvedTransportOptions,
    private readonly unicastSocket: Socket,
    multicastSocket: Socket | null,
  ) {
    this.options = options;
    this.multicastSocket = multicastSocket;
    this.multicastWanted = multicastSocket !== null;
    const bound = unicastSocket.address();
    this.boundAddress = { address: bound.address, port: bound.port };
    // A random first message id: a restarted sender must not reuse ids receivers still remember.
    this.writer = new DatagramWriter(options.nodeId, options.datagramBytesMax, randomInt(0, 2 ** 32), (d) => this.emit(d));
    this.reassembly = new Reassembly({
      frameBytesMax: options.frameBytesMax,
      bytesMax: options.reassemblyBytesMax,
      messagesMax: options.reassemblyMessagesMax,
      timeoutMs: options.reassemblyTimeoutMs,
    });
    this.reader = new DatagramReader(options.nodeId, options.peers, this.reassembly, this.boundAddress);
    this.injector = options.faults === null ? null : new FaultInjector(options.faults, this.faultSink());
    this.replaceStreams(options.peers);
    const m = options.multicast;
    this.multicastStream = m === null ? null : DatagramWriter.openStream(m.group, m.port, true);
    this.socketBuffers = {
      unicastRecvBytes: unicastSocket.getRecvBufferSize(),
      unicastSendBytes: unicastSocket.getSendBufferSize(),
      multicastRecvBytes: multicastSocket?.getRecvBufferSize() ?? 0,
    };
    this.listen(unicastSocket, false);
    if (multicastSocket !== null) this.listen(multicastSocket, true);
    const sweepMs = Math.max(SWEEP_INTERVAL_MS_MIN, Math.floor(options.reassemblyTimeoutMs / 2));
    this.sweepTimer = setInterval(() => this.reassembly.evictExpired(performance.now()), sweepMs).unref();
  }

  /**
   * Queues a frame for a peer; the frame is copied, so its buffer may be reused at once. With a
   * `head`, the frame sent is head followed by `frame` (one copy, no joining by the caller).
   * Returns false, and counts why, if the frame is refused: transport closed, queue full, frame
   * larger than frameBytesMax, or unknown peer.
   */
  send(peerNodeId: number, frame: Uint8Array, head?: Uint8Array): boolean {
    const stream = this.streams.get(peerNodeId);
    return stream === undefined ? this.refuse(this.state === 'open' ? 'unknownPeer' : 'closed') : this.enqueue(stream, frame, head);
  }

  /** Queues a frame (with a head, as for send()) for the multicast group. Returns false, counted, if refused. */
  sendMulticast(frame: Uint8Array, head?: Uint8Array): boolean {
    const stream = this.multicastStream;
    return stream === null ? this.refuse(this.state === 'open' ? 'noMulticast' : 'closed') : this.enqueue(stream, frame, head);
  }

  /**
   * Starts or stops receiving the group's datagrams: the socket bound to the group is opened, or
   * closed. Closed, not only left: on Linux a socket bound to the group's port still receives
   * the group's datagrams while any socket of the host is a member (IP_MULTICAST_ALL), so a node
   * that shares its host with members would go on copying every datagram just to drop it.
   * Sending to the group does not need it. Resolves once the socket matches the last call; an
   * opening that fails is counted (stats().multicast.openErrors), leaves it closed, and is tried
   * again MULTICAST_RETRY_MS later if the socket is still wanted then.
   */
  listenMulticast(on: boolean): Promise<void> {
    this.multicastWanted = on;
    if (this.options.multicast === null || this.state !== 'open') return Promise.resolve();
    // A change under way checks the wish again before it ends (in the same turn as it stops being busy).
    if (!this.multicastBusy) this.multicastChange = this.reconcileMulticast();
    return this.multicastChange;
  }

  /**
   * Takes the group's socket one step at a time toward the last wish, until it matches. The last
   * check of the wish and the end of being busy fall in the same turn: a wish made after it
   * starts a new change.
   */
  private async reconcileMulticast(): Promise<void> {
    const m = this.options.multicast as ResolvedMulticast;
    this.multicastBusy = true;
    try {
      while (this.state === 'open' && this.multicastWanted !== (this.multicastSocket !== null)) {
        if (this.multicastSocket !== null) {
          const socket = this.multicastSocket;
          this.multicastSocket = null;
          await closeSocket(socket);
          this.multicastCounters.closes++;
          continue;
        }
        let socket: Socket;
        try {
          socket = await openMulticastSocket(this.options, m);
        } catch {
          this.multicastCounters.openErrors++;
          this.multicastRetry ??= setTimeout(() => {
            this.multicastRetry = null;
            void this.listenMulticast(this.multicastWanted);
          }, MULTICAST_RETRY_MS).unref();
          return;
        }
        if (this.state !== 'open') {
          await closeSocket(socket);
          return;
        }
        this.multicastSocket = socket;
        this.multicastCounters.opens++;
        this.socketBuffers = { ...this.socketBuffers, multicastRecvBytes: socket.getRecvBufferSize() };
        this.listen(socket, true);
      }
    } finally {
      this.multicastBusy = false;
    }
  }

  /** Seals every open pack and hands it to the socket. */
  flush(): void {
    this.cancelFlushTimer();
    // Every stream with an open pack (a few, one per peer): a Set of the open ones, cleared at each
    // flush, made a new table every time (see src/protocol/int-map.ts on tables replaced at a high rate).
    for (const stream of this.streams.values()) this.writer.sealPack(stream);
    if (this.multicastStream !== null) this.writer.sealPack(this.multicastStream);
  }

  /** Sets the handler of delivered frames (null: frames are counted as unhandled). */
  onFrame(handler: FrameHandler | null): void {
    this.reader.handler = handler;
  }

  /**
   * Replaces the peers (validated like the options). Open packs are sent first; a peer whose
   * address is unchanged keeps its stream, so its receiver sees no jump in sequence numbers.
   */
  setPeers(peers: PeersOptions): void {
    const resolved = resolvePeers(peers, this.options.nodeId);
    this.flush();
    this.replaceStreams(resolved);
    this.reader.peers = resolved;
  }

  /** Bytes in open packs, held by the fault layer, or handed to the socket and not yet sent. */
  queuedBytes(): number {
    return this.writer.openPackBytes + this.inFlightBytes + (this.injector?.pendingBytes ?? 0);
  }

  /** The address and port of the unicast socket (the port chosen by the kernel if bind.port was 0). */
  address(): { address: string; port: number } {
    return { ...this.boundAddress };
  }

  stats(): UdpTransportStats {
    const r = this.reader.counters;
    const dropped = { ...r.dropped };
    return {
      datagramsSent: this.counters.datagramsSent,
      bytesSent: this.counters.bytesSent,
      framesSent: this.writer.counters.framesSent,
      fragmentsSent: this.writer.counters.fragmentsSent,
      sendErrors: this.counters.sendErrors,
      socketErrors: this.counters.socketErrors,
      framesRefused: { ...this.counters.framesRefused },
      datagramsReceived: r.datagramsReceived,
      bytesReceived: r.bytesReceived,
      framesReceived: r.framesReceived,
      framesUnhandled: r.framesUnhandled,
      fragmentsReceived: r.fragmentsReceived,
      framesReassembled: this.reassembly.counters.framesReassembled,
      datagramsDropped: dropped,
      datagramsDroppedTotal: Object.values(dropped).reduce((sum, n) => sum + n, 0),
      multicastEchoes: r.multicastEchoes,
      multicast: { listening: this.multicastSocket !== null, ...this.multicastCounters },
      reassemblyEvictions: { timeout: this.reassembly.counters.evictedTimeout, overflow: this.reassembly.counters.evictedOverflow },
      reassemblyPendingMessages: this.reassembly.pendingMessages,
      reassemblyPendingBytes: this.reassembly.pendingBytes,
      sequenceGaps: r.sequenceGaps,
      sequenceRegressions: r.sequenceRegressions,
      sequenceResets: r.sequenceResets,
      faults: { ...(this.injector?.counters ?? faultCountersZero()) },
      queuedBytes: this.queuedBytes(),
      socketBuffers: this.socketBuffers,
    };
  }

  /**
   * Sends what is queued, waits (up to CLOSE_DRAIN_MS) for the socket to send it, then closes the
   * sockets. Datagrams held back or delayed by the fault layer are discarded. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.flush();
    this.state = 'closing';
    this.injector?.close();
    clearInterval(this.sweepTimer);
    if (this.multicastRetry !== null) clearTimeout(this.multicastRetry);
    this.closing = this.drainThenClose();
    return this.closing;
  }

  private async drainThenClose(): Promise<void> {
    if (this.inFlightBytes > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_DRAIN_MS);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.state = 'closed';
    await this.multicastChange;
    const multicast = this.multicastSocket;
    this.multicastSocket = null;
    await Promise.all([closeSocket(this.unicastSocket), multicast === null ? undefined : closeSocket(multicast)]);
  }

  private enqueue(stream: OutboundStream, frame: Uint8Array, head: Uint8Array | undefined): boolean {
    if (this.state !== 'open') return this.refuse('closed');
    const frameBytes = frame.length + (head?.length ?? 0);
    if (frameBytes > this.options.frameBytesMax) return this.refuse('tooLarge');
    if (this.queuedBytes() + frameBytes > this.options.queuedBytesMax) return this.refuse('queueFull');
    this.writer.append(stream, frame, head);
    this.scheduleFlush();
    return true;
  }

  private refuse(reason: FrameRefusalReason): false {
    this.counters.framesRefused[reason]++;
    return false;
  }

  private scheduleFlush(): void {
    if (!this.options.autoFlush || this.flushTimer !== null) return;
    const micros = this.options.flushDelayMicros;
    // Node timers have millisecond resolution: a delay below 1 ms rounds up to 1 ms.
    this.flushTimer = micros === 0 ? setImmediate(() => this.flush()) : setTimeout(() => this.flush(), Math.ceil(micros / 1000));
  }

  private cancelFlushTimer(): void {
    const timer = this.flushTimer;
    if (timer === null) return;
    if (this.options.flushDelayMicros === 0) clearImmediate(timer as NodeJS.Immediate);
    else clearTimeout(timer as NodeJS.Timeout);
    this.flushTimer = null;
  }

  private replaceStreams(peers: ResolvedTransportOptions['peers']): void {
    const kept = new Map(this.streams);
    this.streams.clear();
    for (const peer of peers.values()) {
      const old = kept.get(peer.nodeId);
      const same = old !== undefined && old.address === peer.address && old.port === peer.port;
      this.streams.set(peer.nodeId, same ? old : DatagramWriter.openStream(peer.address, peer.port, false));
    }
  }

  private emit(datagram: OutboundDatagram): void {
    if (this.injector === null) this.transmit(datagram);
    else this.injector.submit(datagram);
  }

  private transmit(d: OutboundDatagram): void {
    if (this.state === 'closed') {
      this.counters.sendErrors++;
      this.writer.release(d.buffer);
      return;
    }
    this.inFlightBytes += d.length;
    this.unicastSocket.send(d.buffer, 0, d.length, d.port, d.address, (error) => this.onSent(d, error));
  }

  private onSent(d: OutboundDatagram, error: Error | null): void {
    this.inFlightBytes -= d.length;
    this.writer.release(d.buffer);
    if (error === null) {
      this.counters.datagramsSent++;
      this.counters.bytesSent += d.length;
    } else {
      this.counters.sendErrors++;
    }
    if (this.inFlightBytes === 0 && this.drained !== null) this.drained();
  }

  private faultSink(): FaultSink<OutboundDatagram> {
    return {
      send: (d) => this.transmit(d),
      discard: (d) => this.writer.release(d.buffer),
      copy: (d) => ({ ...d, buffer: Buffer.from(d.buffer.subarray(0, d.length)) }),
    };
  }

  private listen(socket: Socket, viaMulticast: boolean): void {
    socket.on('message', (bytes: Buffer, source: RemoteInfo) => this.reader.receive(bytes, source, viaMulticast, performance.now()));
    // A socket error (e.g. ICMP feedback on a receive) must not crash the process: count it.
    socket.on('error', () => this.counters.socketErrors++);
  }
}
