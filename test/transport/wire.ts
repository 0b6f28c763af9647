/**
 * Test helpers for the transport's wire format without sockets: datagrams built by hand (for
 * malformed cases) or by the real writer, and a reader wired to a frame log.
 */
import { DatagramReader } from '../../runtime/transport/datagram-reader.ts';
import { DatagramWriter, type OutboundDatagram } from '../../runtime/transport/datagram-writer.ts';
import {
  DatagramFlag,
  FRAGMENT_HEADER_BYTES,
  FRAME_PREFIX_BYTES,
  HEADER_BYTES,
  checksumOf,
  framePrefixOffset,
  sealDatagram,
  writeFragmentHeader,
  type FragmentFields,
} from '../../runtime/transport/datagram-format.ts';
import { Reassembly, type ReassemblyLimits } from '../../runtime/transport/reassembly.ts';
import type { ResolvedPeer } from '../../runtime/transport/transport-options.ts';

export const PEER_ADDRESS = '127.0.0.1';
export const PEER_PORT = 40_001;
export const PEER_ID = 7;
export const SELF_ID = 1;
/** Where the reader's own unicast socket is bound: the source of its own multicasts. */
export const FROM_SELF = { address: '127.0.0.1', port: 40_000 };

export interface PackedSpec {
  readonly senderId?: number;
  readonly sequence?: number;
  readonly multicast?: boolean;
  /** Written into the header; defaults to frames.length. */
  readonly frameCount?: number;
}

/** A PACKED datagram holding `frames`, correctly signed unless the caller alters it after. */
export function packedDatagram(frames: readonly Uint8Array[], spec: PackedSpec = {}): Uint8Array {
  const starts: number[] = [];
  let end = HEADER_BYTES;
  for (const f of frames) {
    const at = framePrefixOffset(end);
    starts.push(at);
    end = at + FRAME_PREFIX_BYTES + f.length;
  }
  const bytes = new Uint8Array(end); // zero padding
  frames.forEach((f, i) => {
    const at = starts[i]!;
    bytes[at] = f.length & 0xff;
    bytes[at + 1] = f.length >>> 8;
    bytes.set(f, at + FRAME_PREFIX_BYTES);
  });
  return signed(bytes, DatagramFlag.PACKED | (spec.multicast === true ? DatagramFlag.MULTICAST : 0), spec, frames.length);
}

/** A FRAGMENT datagram with any fields, consistent or not, correctly signed. */
export function fragmentDatagram(fields: FragmentFields, piece: Uint8Array, spec: PackedSpec = {}): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + FRAGMENT_HEADER_BYTES + piece.length);
  writeFragmentHeader(bytes, HEADER_BYTES, fields);
  bytes.set(piece, HEADER_BYTES + FRAGMENT_HEADER_BYTES);
  return signed(bytes, DatagramFlag.FRAGMENT | (spec.multicast === true ? DatagramFlag.MULTICAST : 0), spec, 1);
}

function signed(bytes: Uint8Array, flags: number, spec: PackedSpec, frames: number): Uint8Array {
  sealDatagram(bytes, bytes.length, { flags, senderId: spec.senderId ?? PEER_ID, frameCount: spec.frameCount ?? frames, sequence: spec.sequence ?? 0 });
  return bytes;
}

/** Re-signs a datagram after a test changed it on purpose: body length and checksum only. */
export function resign(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint16(12, bytes.length - HEADER_BYTES, true);
  view.setUint32(16, checksumOf(bytes, bytes.length), true);
  return bytes;
}

export interface FrameLog {
  readonly frames: { readonly from: number; readonly bytes: Uint8Array }[];
}

export const DEFAULT_LIMITS: ReassemblyLimits = { frameBytesMax: 16 << 20, bytesMax: 64 << 20, messagesMax: 1024, timeoutMs: 1000 };

/** A reader that accepts PEER_ID from PEER_ADDRESS:PEER_PORT and logs what it delivers. */
export function readerWithLog(limits: ReassemblyLimits = DEFAULT_LIMITS): { reader: DatagramReader; log: FrameLog; reassembly: Reassembly } {
  const peers = new Map<number, ResolvedPeer>([[PEER_ID, { nodeId: PEER_ID, address: PEER_ADDRESS, port: PEER_PORT }]]);
  const reassembly = new Reassembly(limits);
  const reader = new DatagramReader(SELF_ID, peers, reassembly, FROM_SELF);
  const log: FrameLog = { frames: [] };
  reader.handler = (from, bytes) => log.frames.push({ from, bytes: new Uint8Array(bytes) });
  return { reader, log, reassembly };
}

export const FROM_PEER = { address: PEER_ADDRESS, port: PEER_PORT };

/** The real writer, sending as PEER_ID, collecting its datagrams (copied, as the socket would). */
export function writerToList(datagramBytesMax: number): { writer: DatagramWriter; datagrams: Uint8Array[] } {
  const datagrams: Uint8Array[] = [];
  const writer = new DatagramWriter(PEER_ID, datagramBytesMax, 0, (d: OutboundDatagram) => {
    datagrams.push(Uint8Array.prototype.slice.call(d.buffer, 0, d.length));
    writer.release(d.buffer);
  });
  return { writer, datagrams };
}

/** Frame i of a deterministic pattern: length and contents both depend on i. */
export function patternFrame(i: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let k = 0; k < length; k++) bytes[k] = (i * 31 + k * 7) & 0xff;
  return bytes;
}
