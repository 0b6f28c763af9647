/**
 * Fuzzing a live transport: 100,000 random and mutated datagrams from a raw socket registered as
 * a peer (so that mutations reach the body checks, not only the sender check). The properties:
 * nothing throws, every datagram read is either received or dropped under a reason, every
 * datagram that cannot be valid is dropped, and valid frames still arrive intact afterwards.
 * All cases come from one seed (FUZZ_SEED replays one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:dgram';
import type { UdpTransport } from '../../runtime/transport/index.ts';
import { FRAGMENT_HEADER_BYTES, HEADER_BYTES } from '../../runtime/transport/datagram-format.ts';
import { Prng } from '../../src/protocol/prng.ts';
import { closeAll, framesDiffering, logFrames, openMesh, openRawSocket, waitFor } from './loopback.ts';
import { fragmentDatagram, packedDatagram, patternFrame, resign } from './wire.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0xf022);
const DATAGRAMS = 100_000;
/** Datagrams in flight at once: well below what the receive buffer holds. */
const BATCH = 1_000;
const RAW_ID = 9;

/** A valid datagram from RAW_ID: packed frames, or one fragment of a frame. */
function validDatagram(prng: Prng): Uint8Array {
  if (prng.chance(0.5)) {
    const frames = Array.from({ length: 1 + prng.below(8) }, (_, i) => patternFrame(i, prng.below(200)));
    return packedDatagram(frames, { senderId: RAW_ID, sequence: prng.nextU32() });
  }
  const count = 2 + prng.below(5);
  const totalBytes = count * (1 + prng.below(300));
  const index = prng.below(count);
  const fields = { messageId: prng.below(64), totalBytes, index, count };
  return fragmentDatagram(fields, new Uint8Array(totalBytes / count).fill(index), { senderId: RAW_ID });
}

/** Changes 1 to 4 distinct bytes: the checksum no longer matches. */
function corrupted(bytes: Uint8Array, prng: Prng): Uint8Array {
  const flips = 1 + prng.below(4);
  const positions = new Set<number>();
  while (positions.size < Math.min(flips, bytes.length)) positions.add(prng.below(bytes.length));
  for (const at of positions) bytes[at]! ^= 1 + prng.below(255);
  return bytes;
}

/** Changes a header field or body byte and signs again: only the deeper checks can refuse it. */
function mutatedSigned(bytes: Uint8Array, prng: Prng): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const bodyFields = bytes.length >= HEADER_BYTES + FRAGMENT_HEADER_BYTES;
  switch (prng.below(bodyFields ? 6 : 4)) {
    case 0: view.setUint16(6, prng.below(0x10000), true); break; // frame count
    case 1: view.setUint8(3, prng.below(256)); break; // flags
    case 2: view.setUint16(4, prng.chance(0.5) ? 1 : prng.below(0x10000), true); break; // sender id
    case 3: return resign(bytes.slice(0, HEADER_BYTES + prng.below(bytes.length - HEADER_BYTES + 1))); // cut short
    case 4: view.setUint32(HEADER_BYTES + 4, prng.nextU32(), true); break; // frame length, or fragment total
    default: view.setUint16(HEADER_BYTES + 8 + 2 * prng.below(2), prng.below(8), true); // fragment index or count
  }
  return resign(bytes);
}

/** One fuzz case, and whether it is certain to be dropped. */
function fuzzCase(prng: Prng): { bytes: Uint8Array; certainDrop: boolean } {
  const kind = prng.below(10);
  if (kind < 3) return { bytes: Uint8Array.from({ length: 1 + prng.below(1500) }, () => prng.below(256)), certainDrop: true };
  if (kind < 6) return { bytes: corrupted(validDatagram(prng), prng), certainDrop: true };
  if (kind < 7) {
    const valid = validDatagram(prng);
    return { bytes: valid.subarray(0, prng.below(valid.length)), certainDrop: true };
  }
  return { bytes: mutatedSigned(validDatagram(prng), prng), certainDrop: false };
}

let legit: UdpTransport;
let receiver: UdpTransport;
let raw: Socket;
beforeAll(async () => {
  [legit, receiver] = (await openMesh([1, 2], { reassemblyMessagesMax: 256 })) as [UdpTransport, UdpTransport];
  raw = await openRawSocket();
  receiver.setPeers([
    { nodeId: 1, ...legit.address() },
    { nodeId: RAW_ID, address: '127.0.0.1', port: raw.address().port },
  ]);
});
afterAll(() => closeAll([legit, receiver], [raw]));

const seen = (): number => receiver.stats().datagramsReceived + receiver.stats().datagramsDroppedTotal;

describe(`UdpTransport fuzz (seed ${SEED})`, () => {
  it(`survives ${DATAGRAMS} random and mutated datagrams, accounting for each, then still delivers`, async () => {
    const prng = new Prng(SEED);
    logFrames(receiver);
    let certainDrops = 0;
    let sendErrors = 0;
    for (let sent = 0; sent < DATAGRAMS; ) {
      for (const end = Math.min(DATAGRAMS, sent + BATCH); sent < end; sent++) {
        const c = fuzzCase(prng);
        if (c.certainDrop) certainDrops++;
        raw.send(c.bytes, receiver.address().port, '127.0.0.1', (e) => e && sendErrors++);
      }
      const target = sent;
      await waitFor(() => seen() === target, `the receiver to read ${target} datagrams`);
    }
    const stats = receiver.stats();
    expect(sendErrors).toBe(0);
    expect(stats.datagramsReceived + stats.datagramsDroppedTotal).toBe(DATAGRAMS);
    expect(stats.datagramsDroppedTotal).toBeGreaterThanOrEqual(certainDrops);
    expect(stats.reassemblyPendingMessages).toBeLessThanOrEqual(256);
    const reasonsSeen = Object.entries(stats.datagramsDropped).filter(([, n]) => n > 0).map(([r]) => r);
    expect(reasonsSeen.length).toBeGreaterThanOrEqual(12);
    await stillDelivers();
  });
});

async function stillDelivers(): Promise<void> {
  const log = logFrames(receiver);
  const frames = [...Array.from({ length: 200 }, (_, i) => patternFrame(i, 10 + i)), patternFrame(7, 1_000_000)];
  for (const f of frames) expect(legit.send(2, f)).toBe(true);
  await waitFor(() => log.length === frames.length, 'valid frames after the fuzz');
  expect(framesDiffering(log.map((r) => r.frame), frames)).toEqual([]);
  expect(log.every((r) => r.from === 1)).toBe(true);
}
