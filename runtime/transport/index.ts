/** The UDP transport's public surface; everything else in this folder is internal. */
export { UdpTransport } from './udp-transport.ts';
export type { FrameHandler } from './datagram-reader.ts';
export type {
  MulticastOptions,
  PeerOptions,
  PeersOptions,
  ResolvedTransportOptions,
  SocketAddressOptions,
  UdpTransportOptions,
} from './transport-options.ts';
export type { FaultOptions } from './fault-options.ts';
export { FRAME_REFUSAL_REASONS, type FrameRefusalReason, type SocketBufferSizes, type UdpTransportStats } from './transport-stats.ts';
export { DATAGRAM_DROP_REASONS, type DatagramDropReason } from './datagram-format.ts';
