/** The status a node reports on its control port, and how `ringcast status` prints it. */
import { describe, expect, it } from 'vitest';
import { validateDeployment } from '../../runtime/config/load-deployment.ts';
import { formatStatus } from '../../runtime/control/format-status.ts';
import { NodeStatusCollector, type NodeStatusReport, type StatusSource } from '../../runtime/control/node-status.ts';
import type { HostStatus } from '../../runtime/host/host-protocol.ts';
import type { ThreadReport } from '../../runtime/node/node.ts';
import { Supervisor } from '../../runtime/supervisor/supervisor.ts';
import { baseDeployment } from '../config/fixtures.ts';

const deployment = validateDeployment(baseDeployment());

/** Node a3 of the base deployment: acceptor 13 and learner 31, and its gateway. */
function nodeA3(delivered: { values: number; instances: number }, learnerAnswers = true): StatusSource {
  const threads: ThreadReport[] = [
    { index: 0, actors: ['ring1.acceptor2'], wait: 'block', cpu: null, host: 1, thread: { tid: 10, pinned: null, cpusAllowed: '0-1', pinReason: null } },
    { index: 1, actors: [], wait: 'async', cpu: null, host: 3, thread: null },
  ];
  return { status: async () => hostsOfA3(delivered, learnerAnswers), threadReport: () => threads, supervisor: new Supervisor() };
}

function hostsOfA3(delivered: { values: number; instances: number }, learnerAnswers: boolean): HostStatus[] {
  const hosts: HostStatus[] = [
    { host: 1, actors: [{ address: 13, name: 'ring1.acceptor2', status: { role: 'acceptor', promised: 65536 + 22, votes: 40, dropped: 0, storage: 'sync', logSegments: 5, compactions: 0 } }], mailbox: {}, runPool: {} },
    {
      host: 3,
      actors: [{ address: -1, name: 'udp-gateway', status: { framesOut: 9, crc32: 'native', transport: { datagramsSent: 120, datagramsReceived: 130, datagramsDroppedTotal: 2, sequenceGaps: 1, multicast: { listening: false, opens: 0, closes: 1 }, socketBuffers: { unicastRecvBytes: 8 * 1024 * 1024, unicastSendBytes: 8 * 1024 * 1024, multicastRecvBytes: 0 } } } }],
      mailbox: {},
      runPool: {},
    },
  ];
  if (learnerAnswers) {
    hosts.push({ host: 2, actors: [{ address: 31, name: 'ring1.learner0', status: { role: 'learner', deliveredUpTo: delivered.instances - 1, instancesDelivered: delivered.instances, valuesDelivered: delivered.values, repairsSent: 0, dropped: 3 } }], mailbox: {}, runPool: {} });
  }
  return hosts;
}

