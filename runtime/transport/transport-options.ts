/**
 * The options of a UdpTransport, with their defaults, validated at the boundary: a bad option is
 * refused with a ConfigError naming the field (`transport.bind.port`). The resolved options are
 * frozen and every internal call receives them whole.
 */
import { ConfigError } from '../../src/errors.ts';
import { booleanOf, integerIn, ipv4Of, objectOf } from './option-checks.ts';
import { FRAGMENTS_PER_FRAME_MAX, UDP_PAYLOAD_BYTES_MAX, fragmentChunkBytesMaxOf } from './datagram-format.ts';
import { resolveFaultOptions, type FaultOptions, type ResolvedFaultOptions } from './fault-options.ts';

const U16_MAX = 0xffff;
const DATAGRAM_BYTES_MIN = 128;
const GIB = 1024 * 1024 * 1024;

export interface SocketAddressOptions {
  readonly address: string;
  readonly port: number;
}

export interface PeerOptions extends SocketAddressOptions {
  readonly nodeId: number;
}

/** Peers as a list, or as a map from node id to address (the map's key is the node id). */
export type PeersOptions = readonly PeerOptions[] | ReadonlyMap<number, SocketAddressOptions>;

export interface MulticastOptions {
  /** An IPv4 multicast group, 224.0.0.0/4; use 239.0.0.0/8 (administratively scoped). */
  readonly group: string;
  readonly port: number;
  /** The local IPv4 address of the interface to send and join on, e.g. '127.0.0.1'. */
  readonly interface: string;
  /** Hops a multicast datagram may cross (default 1: the local network only). */
  readonly ttl?: number;
  /** Deliver our multicasts to other sockets of this host (default true: receivers share hosts). */
  readonly loopback?: boolean;
  /**
   * Receive the group's datagrams from the start (default true). A transport that only sends to
   * the group for now passes false, and calls listenMulticast(true) when it needs to receive.
   */
  readonly listen?: boolean;
}

export interface UdpTransportOptions {
  /** This process's transport id, u16; the sender id of every datagram it sends. */
  readonly nodeId: number;
  /** Where to bind the unicast socket; port 0 picks a free port (see address()). */
  readonly bind: SocketAddressOptions;
  /** The only senders accepted; each must send from the address and port given here. */
  readonly peers: PeersOptions;
  readonly multicast?: MulticastOptions;
  /** SO_RCVBUF and SO_SNDBUF asked for (default 4 MiB; Linux doubles it and caps at rmem_max). */
  readonly socketBufferBytes?: number;
  /** Largest datagram sent (default 65_000; 1472 for an MTU-1500 network without IP fragments). */
  readonly datagramBytesMax?: number;
  /** Largest frame sent or reassembled (default 16 MiB). */
  readonly frameBytesMax?: number;
  /** Bytes queued and in flight above which send() refuses frames (default 64 MiB). */
  readonly queuedBytesMax?: number;
  /** Flush on a timer after the first queued frame (default true); false: only flush() sends. */
  readonly autoFlush?: boolean;
  /** Delay of the automatic flush; 0 (default) flushes at the end of the event-loop turn. */
  readonly flushDelayMicros?: number;
  /** Bytes of incomplete frames held for reassembly (default 64 MiB, >= frameBytesMax). */
  readonly reassemblyBytesMax?: number;
  /** Incomplete frames held for reassembly (default 1024). */
  readonly reassemblyMessagesMax?: number;
  /** An incomplete frame with no new fragment for this long is evicted (default 3000 ms). */
  readonly reassemblyTimeoutMs?: number;
  readonly faults?: FaultOptions;
}

export interface ResolvedPeer {
  readonly nodeId: number;
  readonly address: string;
  readonly port: number;
}

export interface ResolvedMulticast {
  readonly group: string;
  readonly port: number;
  readonly interface: string;
  readonly ttl: number;
  readonly loopback: boolean;
  readonly listen: boolean;
}

export interface ResolvedTransportOptions {
  readonly nodeId: number;
  readonly bind: SocketAddressOptions;
  readonly peers: ReadonlyMap<number, ResolvedPeer>;
  readonly multicast: ResolvedMulticast | null;
  readonly socketBufferBytes: number;
  readonly datagramBytesMax: number;
  readonly frameBytesMax: number;
  readonly queuedBytesMax: number;
  readonly autoFlush: boolean;
  readonly flushDelayMicros: number;
  readonly reassemblyBytesMax: number;
  readonly reassemblyMessagesMax: number;
  readonly reassemblyTimeoutMs: number;
  readonly faults: ResolvedFaultOptions | null;
}

const firstOctetOf = (ip: string): number => Number(ip.slice(0, ip.indexOf('.')));
const isMulticastIp = (ip: string): boolean => firstOctetOf(ip) >= 224 && firstOctetOf(ip) <= 239;

function resolvePeer(field: string, v: unknown, selfId: number): ResolvedPeer {
  const o = objectOf(field, v, ['nodeId', 'address', 'port']);
  const nodeId = integerIn(`${field}.nodeId`, o['nodeId'], 0, U16_MAX);
  if (nodeId === selfId) throw new ConfigError(`${field}.nodeId`, 'is this transport’s own nodeId');
  const address = ipv4Of(`${field}.address`, o['address']);
  // The address is compared with the source of each datagram: it must be one a peer sends from.
  if (address === '0.0.0.0' || isMulticastIp(address)) throw new ConfigError(`${field}.address`, 'must be a unicast address a peer sends from');
  return { nodeId, address, port: integerIn(`${field}.port`, o['port'], 1, U16_MAX) };
}

