/**
 * The embedded demo on one thread: one ring (3 acceptors, a coordinator and two standbys, a
 * proposer, a learner) run by the deterministic in-process scheduler, with values flowing for a
 * while and live figures on the terminal. Every message goes through the real protocol roles.
 */
import { Cluster } from '../../src/sim/cluster.ts';
import { nodeId, type ValueId } from '../../src/protocol/ids.ts';
import { LiveReport } from './live-report.ts';

export interface InProcessDemoOptions {
  readonly seconds: number;
  readonly valueBytes: number;
  readonly mode: 'multicast' | 'ring';
}

export function runInProcessDemo(o: InProcessDemoOptions): void {
  const n = nodeId;
  const cluster = new Cluster({
    ring: { ring: 1 as never, acceptors: [n(1), n(2), n(3)], coordinators: [n(10), n(11), n(12)], learners: [n(20)], dissemination: o.mode },
    proposers: [n(30)],
  });
  const proposer = n(30);
  const learner = n(20);
  const proposedAt = new Map<ValueId, number>();
  const report = new LiveReport();
  cluster.onEvent = (e) => {
    if (e.kind !== 'delivered' || e.learner !== learner) return;
    const now = performance.now();
    for (const v of e.d.values) {
      const t = proposedAt.get(v.id);
      proposedAt.delete(v.id);
      if (t !== undefined) report.delivered(v.bytes.length, (now - t) * 1000);
    }
  };
  console.log(`ringcast demo (in-process, one thread): 1 ring, ${o.mode} dissemination, 3 acceptors, ${o.valueBytes} B values, ${o.seconds} s`);
  const payload = new Uint8Array(o.valueBytes);
  const endMs = performance.now() + o.seconds * 1000;
  let nextReportMs = performance.now() + 1000;
  while (performance.now() < endMs) {
    const now = performance.now();
    for (let i = 0; i < 2048; i++) {
      const id = cluster.propose(proposer, payload);
      if (id === null) break;
      proposedAt.set(id, now);
    }
    cluster.tick();
    if (now >= nextReportMs) {
      nextReportMs += 1000;
      const leader = cluster.leader();
      report.tick(`leader ${leader ?? '-'}  instances ${leader === null ? 0 : cluster.coordinator(leader).decidedWatermark}`);
    }
  }
  report.summary('summary');
}
