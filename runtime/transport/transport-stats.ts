/** The counters a UdpTransport reports: a snapshot, safe to keep and compare. */
import type { DatagramDropReason } from './datagram-format.ts';
import type { FaultCounters } from './fault-injector.ts';

/** Why send() or sendMulticast() refused a frame (it returned false). */
export const FRAME_REFUSAL_REASONS = ['closed', 'queueFull', 'tooLarge', 'unknownPeer', 'noMulticast'] as const;
export type FrameRefusalReason = (typeof FRAME_REFUSAL_REASONS)[number];

export interface SocketBufferSizes {
  /** SO_RCVBUF / SO_SNDBUF as the kernel set them (Linux doubles the request, capped by rmem_max). */
  readonly unicastRecvBytes: number;
  readonly unicastSendBytes: number;
  /** 0 without multicast. */
  readonly multicastRecvBytes: number;
}

export interface UdpTransportStats {
  /** Datagrams handed to the socket (after fault injection: lost ones are not counted here). */
  readonly datagramsSent: number;
  readonly bytesSent: number;
  /** Frames accepted by send() and sendMulticast(). */
  readonly framesSent: number;
  readonly fragmentsSent: number;
  /** Sends the socket reported as failed. */
  readonly sendErrors: number;
  /** 'error' events of the sockets, counted and otherwise ignored. */
  readonly socketErrors: number;
  readonly framesRefused: Readonly<Record<FrameRefusalReason, number>>;
  /** Datagrams that passed every check. Every datagram read is received, dropped, or an echo. */
  readonly datagramsReceived: number;
  readonly bytesReceived: number;
  /** Frames handed to the onFrame handler. */
  readonly framesReceived: number;
  readonly framesUnhandled: number;
  readonly fragmentsReceived: number;
  readonly framesReassembled: number;
  readonly datagramsDropped: Readonly<Record<DatagramDropReason, number>>;
  readonly datagramsDroppedTotal: number;
  /** Our own multicasts looped back by the kernel: ignored before any check, not dropped. */
  readonly multicastEchoes: number;
  /** Whether the group's socket is open (listenMulticast), and how often it was opened and closed. */
  readonly multicast: { readonly listening: boolean; readonly opens: number; readonly closes: number; readonly openErrors: number };
  readonly reassemblyEvictions: { readonly timeout: number; readonly overflow: number };
  readonly reassemblyPendingMessages: number;
  readonly reassemblyPendingBytes: number;
  /** Datagrams missing between two received from one stream: lost (or still on their way). */
  readonly sequenceGaps: number;
  readonly sequenceRegressions: number;
  /** Sequence jumps too large for loss or reordering: a peer restarted (or sent garbage). */
  readonly sequenceResets: number;
  /** Faults injected on send; all zero without `faults`. */
  readonly faults: Readonly<FaultCounters>;
  readonly queuedBytes: number;
  readonly socketBuffers: SocketBufferSizes;
}

export interface SenderCounters {
  datagramsSent: number;
  bytesSent: number;
  sendErrors: number;
  socketErrors: number;
  readonly framesRefused: Record<FrameRefusalReason, number>;
}

/** A counter at zero for each of `reasons`. */
export function countsZeroOf<R extends string>(reasons: readonly R[]): Record<R, number> {
  return Object.fromEntries(reasons.map((r) => [r, 0])) as Record<R, number>;
}

export function senderCountersZero(): SenderCounters {
  return { datagramsSent: 0, bytesSent: 0, sendErrors: 0, socketErrors: 0, framesRefused: countsZeroOf(FRAME_REFUSAL_REASONS) };
}