/** Validates a peer list or map; a node id listed twice is refused. */
export function resolvePeers(peers: unknown, selfId: number): ReadonlyMap<number, ResolvedPeer> {
  const entries: [string, unknown][] = [];
  if (peers instanceof Map) {
    for (const [id, a] of peers as Map<unknown, unknown>) {
      const field = `transport.peers[${String(id)}]`;
      const o = objectOf(field, a, ['address', 'port', 'nodeId']);
      if (o['nodeId'] !== undefined && o['nodeId'] !== id) throw new ConfigError(`${field}.nodeId`, 'differs from its key in the map');
      entries.push([field, { ...o, nodeId: id }]);
    }
  } else if (Array.isArray(peers)) {
    peers.forEach((p, i) => entries.push([`transport.peers[${i}]`, p]));
  } else {
    throw new ConfigError('transport.peers', 'must be an array of {nodeId, address, port} or a Map from nodeId to {address, port}');
  }
  const resolved = new Map<number, ResolvedPeer>();
  for (const [field, p] of entries) {
    const peer = resolvePeer(field, p, selfId);
    if (resolved.has(peer.nodeId)) throw new ConfigError(`${field}.nodeId`, `node ${peer.nodeId} is listed twice`);
    resolved.set(peer.nodeId, Object.freeze(peer));
  }
  return resolved;
}

function resolveMulticast(v: unknown): ResolvedMulticast {
  const field = 'transport.multicast';
  const o = objectOf(field, v, ['group', 'port', 'interface', 'ttl', 'loopback', 'listen']);
  const group = ipv4Of(`${field}.group`, o['group']);
  if (!isMulticastIp(group)) throw new ConfigError(`${field}.group`, 'must be an IPv4 multicast group (224.0.0.0 to 239.255.255.255)');
  return Object.freeze({
    group,
    port: integerIn(`${field}.port`, o['port'], 1, U16_MAX),
    interface: ipv4Of(`${field}.interface`, o['interface']),
    ttl: integerIn(`${field}.ttl`, o['ttl'] ?? 1, 0, 255),
    loopback: booleanOf(`${field}.loopback`, o['loopback'] ?? true),
    listen: booleanOf(`${field}.listen`, o['listen'] ?? true),
  });
}

const OPTION_KEYS = [
  'nodeId', 'bind', 'peers', 'multicast', 'socketBufferBytes', 'datagramBytesMax', 'frameBytesMax', 'queuedBytesMax',
  'autoFlush', 'flushDelayMicros', 'reassemblyBytesMax', 'reassemblyMessagesMax', 'reassemblyTimeoutMs', 'faults',
];

export function resolveTransportOptions(options: UdpTransportOptions): ResolvedTransportOptions {
  const o = objectOf('transport', options, OPTION_KEYS);
  const nodeId = integerIn('transport.nodeId', o['nodeId'], 0, U16_MAX);
  const bindObject = objectOf('transport.bind', o['bind'], ['address', 'port']);
  const bind = Object.freeze({
    address: ipv4Of('transport.bind.address', bindObject['address']),
    port: integerIn('transport.bind.port', bindObject['port'], 0, U16_MAX),
  });
  const datagramBytesMax = integerIn('transport.datagramBytesMax', o['datagramBytesMax'] ?? 65_000, DATAGRAM_BYTES_MIN, UDP_PAYLOAD_BYTES_MAX);
  // A frame needs at most FRAGMENTS_PER_FRAME_MAX fragments of the smallest chunk this sender cuts.
  const frameBytesLimit = Math.min(0xffff_ffff, FRAGMENTS_PER_FRAME_MAX * fragmentChunkBytesMaxOf(datagramBytesMax));
  const frameBytesMax = integerIn('transport.frameBytesMax', o['frameBytesMax'] ?? 16 * 1024 * 1024, 1, frameBytesLimit);
  const reassemblyBytesMax = integerIn('transport.reassemblyBytesMax', o['reassemblyBytesMax'] ?? Math.max(64 * 1024 * 1024, frameBytesMax), 1, 16 * GIB);
  if (reassemblyBytesMax < frameBytesMax) throw new ConfigError('transport.reassemblyBytesMax', `must be at least frameBytesMax (${frameBytesMax})`);
  return Object.freeze({
    nodeId,
    bind,
    peers: resolvePeers(o['peers'], nodeId),
    multicast: o['multicast'] === undefined ? null : resolveMulticast(o['multicast']),
    socketBufferBytes: integerIn('transport.socketBufferBytes', o['socketBufferBytes'] ?? 4 * 1024 * 1024, 4096, GIB),
    datagramBytesMax,
    frameBytesMax,
    queuedBytesMax: integerIn('transport.queuedBytesMax', o['queuedBytesMax'] ?? 64 * 1024 * 1024, datagramBytesMax, 16 * GIB),
    autoFlush: booleanOf('transport.autoFlush', o['autoFlush'] ?? true),
    flushDelayMicros: integerIn('transport.flushDelayMicros', o['flushDelayMicros'] ?? 0, 0, 10_000_000),
    reassemblyBytesMax,
    reassemblyMessagesMax: integerIn('transport.reassemblyMessagesMax', o['reassemblyMessagesMax'] ?? 1024, 1, 1 << 20),
    reassemblyTimeoutMs: integerIn('transport.reassemblyTimeoutMs', o['reassemblyTimeoutMs'] ?? 3000, 1, 3_600_000),
    faults: o['faults'] === undefined ? null : resolveFaultOptions(o['faults']),
  });
}
