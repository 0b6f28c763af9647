/**
 * The embedded demo on worker threads: one ring (3 acceptors, a coordinator and a standby, a
 * proposer, a learner), each actor on its own thread unless `--placement shared`, values flowing
 * for a while with live values/s, MB/s and latency on the terminal. Each value carries the time
 * it was proposed in its first 8 bytes, so latency is measured at delivery, across threads.
 */
import { startNode, type RingcastNode } from '../node/node.ts';
import { LiveReport } from './live-report.ts';

export interface ThreadDemoOptions {
  readonly seconds: number;
  readonly valueBytes: number;
  readonly mode: 'multicast' | 'ring';
  readonly placement: 'dedicated' | 'shared';
  /** Proposals outstanding at a time (the offered load). */
  readonly window: number;
}

const TIME_ORIGIN = performance.timeOrigin;
const clock = (): number => TIME_ORIGIN + performance.now();

export async function runThreadDemo(o: ThreadDemoOptions): Promise<void> {
  console.log(`ringcast demo: 1 ring, ${o.mode} dissemination, 3 acceptors, ${o.valueBytes} B values, ${o.seconds} s, ${o.placement} threads`);
  const node = await startNode({ rings: [{ id: 1, dissemination: o.mode }], placement: { mode: o.placement } });
  node.supervisor.on('crashed', (e) => console.log(`  supervisor: ${e.childId} crashed (${e.reason}); restart in ${e.backoffMs ?? '-'} ms`));
  for (const t of node.threadReport()) {
    console.log(`  thread ${t.host}: ${t.actors.join(', ')}  wait=${t.wait}${t.cpu === null ? '' : ` cpu=${t.cpu}`}  Cpus_allowed_list=${t.thread?.cpusAllowed ?? '?'}`);
  }
  try {
    await drive(node, o);
  } finally {
    await node.close();
  }
}

async function drive(node: RingcastNode, o: ThreadDemoOptions): Promise<void> {
  const report = new LiveReport();
  let view: DataView = new DataView(new ArrayBuffer(8));
  node.learner(1).onDeliver((d) => {
    const t = clock();
    for (const v of d.values) {
      // A delivery's values share one buffer: one DataView for all of them.
      if (view.buffer !== v.bytes.buffer) view = new DataView(v.bytes.buffer);
      const sent = v.bytes.length >= 8 ? view.getFloat64(v.bytes.byteOffset, true) : t;
      report.delivered(v.bytes.length, (t - sent) * 1000);
    }
  }, { borrow: true }); // read in the callback only: no copy of each delivery needed
  const proposer = node.proposer(1);
  let outstanding = 0;
  let failed = 0;
  const endMs = performance.now() + o.seconds * 1000;
  let nextReport = performance.now() + 1000;
  // propose() copies the value before it returns: one buffer serves every value.
  const value = new Uint8Array(Math.max(8, o.valueBytes));
  const stamp = new DataView(value.buffer);
  // Each answer sends the next value at once: the window stays full between the 1 ms wake-ups.
  let open = true;
  const settled = (): void => {
    outstanding--;
    if (open) proposeOne();
  };
  const proposeOne = (): void => {
    stamp.setFloat64(0, clock(), true);
    outstanding++;
    proposer.propose(value).then(settled, () => (failed++, settled()));
  };
  while (performance.now() < endMs) {
    while (outstanding < o.window) proposeOne();
    await new Promise((r) => setTimeout(r, 1));
    if (performance.now() >= nextReport) {
      nextReport += 1000;
      report.tick(failed > 0 ? `failed ${failed}` : '');
    }
  }
  open = false;
  report.summary('summary (values delivered by the learner, latency from propose to delivery)');
  const c = node.supervisor.counts();
  console.log(`  supervisor  crashes ${c.crashes}, restarts ${c.restarts}`);
}
