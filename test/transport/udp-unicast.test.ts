/** Two transports in one process over 127.0.0.1: delivery, packing, fragmentation, order, limits. */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { UdpTransport } from '../../runtime/transport/index.ts';
import { HEADER_BYTES, FRAGMENT_HEADER_BYTES } from '../../runtime/transport/datagram-format.ts';
import { Prng } from '../../src/protocol/prng.ts';
import { closeAll, framesDiffering, logFrames, openMesh, waitFor, type Overrides } from './loopback.ts';
import { patternFrame } from './wire.ts';

let open: UdpTransport[] = [];
async function pair(overrides: Overrides = {}): Promise<[UdpTransport, UdpTransport]> {
  const [a, b] = await openMesh([1, 2], overrides);
  open = [a!, b!];
  return [a!, b!];
}
afterEach(async () => {
  await closeAll(open);
  open = [];
});

/** The frame's own index, from its first four bytes. */
const indexOf = (frame: Uint8Array): number => new DataView(frame.buffer, frame.byteOffset).getUint32(0, true);
function numbered(i: number, length: number): Uint8Array {
  const frame = patternFrame(i, Math.max(4, length));
  new DataView(frame.buffer).setUint32(0, i, true);
  return frame;
}

describe('UdpTransport unicast on loopback', () => {
  it('delivers frames both ways, naming the sender', async () => {
    const [a, b] = await pair();
    const atA = logFrames(a);
    const atB = logFrames(b);
    expect(a.send(2, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(b.send(1, Uint8Array.of(4, 5))).toBe(true);
    await waitFor(() => atA.length === 1 && atB.length === 1, 'one frame each way');
    expect(atB[0]).toEqual({ from: 1, frame: Uint8Array.of(1, 2, 3) });
    expect(atA[0]).toEqual({ from: 2, frame: Uint8Array.of(4, 5) });
  });

  it('packs many frames per datagram, delivered intact and in order', async () => {
    const [a, b] = await pair();
    const atB = logFrames(b);
    const frames = Array.from({ length: 3_000 }, (_, i) => numbered(i, 16 + (i % 200)));
    for (const f of frames) a.send(2, f);
    await waitFor(() => atB.length === frames.length, '3000 frames');
    expect(framesDiffering(atB.map((r) => r.frame), frames)).toEqual([]);
    const sent = a.stats();
    expect(sent.framesSent).toBe(3_000);
    expect(sent.datagramsSent).toBeLessThan(sent.framesSent / 50);
    expect(b.stats().datagramsReceived).toBe(sent.datagramsSent);
  });

  it('fragments a 1 MB frame and reassembles it intact (64 KB and MTU-sized datagrams)', async () => {
    for (const datagramBytesMax of [65_000, 1472]) {
      const [a, b] = await pair({ datagramBytesMax });
      const atB = logFrames(b);
      const frame = patternFrame(datagramBytesMax, 1_000_000);
      expect(a.send(2, frame)).toBe(true);
      await waitFor(() => atB.length === 1, `the 1 MB frame in ${datagramBytesMax}-byte datagrams`);
      expect(Buffer.from(atB[0]!.frame).equals(Buffer.from(frame))).toBe(true);
      const fragments = Math.ceil(1_000_000 / (datagramBytesMax - HEADER_BYTES - FRAGMENT_HEADER_BYTES));
      expect(a.stats().fragmentsSent).toBe(fragments);
      expect(b.stats()).toMatchObject({ fragmentsReceived: fragments, framesReassembled: 1, reassemblyPendingMessages: 0 });
      await closeAll(open);
    }
  });

  it('keeps order across packed and fragmented frames when there are no faults', async () => {
    const [a, b] = await pair();
    const atB = logFrames(b);
    const prng = new Prng(99);
    // 2 MB in all: below the receive buffer, since this process sends before it reads.
    const sizes = Array.from({ length: 400 }, () => (prng.chance(0.05) ? 65_000 + prng.below(40_000) : 4 + prng.below(2_000)));
    sizes.forEach((size, i) => a.send(2, numbered(i, size)));
    await waitFor(() => atB.length === sizes.length, `${sizes.length} frames`);
    expect(atB.map((r) => indexOf(r.frame))).toEqual(sizes.map((_, i) => i));
    expect(atB.map((r) => r.frame.length)).toEqual(sizes.map((s) => Math.max(4, s)));
    expect(b.stats().sequenceGaps + b.stats().sequenceRegressions).toBe(0);
  });

  it('delivers views that stay unchanged as more datagrams arrive (documented: no copy)', async () => {
    const [a, b] = await pair();
    const kept: Uint8Array[] = [];
    b.onFrame((_from, frame) => kept.push(frame));
    const frames = Array.from({ length: 2_000 }, (_, i) => numbered(i, 700));
    for (const f of frames.slice(0, 1_000)) a.send(2, f);
    await waitFor(() => kept.length === 1_000, 'the first half');
    for (const f of frames.slice(1_000)) a.send(2, f);
    await waitFor(() => kept.length === 2_000, 'the second half');
    expect(kept[0]!.buffer).not.toBe(kept[kept.length - 1]!.buffer);
    expect(framesDiffering(kept, frames)).toEqual([]);
  });

  it('with autoFlush off, holds frames until flush(), and shows them as queued bytes', async () => {
    const [a, b] = await pair({ autoFlush: false });
    const atB = logFrames(b);
    for (let i = 0; i < 10; i++) a.send(2, numbered(i, 100));
    expect(a.queuedBytes()).toBe(10 * 104); // each frame with its length and 2 bytes of padding
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(atB).toEqual([]);
    a.flush();
    await waitFor(() => atB.length === 10, '10 frames after flush');
    expect(a.stats().datagramsSent).toBe(1);
    expect(a.queuedBytes()).toBe(0);
  });

  it('flushes on its own after flushDelayMicros', async () => {
    const [a, b] = await pair({ flushDelayMicros: 3_000 });
    const atB = logFrames(b);
    const start = performance.now();
    a.send(2, Uint8Array.of(1));
    await waitFor(() => atB.length === 1, 'a frame flushed by the timer');
    expect(performance.now() - start).toBeGreaterThanOrEqual(2.5);
  });

  it('refuses and counts frames it cannot take, without throwing', async () => {
    const [a] = await pair({ frameBytesMax: 1_000, queuedBytesMax: 65_000, autoFlush: false });
    expect(a.send(9, Uint8Array.of(1))).toBe(false);
    expect(a.sendMulticast(Uint8Array.of(1))).toBe(false);
    expect(a.send(2, new Uint8Array(1_001))).toBe(false);
    let accepted = 0;
    while (a.send(2, new Uint8Array(1_000))) accepted++;
    expect(accepted).toBe(Math.floor(65_000 / 1_002));
    await a.close();
    expect(a.send(2, Uint8Array.of(1))).toBe(false);
    expect(a.sendMulticast(Uint8Array.of(1))).toBe(false);
    expect(a.stats().framesRefused).toEqual({ unknownPeer: 1, noMulticast: 1, tooLarge: 1, queueFull: 1, closed: 2 });
    expect(a.address().port).toBeGreaterThan(0);
  });

  it('sends what is queued when closed, and close() can be called again', async () => {
    const [a, b] = await pair({ autoFlush: false });
    const atB = logFrames(b);
    for (let i = 0; i < 100; i++) a.send(2, numbered(i, 500));
    a.send(2, numbered(100, 300_000));
    await a.close();
    await a.close();
    await waitFor(() => atB.length === 101, 'the frames queued before close');
    expect(atB.map((r) => indexOf(r.frame))).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(a.stats()).toMatchObject({ queuedBytes: 0, sendErrors: 0 });
  });

  it('sends what was queued for a peer before setPeers removed it (autoFlush off)', async () => {
    const [a, b] = await pair({ autoFlush: false });
    const atB = logFrames(b);
    for (let i = 0; i < 5; i++) a.send(2, numbered(i, 200));
    a.setPeers([]);
    expect(a.send(2, numbered(5, 200))).toBe(false);
    a.flush();
    await waitFor(() => atB.length === 5, 'the frames queued before the change');
    expect(atB.map((r) => indexOf(r.frame))).toEqual([0, 1, 2, 3, 4]);
    expect(a.queuedBytes()).toBe(0);
  });

  it('follows setPeers: a removed peer is refused both ways, a kept one keeps its sequence', async () => {
    const [a, b] = await pair();
    const atB = logFrames(b);
    a.send(2, Uint8Array.of(1));
    await waitFor(() => atB.length === 1, 'a frame before the change');
    b.setPeers([]);
    expect(b.send(1, Uint8Array.of(2))).toBe(false);
    a.send(2, Uint8Array.of(3));
    await waitFor(() => b.stats().datagramsDropped.unknownSender === 1, 'the drop of a removed peer');
    b.setPeers([{ nodeId: 1, ...a.address() }]);
    a.setPeers([{ nodeId: 2, ...b.address() }]);
    a.send(2, Uint8Array.of(4));
    await waitFor(() => atB.length === 2, 'a frame after the peer is back');
    expect(atB.map((r) => r.frame[0])).toEqual([1, 4]);
    expect(b.stats()).toMatchObject({ framesRefused: { unknownPeer: 1 }, sequenceGaps: 1, sequenceResets: 0 });
  });

  it('sets its socket buffers explicitly and reports what the kernel granted', async () => {
    const requested = 256 * 1024;
    const [a] = await pair({ socketBufferBytes: requested });
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    // Linux doubles the request (for its bookkeeping) and caps it at twice rmem_max.
    expect(a.stats().socketBuffers.unicastRecvBytes).toBe(2 * Math.min(requested, rmemMax));
    expect(a.stats().socketBuffers.unicastSendBytes).toBeGreaterThanOrEqual(requested);
    expect(a.address()).toMatchObject({ address: '127.0.0.1' });
    expect(a.address().port).toBeGreaterThan(0);
  });
});
