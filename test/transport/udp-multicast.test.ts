/**
 * IP multicast on the loopback interface, to two receivers. DESIGN.md §6: multicast works on
 * these machines, so if it does not, this test fails (with the reason) instead of skipping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { UdpTransport } from '../../runtime/transport/index.ts';
import { closeAll, framesDiffering, freePort, logFrames, openMesh, settle, waitFor, type Received } from './loopback.ts';
import { patternFrame } from './wire.ts';

const GROUP = '239.77.0.1';

let open: UdpTransport[] = [];
afterEach(async () => {
  await closeAll(open);
  open = [];
});

/**
 * Transports 1 … `count`, members of one group on loopback (closed after the test), each with the
 * log of the frames it receives.
 */
async function openGroup(count: number, extra: { loopback?: boolean; listen?: boolean } = {}): Promise<{ t: UdpTransport[]; at: Received[][] }> {
  const multicast = { group: GROUP, port: await freePort(), interface: '127.0.0.1', ...extra };
  open = await openMesh(Array.from({ length: count }, (_, k) => k + 1), { multicast });
  return { t: open, at: open.map(logFrames) };
}

describe('UdpTransport IP multicast on loopback', () => {
  it('delivers each multicast frame to both receivers, packed and fragmented, and not back to the sender', async () => {
    const { t, at } = await openGroup(3, { loopback: true });
    const [sender, r2] = t as [UdpTransport, UdpTransport];
    const frames = [...Array.from({ length: 500 }, (_, i) => patternFrame(i, 1 + (i % 300))), patternFrame(501, 300_000)];
    for (const f of frames) expect(sender.sendMulticast(f)).toBe(true);
    await waitFor(() => at[1]?.length === frames.length && at[2]?.length === frames.length, 'every multicast frame at both receivers');
    for (const log of [at[1] as Received[], at[2] as Received[]]) {
      expect(framesDiffering(log.map((r) => r.frame), frames)).toEqual([]);
      expect(log.every((r) => r.from === 1)).toBe(true);
    }
    await settle(() => sender.stats().multicastEchoes);
    expect(at[0]).toEqual([]);
    // The sender's own datagrams come back to it over loopback: ignored as echoes, not dropped.
    expect(sender.stats().multicastEchoes).toBe(sender.stats().datagramsSent);
    expect(sender.stats().datagramsDroppedTotal).toBe(0);
    expect(sender.stats().datagramsSent).toBeLessThan(frames.length / 10 + 10);
    expect(r2.stats().datagramsReceived).toBe(sender.stats().datagramsSent);
  });

  it('keeps unicast and multicast apart: each arrives once, on its own socket', async () => {
    const { t, at } = await openGroup(3);
    const [sender, r2, r3] = t as [UdpTransport, UdpTransport, UdpTransport];
    const [, at2, at3] = at as [Received[], Received[], Received[]];
    sender.send(2, Uint8Array.of(2));
    sender.sendMulticast(Uint8Array.of(7));
    await waitFor(() => at2.length === 2 && at3.length === 1, 'one unicast and one multicast');
    await settle(() => at2.length + at3.length);
    expect(at2.map((r) => r.frame[0]).sort()).toEqual([2, 7]);
    expect(at3.map((r) => r.frame[0])).toEqual([7]);
    expect(r2.stats().datagramsDroppedTotal + r3.stats().datagramsDroppedTotal).toBe(0);
  });

  it('stops and starts receiving the group when told to, though the host stays a member; the last wish wins', async () => {
    const { t, at } = await openGroup(3);
    const [sender, , r3] = t as [UdpTransport, UdpTransport, UdpTransport];
    const [, at2, at3] = at as [Received[], Received[], Received[]];
    // A wish that changes nothing, then one that does, in the same turn.
    void r3.listenMulticast(true);
    await r3.listenMulticast(false);
    expect(r3.stats().multicast).toEqual({ listening: false, opens: 0, closes: 1, openErrors: 0 });
    sender.sendMulticast(Uint8Array.of(1));
    await waitFor(() => at2.length === 1, 'the frame at the receiver still listening');
    await settle(() => r3.stats().datagramsReceived);
    expect(at3).toEqual([]);
    expect(r3.stats().datagramsReceived).toBe(0);
    // Wishes made while a change is under way: the socket ends as the last one says.
    void r3.listenMulticast(true);
    void r3.listenMulticast(false);
    await r3.listenMulticast(true);
    expect(r3.stats().multicast.listening).toBe(true);
    void r3.listenMulticast(false);
    await r3.listenMulticast(true);
    expect(r3.stats().multicast.listening).toBe(true);
    sender.sendMulticast(Uint8Array.of(2));
    await waitFor(() => at2.length === 2 && at3.length === 1, 'the next frame at both receivers');
    expect(at3.map((r) => r.frame[0])).toEqual([2]);
    expect(r3.stats().datagramsDroppedTotal).toBe(0);
  });

  it('opened with listen false, only sends to the group until it listens', async () => {
    const { t, at } = await openGroup(2, { listen: false });
    const [sender, r2] = t as [UdpTransport, UdpTransport];
    const [, at2] = at as [Received[], Received[]];
    expect(r2.stats().multicast.listening).toBe(false);
    expect(r2.stats().socketBuffers.multicastRecvBytes).toBe(0);
    sender.sendMulticast(Uint8Array.of(1));
    await settle(() => sender.stats().datagramsSent);
    expect(sender.stats().datagramsSent).toBe(1);
    expect(at2).toEqual([]);
    await r2.listenMulticast(true);
    expect(r2.stats().multicast).toEqual({ listening: true, opens: 1, closes: 0, openErrors: 0 });
    expect(r2.stats().socketBuffers.multicastRecvBytes).toBeGreaterThan(0);
    sender.sendMulticast(Uint8Array.of(2));
    await waitFor(() => at2.length === 1, 'the frame sent once the receiver listens');
    expect(at2[0]?.frame[0]).toBe(2);
  });
});