describe('NodeStatusCollector', () => {
  it('reports the local actors ring by ring, with what each says of itself', async () => {
    const report = await new NodeStatusCollector(nodeA3({ values: 1000, instances: 10 }), deployment, 'a3', () => ({ record: { instances: 10 } })).collect();
    expect(report.node).toMatchObject({ name: 'a3', id: 3, host: '127.0.0.1', port: 7003, pid: process.pid });
    expect(report.rings).toHaveLength(1);
    const ring = report.rings[0];
    expect(ring).toMatchObject({ id: 1, dissemination: 'multicast', multicast: '239.255.0.1:7200' });
    expect(ring?.actors.map((a) => [a.role, a.id])).toEqual([['acceptor', 13], ['learner', 31]]);
    expect(ring?.actors[1]?.status).toMatchObject({ valuesDelivered: 1000 });
    expect(report.gateway).toMatchObject({ framesOut: 9 });
    expect(report.supervisor).toEqual({ crashes: 0, restarts: 0, gaveUp: 0, children: [] });
    expect(report.threads).toHaveLength(2);
    expect(report.extras).toEqual({ record: { instances: 10 } });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('measures throughput between two reports from the learners\' counters', async () => {
    const delivered = { values: 0, instances: 0 };
    const collector = new NodeStatusCollector(nodeA3(delivered), deployment, 'a3');
    await collector.collect();
    await new Promise((r) => setTimeout(r, 100));
    delivered.values = 500;
    delivered.instances = 5;
    const t = (await collector.collect()).rings[0]?.throughput;
    expect(t?.overMs).toBeGreaterThanOrEqual(90);
    expect(t?.valuesPerSecond).toBeGreaterThan(1000);
    expect(t?.valuesPerSecond).toBeLessThan(6000);
  });

  it('marks an actor whose thread does not answer, and has no throughput without a local learner', async () => {
    const report = await new NodeStatusCollector(nodeA3({ values: 0, instances: 0 }, false), deployment, 'a3').collect();
    expect(report.rings[0]?.actors[1]).toEqual({ role: 'learner', id: 31, status: null });
    const a2 = await new NodeStatusCollector(nodeA3({ values: 0, instances: 0 }), deployment, 'a2').collect();
    expect(a2.rings[0]?.throughput).toBeNull();
  });
});

describe('formatStatus', () => {
  it('prints rings, actors, throughput, gateway, supervisor, threads and extras', async () => {
    const report = await new NodeStatusCollector(nodeA3({ values: 1000, instances: 10 }), deployment, 'a3', () => ({ load: { acked: 5, count: 10 } })).collect();
    const withCoordinator: NodeStatusReport = {
      ...report,
      rings: [{ ...(report.rings[0] as NodeStatusReport['rings'][number]), actors: [{ role: 'coordinator', id: 21, status: { state: 'leading', ballot: 3 * 65536 + 21, decidedUpTo: 1233, inflight: 2, queued: 0, instancesDecided: 1234, learners: { learnerHolds: 7, learnersLetGo: 0, counted: 1, slowestUpTo: 1200 } } }, ...(report.rings[0]?.actors ?? [])] }],
      supervisor: { crashes: 1, restarts: 1, gaveUp: 0, children: [{ id: 'ring1.learner0', state: 'running', restarts: 1, lastError: 'boom' }] },
    };
    const text = formatStatus(JSON.parse(JSON.stringify(withCoordinator))).join('\n');
    expect(text).toMatch(/^node a3 \(id 3\) {2}127\.0\.0\.1:7003/);
    expect(text).toContain('ring 1  multicast 239.255.0.1:7200');
    expect(text).toMatch(/coordinator 21 +leading {2}ballot 3\.21 {2}decidedUpTo 1,233 {2}inflight 2 {2}queued 0 {2}decided 1,234 {2}waited for learners 7\n/);
    // The log's segments; rewrites only when there were some.
    expect(text).toMatch(/acceptor 13 +promised 1\.22 {2}votes 40 {2}storage sync {2}log segments 5\n/);
    expect(text).toMatch(/learner 31 +deliveredUpTo 9 {2}instances 10 {2}values 1,000 {2}repairs 0 {2}dropped 3/);
    expect(text).toMatch(/throughput +[\d,]+ values\/s/);
    expect(text).toContain('udp gateway  datagrams sent 120  received 130  dropped 2  gaps 1  multicast not listening  recv buffer 8.0 MiB  crc32 native');
    expect(text).toContain('supervisor  crashes 1  restarts 1  gave up 0');
    expect(text).toMatch(/ring1\.learner0 +running +restarts 1 {2}last error: boom/);
    expect(text).toMatch(/thread 1 {2}wait=block {2}cpus_allowed=0-1 {2}ring1\.acceptor2/);
    expect(text).toContain('(gateway)');
    expect(text).toContain('load  acked 5  count 10');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 7],
    ['a list', [1, 2]],
    ['wrong types everywhere', { node: 'x', rings: [{ actors: [null, { role: 'learner', status: 'x' }, { role: 'coordinator', status: { ballot: 'x' } }] }], supervisor: { children: 3 }, threads: [null] }],
  ])('prints whatever a node sends without failing: %s', (_what, report) => {
    expect(formatStatus(report)[0]).toMatch(/^node \?/);
  });
});
