/**
 * The fault layer switched on in a live transport: loss near its rate for a fixed seed,
 * duplication and reordering seen by the receiver, delay, and the same seed giving the same
 * delivery on a second run. Each frame is flushed alone so that one datagram carries one frame.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultOptions, UdpTransport } from '../../runtime/transport/index.ts';
import { closeAll, logFrames, openMesh, settle } from './loopback.ts';

const FRAMES = 2_000;
let open: UdpTransport[] = [];
afterEach(async () => {
  await closeAll(open);
  open = [];
});

/** Sends FRAMES numbered frames, one datagram each, from a faulty sender; returns what arrived. */
async function runFaulty(faults: FaultOptions): Promise<{ arrived: number[]; sender: UdpTransport; receiver: UdpTransport }> {
  const [receiver] = (await openMesh([2])) as [UdpTransport];
  const [sender] = (await openMesh([1], { faults, autoFlush: false })) as [UdpTransport];
  open.push(sender, receiver);
  sender.setPeers([{ nodeId: 2, ...receiver.address() }]);
  receiver.setPeers([{ nodeId: 1, ...sender.address() }]);
  const log = logFrames(receiver);
  for (let i = 0; i < FRAMES; i++) {
    sender.send(2, new Uint8Array(Uint32Array.of(i).buffer));
    sender.flush();
  }
  await settle(() => log.length + sender.queuedBytes(), 30);
  return { arrived: log.map((r) => new DataView(r.frame.buffer, r.frame.byteOffset).getUint32(0, true)), sender, receiver };
}

describe('UdpTransport with faults injected', () => {
  it('loses about lossRate of the datagrams, and exactly those the fault layer reports', async () => {
    const { arrived, sender, receiver } = await runFaulty({ lossRate: 0.2, seed: 2024 });
    const lost = sender.stats().faults.lost;
    expect(lost).toBeGreaterThan(0.17 * FRAMES);
    expect(lost).toBeLessThan(0.23 * FRAMES);
    expect(arrived.length).toBe(FRAMES - lost);
    expect(arrived).toEqual([...arrived].sort((a, b) => a - b));
    expect(receiver.stats().sequenceGaps).toBeGreaterThan(0);
  });

  it('duplicates and reorders, as the receiver sees it', async () => {
    const { arrived, sender, receiver } = await runFaulty({ duplicateRate: 0.05, reorderRate: 0.05, seed: 77 });
    const { duplicated, reordered } = sender.stats().faults;
    expect(duplicated).toBeGreaterThan(40);
    expect(reordered).toBeGreaterThan(40);
    expect(arrived.length).toBe(FRAMES + duplicated);
    expect(new Set(arrived).size).toBe(FRAMES);
    const inversions = arrived.filter((id, i) => i > 0 && id < arrived[i - 1]!).length;
    expect(inversions).toBe(reordered);
    // A copy repeats its datagram's sequence number; a held datagram comes after a later one.
    const regressions = receiver.stats().sequenceRegressions;
    expect(regressions).toBeGreaterThanOrEqual(inversions);
    expect(regressions).toBeLessThanOrEqual(reordered + duplicated);
  });

  it('delays datagrams by delayMs, and still delivers them all', async () => {
    const start = performance.now();
    const { arrived, sender } = await runFaulty({ delayMs: { min: 20, max: 40 }, seed: 3 });
    expect(arrived.length).toBe(FRAMES);
    expect(sender.stats().faults.delayed).toBe(FRAMES);
    expect(performance.now() - start).toBeGreaterThanOrEqual(20);
  });

  it('meets the same faults on a second run with the same seed', async () => {
    const faults = { lossRate: 0.1, duplicateRate: 0.05, reorderRate: 0.05, seed: 31337 };
    const first = await runFaulty(faults);
    const second = await runFaulty(faults);
    const other = await runFaulty({ ...faults, seed: 31338 });
    expect(second.arrived).toEqual(first.arrived);
    expect(second.sender.stats().faults).toEqual(first.sender.stats().faults);
    expect(other.arrived).not.toEqual(first.arrived);
  });
});
