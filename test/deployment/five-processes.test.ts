/**
 * A ring of five processes on loopback, each started through the CLI (`ringcast start`): three
 * acceptors (two with a coordinator), a proposer that offers load, a learner that records what it
 * delivers. Every value must be delivered exactly once and in the order proposed — with nothing
 * going wrong, with an acceptor process killed (SIGKILL) and started again, with the leading
 * coordinator's process killed, and with 5% of datagrams lost; and, with the learner's process
 * stopped for a moment under full load, every value once (the leader waits for the learner).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requestStatus } from '../../runtime/control/control-client.ts';
import type { NodeStatusReport } from '../../runtime/control/node-status.ts';
import { Deployment, deliveryCheck, problems } from './processes.ts';

const BIN = fileURLToPath(new URL('../../bin/ringcast.js', import.meta.url));

let d: Deployment | null = null;
afterEach(async () => {
  await d?.stopAll();
  d = null;
});

/** The coordinators in a node's status report. */
const coordinatorsIn = (report: NodeStatusReport): NodeStatusReport['rings'][number]['actors'] => report.rings.flatMap((r) => r.actors).filter((x) => x.role === 'coordinator');

/** Polls a node's status until one of its coordinators leads; that coordinator, or the last seen. */
async function leaderOf(controlPort: number, timeoutMs: number): Promise<{ id: number; state: unknown; ballot: number } | undefined> {
  const end = Date.now() + timeoutMs;
  let last: { id: number; state: unknown; ballot: number } | undefined;
  for (;;) {
    const json = execFileSync(process.execPath, [BIN, 'status', '--port', String(controlPort), '--json'], { encoding: 'utf8' });
    for (const a of coordinatorsIn(JSON.parse(json) as NodeStatusReport)) {
      last = { id: a.id, state: a.status?.['state'], ballot: Number(a.status?.['ballot']) };
      if (last.state === 'leading') return last;
    }
    if (Date.now() > end) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startRing(dep: Deployment, count: number, valueBytes = 64): void {
  for (const n of ['a1', 'a2', 'a3']) dep.start(n, ['--quiet']);
  dep.start('l', ['--quiet', '--record', dep.record]);
  dep.start('p', ['--quiet', '--load', String(count), '--value-bytes', String(valueBytes)]);
}

describe('a ring of five processes on loopback, started through the CLI', () => {
  it.each([
    ['multicast', 'own-thread', 19000],
    ['ring', 'own-thread', 19200],
    ['multicast', 'actor-thread', 19300],
  ] as const)('delivers every value exactly once, in order (%s, gateway on its %s)', async (mode, gateway, basePort) => {
    d = new Deployment({ mode, basePort, gateway });
    startRing(d, 3000);
    await d.procs.get('p')?.waitFor(/load: 3000\/3000 acked|load: 3000 acked/, 60_000);
    expect(problems(await d.waitDelivered(3000, 20_000), 3000)).toEqual([]);
  }, 120_000);

  it('survives an acceptor process killed with SIGKILL and started again', async () => {
    const dep = (d = new Deployment({ mode: 'multicast', basePort: 19400 }));
    startRing(dep, 6000);
    await dep.waitDelivered(1500, 60_000);
    dep.procs.get('a2')?.kill('SIGKILL');
    await dep.procs.get('a2')?.exit(5000);
    await new Promise((r) => setTimeout(r, 500));
    const again = dep.start('a2', ['--quiet']);
    await dep.procs.get('p')?.waitFor(/load: 6000\/6000 acked|load: 6000 acked/, 90_000);
    expect(problems(await dep.waitDelivered(6000, 20_000), 6000)).toEqual([]);
    expect(again.alive).toBe(true);
  }, 150_000);

  it('survives an acceptor process killed while its log turns over (sync storage, segments of 64 KiB)', async () => {
    // 256 KiB retained: segments of 64 KiB, begun, dropped and written over again many times
    // in the 6 MB of 1 KB values this ring logs; the kill lands among them, and the process
    // started again reads its log back from reused files.
    const dep = (d = new Deployment({ mode: 'multicast', basePort: 19500, storage: 'sync', protocol: { acceptorRetainedBytesMax: 256 * 1024 } }));
    startRing(dep, 6000, 1024);
    await dep.waitDelivered(2500, 60_000);
    // The acceptor that votes beside the leader's: the one of the other two whose log turned over.
    const leaderNode = (await leaderOf(19500 + 100 + 1, 5_000))?.state === 'leading' ? 'a1' : 'a2';
    const segments = (n: string): number => readdirSync(join(dep.dir, n)).filter((f) => /\.log\.\d+$/.test(f)).length;
    const killed = ['a1', 'a2', 'a3'].filter((n) => n !== leaderNode).sort((x, y) => segments(y) - segments(x))[0] as string;
    dep.procs.get(killed)?.kill('SIGKILL');
    await dep.procs.get(killed)?.exit(5000);
    // Segments were dropped and their files kept or deleted: the highest number is past the count.
    const numbers = readdirSync(join(dep.dir, killed)).flatMap((f) => /\.log\.(\d+)$/.exec(f)?.[1] ?? []).map(Number);
    expect(Math.max(0, ...numbers), readdirSync(join(dep.dir, killed)).join(' ')).toBeGreaterThan(numbers.length);
    await new Promise((r) => setTimeout(r, 300));
    const again = dep.start(killed, ['--quiet']);
    await dep.procs.get('p')?.waitFor(/load: 6000\/6000 acked|load: 6000 acked/, 90_000);
    expect(problems(await dep.waitDelivered(6000, 20_000), 6000)).toEqual([]);
    expect(again.alive).toBe(true);
    // The restarted acceptor read its log back: it runs, and says nothing of a corrupt log.
    expect(again.lines.filter((l) => /corrupt|not a format/.test(l))).toEqual([]);
  }, 150_000);

  it('elects the standby coordinator when the leader’s process is killed', async () => {
    const dep = (d = new Deployment({ mode: 'multicast', basePort: 19600 }));
    startRing(dep, 6000);
    await dep.waitDelivered(1500, 60_000);
    dep.procs.get('a1')?.kill('SIGKILL');
    await dep.procs.get('p')?.waitFor(/load: 6000\/6000 acked|load: 6000 acked/, 90_000);
    expect(problems(await dep.waitDelivered(6000, 20_000), 6000)).toEqual([]);
    // The coordinator on a2 (id 12) leads now, under a ballot of its own: ask that process over
    // its control port (it may be between two Phase 1s for a moment when the machine is busy).
    const leading = await leaderOf(19600 + 100 + 2, 15_000);
    expect(leading).toMatchObject({ id: 12, state: 'leading' });
    expect(Number(leading?.ballot) % 65536).toBe(12);
  }, 150_000);

  it('waits for a learner process that stops for a moment (SIGSTOP), then delivers every value once, in order', async () => {
    // Flow control (src/protocol/learner-flow.ts): the leader opens nothing 256 instances past the
    // slowest learner it hears from. suspectTicks of 3 s, so that a stop of 1.5 s is a slow
    // learner, not a silent one.
    const dep = (d = new Deployment({ mode: 'multicast', basePort: 19700, protocol: { suspectTicks: 300 } }));
    startRing(dep, 40_000, 1024);
    await dep.waitDelivered(4000, 60_000);
    const learner = dep.procs.get('l');
    learner?.kill('SIGSTOP');
    // The leading coordinator's status: a1's or a2's (a2's leads when a1's was not heard in time at the start).
    const coordinator = async (): Promise<Record<string, unknown>> => {
      const reports = await Promise.all([1, 2].map(async (id) => (await requestStatus(19700 + 100 + id, 5000)) as NodeStatusReport));
      return reports.flatMap(coordinatorsIn).find((a) => a.status?.['state'] === 'leading')?.status ?? {};
    };
    try {
      await new Promise((r) => setTimeout(r, 700));
      const held = await coordinator();
      await new Promise((r) => setTimeout(r, 500));
      const later = await coordinator();
      expect(held['state']).toBe('leading');
      const flow = held['learners'] as { learnerHolds: number; slowestUpTo: number };
      expect(flow.learnerHolds).toBeGreaterThanOrEqual(1);
      expect(Number(held['decidedUpTo']) - flow.slowestUpTo).toBeLessThanOrEqual(256);
      // Held: nothing more decided while the learner stays stopped.
      expect(later['decidedUpTo']).toBe(held['decidedUpTo']);
    } finally {
      learner?.kill('SIGCONT');
    }
    await dep.procs.get('p')?.waitFor(/load: 40000\/40000 acked|load: 40000 acked/, 90_000);
    // Every value once, none lost. Not in the order proposed: at full load a Submit lost from a
    // full socket buffer comes back on the proposer's timer, after later runs (README, Known limits).
    const delivered = await dep.waitDelivered(40_000, 30_000);
    expect(delivered).toHaveLength(40_000);
    expect(deliveryCheck(delivered, 0).problems).toEqual([]);
  }, 150_000);

  it('delivers every value exactly once, in order, with 5% of datagrams lost', async () => {
    d = new Deployment({ mode: 'multicast', basePort: 19800, lossRate: 0.05 });
    startRing(d, 3000);
    await d.procs.get('p')?.waitFor(/load: 3000\/3000 acked|load: 3000 acked/, 90_000);
    expect(problems(await d.waitDelivered(3000, 30_000), 3000)).toEqual([]);
  }, 150_000);
});
