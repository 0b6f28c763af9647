/**
 * Nodes of a deployment talking over UDP on loopback, each with its own threads and gateway (all
 * in this process, so that the test stays fast; the CLI tests run them as separate processes).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../runtime/config/deployment.ts';
import { startNode, type RingcastNode } from '../../runtime/node/node.ts';

let nodes: RingcastNode[] = [];
afterEach(async () => {
  for (const n of nodes) await n.close();
  nodes = [];
});

function deployment(mode: 'multicast' | 'ring', basePort: number, lossRate = 0): DeploymentConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringcast-'));
  const node = (name: string, id: number) => ({ name, id, host: '127.0.0.1', port: basePort + id, dataDir: join(dataDir, name) });
  return {
    nodes: [node('a1', 1), node('a2', 2), node('a3', 3), node('c', 4)],
    rings: [
      {
        id: 1,
        dissemination: mode,
        ...(mode === 'multicast' ? { multicast: { group: `239.255.42.${basePort % 250}`, port: basePort + 50, interface: '127.0.0.1' } } : {}),
        acceptors: [{ id: 1, node: 'a1' }, { id: 2, node: 'a2' }, { id: 3, node: 'a3' }],
        coordinators: [{ id: 11, node: 'a1' }, { id: 12, node: 'a2' }],
        learners: [{ id: 21, node: 'c' }, { id: 22, node: 'a3' }],
        proposers: [{ id: 31, node: 'c' }],
      },
    ],
    placement: { mode: 'shared', threads: 1, spin: false },
    ...(lossRate > 0 ? { transport: { faults: { lossRate, seed: 7 } } } : {}),
  };
}

/** Proposes `count` values through node c; `midway` runs once half of them are acked. */
async function run(d: DeploymentConfig, count: number, midway?: () => Promise<void>): Promise<{ acked: number; seqs: number[][] }> {
  for (const self of ['a1', 'a2', 'a3', 'c']) {
    const n = await startNode({ deployment: d, self });
    n.onLog = () => undefined;
    nodes.push(n);
  }
  const [, , a3, c] = nodes as [RingcastNode, RingcastNode, RingcastNode, RingcastNode];
  const seqs: number[][] = [[], []];
  [c, a3].forEach((n, k) => n.learner(1).onDeliver((dd) => seqs[k]?.push(...dd.values.map((v) => new DataView(v.bytes.buffer, v.bytes.byteOffset).getUint32(0, true)))));
  let acked = 0;
  const proposals: Promise<unknown>[] = [];
  const half = Math.floor(count / 2);
  for (let i = 0; i < count; i++) {
    if (i === half && midway !== undefined) {
      await Promise.all(proposals);
      await midway();
    }
    const bytes = new Uint8Array(256);
    new DataView(bytes.buffer).setUint32(0, i, true);
    proposals.push(c.proposer(1).propose(bytes).then(() => acked++));
  }
  await Promise.all(proposals);
  const end = Date.now() + 20_000;
  while (Date.now() < end && seqs.some((s) => s.length < count)) await new Promise((r) => setTimeout(r, 20));
  return { acked, seqs };
}

