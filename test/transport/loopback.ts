/**
 * Helpers for transport tests over real sockets on 127.0.0.1: transports opened on free ports and
 * introduced to each other, a frame log, raw sockets for hostile traffic, and waiting on a
 * condition with a deadline (a test that waits fails loudly rather than hanging).
 */
import { createSocket, type Socket } from 'node:dgram';
import { UdpTransport, type UdpTransportOptions } from '../../runtime/transport/index.ts';

export const LOOPBACK = '127.0.0.1';
export const WAIT_MS_MAX = 5_000;

export type Overrides = Partial<Omit<UdpTransportOptions, 'nodeId' | 'bind' | 'peers'>>;

export interface Received {
  readonly from: number;
  readonly frame: Uint8Array;
}

/** Opens one transport per node id on a free loopback port, each accepting all the others. */
export async function openMesh(nodeIds: readonly number[], overrides: Overrides = {}): Promise<UdpTransport[]> {
  const transports = await Promise.all(
    nodeIds.map((nodeId) => UdpTransport.open({ nodeId, bind: { address: LOOPBACK, port: 0 }, peers: [], ...overrides })),
  );
  for (const t of transports) {
    t.setPeers(transports.filter((o) => o !== t).map((o) => ({ nodeId: o.options.nodeId, ...o.address() })));
  }
  return transports;
}

/** Logs every frame the transport delivers (copied, so the log holds what arrived). */
export function logFrames(t: UdpTransport): Received[] {
  const log: Received[] = [];
  t.onFrame((from, frame) => log.push({ from, frame: new Uint8Array(frame) }));
  return log;
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = WAIT_MS_MAX): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Waits until nothing changes for quietMs: for asserting that something did not arrive. */
export async function settle(read: () => number, quietMs = 50): Promise<void> {
  let last = read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = read();
    if (now === last) return;
    last = now;
  }
}

export async function openRawSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: LOOPBACK, port: 0 }, resolve));
  return socket;
}

export function sendRaw(socket: Socket, bytes: Uint8Array, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => socket.send(bytes, port, LOOPBACK, (e) => (e ? reject(e) : resolve())));
}

export async function closeAll(transports: readonly UdpTransport[], sockets: readonly Socket[] = []): Promise<void> {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/** Indexes where two frame lists differ (byte comparison: fast on thousands of frames). */
export function framesDiffering(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): number[] {
  const differing: number[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === undefined || e === undefined || Buffer.compare(a, e) !== 0) differing.push(i);
  }
  return differing;
}

/** A port free on loopback now (a multicast group's socket binds it with reuseAddr). */
export async function freePort(): Promise<number> {
  const socket = await openRawSocket();
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
