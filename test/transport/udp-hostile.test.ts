/**
 * Unknown senders and malformed datagrams arriving at a live socket: each is dropped and counted
 * under its reason, nothing throws, and valid frames still arrive after them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:dgram';
import type { UdpTransport } from '../../runtime/transport/index.ts';
import type { DatagramDropReason } from '../../runtime/transport/datagram-format.ts';
import { Prng } from '../../src/protocol/prng.ts';
import { closeAll, logFrames, openMesh, openRawSocket, sendRaw, waitFor } from './loopback.ts';
import { fragmentDatagram, packedDatagram, resign } from './wire.ts';

const RAW_ID = 9;
let transports: UdpTransport[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  await closeAll(transports, sockets);
  transports = [];
  sockets = [];
});

/** Transport 2 accepts transport 1 and a raw socket as node RAW_ID; transport 3 is a stranger. */
async function scene(): Promise<{ receiver: UdpTransport; known: UdpTransport; stranger: UdpTransport; raw: Socket }> {
  transports = await openMesh([1, 2, 3]);
  const [known, receiver, stranger] = transports as [UdpTransport, UdpTransport, UdpTransport];
  const raw = await openRawSocket();
  sockets = [raw];
  receiver.setPeers([
    { nodeId: 1, ...known.address() },
    { nodeId: RAW_ID, address: '127.0.0.1', port: raw.address().port },
  ]);
  return { receiver, known, stranger, raw };
}

describe('UdpTransport under hostile traffic', () => {
  it('drops a sender it does not know, and a known id from the wrong address', async () => {
    const { receiver, stranger, raw } = await scene();
    const log = logFrames(receiver);
    expect(stranger.send(2, Uint8Array.of(1))).toBe(true);
    await sendRaw(raw, packedDatagram([Uint8Array.of(2)], { senderId: 1 }), receiver.address().port);
    await sendRaw(raw, packedDatagram([Uint8Array.of(3)], { senderId: 4242 }), receiver.address().port);
    await waitFor(() => receiver.stats().datagramsDroppedTotal === 3, 'three drops');
    expect(receiver.stats().datagramsDropped).toMatchObject({ unknownSender: 2, addressMismatch: 1 });
    expect(log).toEqual([]);
  });

  it('drops random bytes, bad checksums, truncated datagrams and bad fragment counts, then still delivers', async () => {
    const { receiver, known, raw } = await scene();
    const log = logFrames(receiver);
    const port = receiver.address().port;
    const prng = new Prng(5);
    const valid = (): Uint8Array => packedDatagram([Uint8Array.of(1, 2, 3), Uint8Array.of(4)], { senderId: RAW_ID });
    const random = Uint8Array.from({ length: 200 }, () => prng.below(256));
    const badChecksum = valid();
    badChecksum[badChecksum.length - 1]! ^= 0xff;
    const expected: [Uint8Array, DatagramDropReason][] = [
      [random, 'badMagic'],
      [random.subarray(0, 7), 'tooShort'],
      [badChecksum, 'badChecksum'],
      [valid().subarray(0, 24), 'badLength'],
      [resign(valid().slice(0, 24)), 'truncatedFrame'],
      [fragmentDatagram({ messageId: 1, totalBytes: 6, index: 0, count: 0 }, Uint8Array.of(1, 2, 3), { senderId: RAW_ID }), 'badFragment'],
      [fragmentDatagram({ messageId: 1, totalBytes: 6, index: 3, count: 2 }, Uint8Array.of(1, 2, 3), { senderId: RAW_ID }), 'badFragment'],
      [fragmentDatagram({ messageId: 1, totalBytes: 6, index: 0, count: 2 }, Uint8Array.of(1, 2, 3), { senderId: RAW_ID, multicast: true }), 'wrongSocket'],
      [packedDatagram([Uint8Array.of(1)], { senderId: RAW_ID, frameCount: 0 }), 'badFrameCount'],
    ];
    for (const [bytes] of expected) await sendRaw(raw, bytes, port);
    await waitFor(() => receiver.stats().datagramsDroppedTotal === expected.length, `${expected.length} drops`);
    const counted: Partial<Record<DatagramDropReason, number>> = {};
    for (const [, reason] of expected) counted[reason] = (counted[reason] ?? 0) + 1;
    expect(receiver.stats().datagramsDropped).toMatchObject(counted);
    expect(log).toEqual([]);
    await sendRaw(raw, valid(), port);
    known.send(2, Uint8Array.of(42));
    await waitFor(() => log.length === 3, 'the valid frames after the bad ones');
    expect(log.map((r) => [r.from, [...r.frame]])).toContainEqual([1, [42]]);
    expect(log.filter((r) => r.from === RAW_ID).map((r) => [...r.frame])).toEqual([[1, 2, 3], [4]]);
  });

  it('evicts a fragmented frame that never completes, and counts the eviction', async () => {
    transports = await openMesh([1, 2], { reassemblyTimeoutMs: 30 });
    const [, receiver] = transports as [UdpTransport, UdpTransport];
    const raw = await openRawSocket();
    sockets = [raw];
    receiver.setPeers([{ nodeId: RAW_ID, address: '127.0.0.1', port: raw.address().port }]);
    await sendRaw(raw, fragmentDatagram({ messageId: 8, totalBytes: 16, index: 0, count: 2 }, new Uint8Array(8).fill(1), { senderId: RAW_ID }), receiver.address().port);
    await waitFor(() => receiver.stats().reassemblyEvictions.timeout === 1, 'the eviction by timeout');
    expect(receiver.stats()).toMatchObject({ reassemblyPendingMessages: 0, reassemblyPendingBytes: 0, framesReceived: 0 });
  });
});