describe('a ring across nodes over UDP (loopback)', () => {
  it.each([
    ['multicast', 18100],
    ['ring', 18200],
  ] as const)('delivers every value once, in the same order at both learners (%s)', async (mode, port) => {
    const { acked, seqs } = await run(deployment(mode, port), 5000);
    expect(acked).toBe(5000);
    expect(new Set(seqs[0]).size).toBe(5000);
    expect(seqs[0]).toHaveLength(5000);
    expect(seqs[1]).toEqual(seqs[0]);
  }, 60_000);

  it("replaces an acceptor node's actor thread with its spare thread; every value still delivered once, in order", async () => {
    const { acked, seqs } = await run(deployment('multicast', 18400), 4000, async () => {
      const a2 = nodes[1] as RingcastNode;
      const restarted = new Promise<void>((resolve) => a2.supervisor.on('restarted', () => resolve()));
      await a2.hostOf('ring1.acceptor1')?.terminate();
      await restarted;
      expect(a2.spareThreadsUsed).toBe(1);
    });
    expect(acked).toBe(4000);
    expect(seqs[0]).toHaveLength(4000);
    expect(new Set(seqs[0]).size).toBe(4000);
    expect(seqs[1]).toEqual(seqs[0]);
  }, 60_000);

  it('a node that joins a running ring hands a learner subscribed at setup every instance from 0', async () => {
    const d = deployment('multicast', 18500);
    for (const self of ['a1', 'a2', 'c']) {
      const n = await startNode({ deployment: d, self });
      n.onLog = () => undefined;
      nodes.push(n);
    }
    const c = nodes[2] as RingcastNode;
    const proposals: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(256);
      new DataView(bytes.buffer).setUint32(0, i, true);
      proposals.push(c.proposer(1).propose(bytes));
    }
    await Promise.all(proposals);
    // a3 starts now: its learner catches up on 2,000 decided values as soon as it runs.
    const seqs: number[] = [];
    const a3 = await startNode({ deployment: d, self: 'a3' }, (n) =>
      n.learner(1).onDeliver((dd) => seqs.push(...dd.values.map((v) => new DataView(v.bytes.buffer, v.bytes.byteOffset).getUint32(0, true)))),
    );
    a3.onLog = () => undefined;
    nodes.push(a3);
    const end = Date.now() + 20_000;
    while (Date.now() < end && seqs.length < 2000) await new Promise((r) => setTimeout(r, 20));
    expect(seqs).toEqual(Array.from({ length: 2000 }, (_, k) => k));
  }, 60_000);

  it('with 5% of datagrams lost, still delivers every value once, in order', async () => {
    const { acked, seqs } = await run(deployment('multicast', 18300, 0.05), 3000);
    expect(acked).toBe(3000);
    expect(new Set(seqs[0]).size).toBe(3000);
    expect(seqs[0]).toHaveLength(3000);
    expect(seqs[1]).toEqual(seqs[0]);
    const lost = (await Promise.all(nodes.map((n) => n.status())))
      .flat()
      .flatMap((h) => h.actors)
      .filter((a) => a.name === 'udp-gateway')
      .reduce((sum, a) => sum + Number((a.status['transport'] as { faults?: { lost?: number } }).faults?.lost ?? 0), 0);
    expect(lost).toBeGreaterThan(0);
  }, 60_000);

  it('in multicast mode, only the nodes that need values listen to the group, before and after a new coordinator takes over', async () => {
    const names = ['a1', 'a2', 'a3', 'c'];
    const closed = new Set<string>();
    /** Whether each node's gateway listens to the group; the layout of the leading coordinator. */
    const look = async (): Promise<{ listening: Map<string, boolean>; layout: number[] }> => {
      const listening = new Map<string, boolean>();
      let layout: number[] = [];
      for (const [k, n] of nodes.entries()) {
        const name = names[k] as string;
        if (closed.has(name)) continue;
        const actors = (await n.status()).flatMap((h) => h.actors);
        const gateway = actors.find((a) => a.name === 'udp-gateway')?.status['transport'] as { multicast: { listening: boolean } };
        listening.set(name, gateway.multicast.listening);
        const leader = actors.find((a) => a.status['role'] === 'coordinator' && a.status['state'] === 'leading');
        if (leader !== undefined) layout = leader.status['layout'] as number[];
      }
      return { listening, layout };
    };
    let before: { listening: Map<string, boolean>; layout: number[] } | null = null;
    const { acked, seqs } = await run(deployment('multicast', 18600), 3000, async () => {
      before = await look();
      closed.add('a1');
      await (nodes[0] as RingcastNode).close(); // the leader's node: coordinator 11 and acceptor 1
    });
    expect(acked).toBe(3000);
    expect(new Set(seqs[0]).size).toBe(3000);
    expect(seqs[0]).toHaveLength(3000);
    expect(seqs[1]).toEqual(seqs[0]);
    // Led from a1, with acceptor 1 and one of 2 and 3: a1 gets the values in process, the spare none.
    const { listening, layout } = before as unknown as { listening: Map<string, boolean>; layout: number[] };
    expect(layout[0]).toBe(1);
    const a2InRing = layout[1] === 2;
    expect(listening).toEqual(new Map([['a1', false], ['a2', a2InRing], ['a3', true], ['c', true]])); // a3 hosts a learner too
    await waitUntil(async () => (await look()).layout[0] === 2, 'coordinator 12 leading');
    // Led from a2 now, with acceptors 2 and 3: a2 gets the values in process.
    const after = await look();
    expect(after.layout).toEqual([2, 3]);
    expect(after.listening).toEqual(new Map([['a2', false], ['a3', true], ['c', true]]));
  }, 60_000);
  it("in multicast mode, the spare acceptor listens to the group once a new ring takes it in, and no value is lost", async () => {
    // Learner and proposer on their own node, so that any acceptor's node may go.
    const d = deployment('multicast', 18800);
    const ring = d.rings[0] as DeploymentConfig['rings'][number];
    const spread: DeploymentConfig = { ...d, rings: [{ ...ring, learners: [{ id: 21, node: 'c' }] }] };
    const names = ['a1', 'a2', 'a3', 'c'];
    for (const self of names) {
      const n = await startNode({ deployment: spread, self });
      n.onLog = () => undefined;
      nodes.push(n);
    }
    const c = nodes[3] as RingcastNode;
    const seqs: number[] = [];
    c.learner(1).onDeliver((dd) => seqs.push(...dd.values.map((v) => new DataView(v.bytes.buffer, v.bytes.byteOffset).getUint32(0, true))));
    const propose = (from: number, to: number): Promise<unknown[]> =>
      Promise.all(
        Array.from({ length: to - from }, (_, k) => {
          const bytes = new Uint8Array(256);
          new DataView(bytes.buffer).setUint32(0, from + k, true);
          return c.proposer(1).propose(bytes);
        }),
      );
    const statusOf = async (n: RingcastNode): Promise<{ listening: boolean; layout: number[] | null }> => {
      const actors = (await n.status()).flatMap((h) => h.actors);
      const gateway = actors.find((a) => a.name === 'udp-gateway')?.status['transport'] as { multicast: { listening: boolean } };
      const leader = actors.find((a) => a.status['role'] === 'coordinator' && a.status['state'] === 'leading');
      return { listening: gateway.multicast.listening, layout: leader === undefined ? null : (leader.status['layout'] as number[]) };
    };
    await propose(0, 1000);
    const before = (await statusOf(nodes[0] as RingcastNode)).layout as number[];
    expect(before[0]).toBe(1);
    const gone = before[1] as number; // acceptor 2 or 3: its node goes
    const spare = gone === 2 ? 3 : 2;
    expect((await statusOf(nodes[spare - 1] as RingcastNode)).listening).toBe(false);
    await (nodes[gone - 1] as RingcastNode).close();
    await propose(1000, 2000);
    await waitUntil(async () => seqs.length >= 2000, '2,000 values delivered');
    expect(new Set(seqs).size).toBe(2000);
    expect(seqs).toHaveLength(2000);
    const after = await statusOf(nodes[0] as RingcastNode);
    expect(after.layout).toEqual([1, spare]);
    expect((await statusOf(nodes[spare - 1] as RingcastNode)).listening).toBe(true);
  }, 60_000);
});

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
