/**
 * The scenario harness: each command of a test file has a small handler that drives a Cluster
 * and prints what happened, so that a scenario reads as a transcript of the protocol.
 */
import { Cluster, type ClusterEvent } from '../../src/sim/cluster.ts';
import { formatMessage } from '../../src/sim/format.ts';
import { formatBallot, formatValueId, nodeId, ringId, type NodeId } from '../../src/protocol/ids.ts';
import type { Message, MessageType } from '../../src/protocol/messages.ts';
import type { Dissemination, ProtocolOptions } from '../../src/protocol/options.ts';
import type { TestCase } from './datadriven.ts';

interface DropRule {
  readonly type: MessageType | '*';
  readonly from: NodeId | null;
  readonly to: NodeId | null;
  readonly instance: number | null;
  remaining: number;
}

type Handler = (h: Harness, args: Map<string, string>, positional: string[]) => string;

const ids = (s: string | undefined): NodeId[] => (s === undefined || s === '' ? [] : s.split(',').map((x) => nodeId(Number(x))));

const messageInstance = (m: Message): number | null => ('instance' in m ? m.instance : null);

export class Harness {
  cluster: Cluster | null = null;
  private rules: DropRule[] = [];
  private lines: string[] = [];
  private verbose = false;

  get c(): Cluster {
    if (this.cluster === null) throw new Error('no ring yet: the file must start with a ring command');
    return this.cluster;
  }

  run(tc: TestCase): string {
    const args = new Map<string, string>();
    const positional: string[] = [];
    for (const a of tc.args) {
      const eq = a.indexOf('=');
      if (eq > 0) args.set(a.slice(0, eq), a.slice(eq + 1));
      else positional.push(a);
    }
    const handler = HANDLERS[tc.command];
    if (handler === undefined) throw new Error(`line ${tc.line}: unknown command ${tc.command}`);
    return handler(this, args, positional);
  }

  /** Runs the cluster, collecting event lines; verbose lists every message received except heartbeats. */
  runTicks(ticks: number, verbose: boolean, until?: () => boolean): string {
    this.lines = [];
    this.verbose = verbose;
    if (until === undefined) this.c.run(ticks);
    else if (!this.c.runUntil(until, ticks)) this.lines.push(`(not reached within ${ticks} ticks)`);
    return this.lines.join('\n');
  }

  makeCluster(mode: Dissemination, acceptors: NodeId[], coordinators: NodeId[], learners: NodeId[], proposers: NodeId[], protocol: Partial<ProtocolOptions>): void {
    this.rules = [];
    this.cluster = new Cluster({
      ring: { ring: ringId(1), acceptors, coordinators, learners, dissemination: mode },
      proposers,
      protocol,
      policy: (from, to, msg) => ({ drop: this.shouldDrop(from, to, msg), delayTicks: 1, duplicates: 0 }),
    });
    this.cluster.onEvent = (e) => this.onEvent(e);
  }

  addRule(rule: DropRule): void {
    this.rules.push(rule);
  }
  clearRules(): void {
    this.rules = [];
  }

  private shouldDrop(from: NodeId, to: NodeId, msg: Message): boolean {
    for (const r of this.rules) {
      if (r.remaining <= 0) continue;
      if (r.type !== '*' && r.type !== msg.type) continue;
      if ((r.from !== null && r.from !== from) || (r.to !== null && r.to !== to)) continue;
      if (r.instance !== null && messageInstance(msg) !== r.instance) continue;
      r.remaining--;
      return true;
    }
    return false;
  }

  private onEvent(e: ClusterEvent): void {
    switch (e.kind) {
      case 'recv':
        if (this.verbose && e.msg.type !== 'heartbeat') this.lines.push(`t=${e.at} ${e.from}->${e.to} ${formatMessage(e.msg)}`);
        return;
      case 'drop':
        if (this.verbose || e.msg.type !== 'heartbeat') this.lines.push(`t=${e.at} DROP ${e.from}->${e.to} ${formatMessage(e.msg)}`);
        return;
      case 'delivered':
        this.lines.push(`t=${e.at} learner ${e.learner} delivers i=${e.d.instance} [${e.d.values.map((v) => formatValueId(v.id)).join(' ')}]${e.d.values.length === 0 ? ' (no values)' : ''}`);
        return;
      case 'acked':
        this.lines.push(`t=${e.at} proposer ${e.proposer} acked ${formatValueId(e.id)}`);
        return;
      case 'crash':
      case 'restart':
        this.lines.push(`t=${e.at} ${e.kind} ${e.node}`);
        return;
    }
  }
}

function statusLines(c: Cluster): string {
  const out: string[] = [];
  for (const id of c.nodeIds) {
    if (!c.isUp(id)) {
      out.push(`${id}: down`);
      continue;
    }
    switch (c.kindOf(id)) {
      case 'coordinator': {
        const r = c.coordinator(id);
        const lead = r.currentStatus === 'leading' ? ` ring=${r.currentLayout.join(',')} inflight=${r.instancesInFlight}` : '';
        out.push(`${id}: coordinator ${r.currentStatus} b=${formatBallot(r.currentBallot)} decidedUpTo=${r.decidedWatermark}${lead}`);
        break;
      }
      case 'acceptor': {
        const r = c.acceptor(id);
        out.push(`${id}: acceptor promised=${formatBallot(r.promisedBallot)} votes=${r.retainedInstances}`);
        break;
      }
      case 'learner':
        out.push(`${id}: learner deliveredUpTo=${c.learner(id).deliveredUpTo}`);
        break;
      case 'proposer':
        out.push(`${id}: proposer inflight=${c.proposer(id).valuesInFlight}`);
        break;
    }
  }
  return out.join('\n');
}

function checkAgreement(c: Cluster): string {
  const logs = [...c.delivered.entries()].flatMap(([l, incs]) => incs.map((log, k) => ({ name: `${l}#${k}`, log })));
  const problems: string[] = [];
  for (const a of logs) {
    const seen = new Set<number>();
    for (const d of a.log) for (const v of d.values) {
      if (seen.has(v.id)) problems.push(`${a.name} delivered ${formatValueId(v.id)} twice`);
      seen.add(v.id);
    }
    for (const b of logs) {
      const n = Math.min(a.log.length, b.log.length);
      for (let i = 0; i < n; i++) {
        const x = a.log[i]?.values.map((v) => v.id).join(',');
        const y = b.log[i]?.values.map((v) => v.id).join(',');
        if (x !== y) problems.push(`${a.name} and ${b.name} differ at position ${i}`);
      }
    }
  }
  return problems.length === 0 ? 'ok: learners agree' : [...new Set(problems)].join('\n');
}

const HANDLERS: Record<string, Handler> = {
  ring(h, a) {
    const protocol: Record<string, number> = {};
    for (const [k, v] of a) if (!['acceptors', 'coordinators', 'learners', 'proposers', 'mode'].includes(k)) protocol[k] = Number(v);
    h.makeCluster((a.get('mode') ?? 'multicast') as Dissemination, ids(a.get('acceptors')), ids(a.get('coordinators')), ids(a.get('learners')), ids(a.get('proposers')), protocol);
    return 'ok';
  },
  elect(h) {
    const c = h.c;
    h.runTicks(1000, false, () => c.leader() !== null);
    const leader = c.leader();
    if (leader === null) return 'no leader';
    const r = c.coordinator(leader);
    return `leader ${leader} b=${formatBallot(r.currentBallot)} ring=${r.currentLayout.join(',')}`;
  },
  propose(h, a, p) {
    const proposer = nodeId(Number(p[0]));
    const count = Number(p[1] ?? '1');
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = h.c.propose(proposer, new Uint8Array(Number(a.get('bytes') ?? '8')));
      out.push(id === null ? 'refused (back-pressure)' : formatValueId(id));
    }
    return out.join(' ');
  },
  run(h, a, p) {
    const ticks = Number(p[0] ?? '10');
    return h.runTicks(ticks, a.get('verbose') !== 'false');
  },
  drop(h, a, p) {
    const count = a.get('count') ?? '1';
    h.addRule({
      type: (p[0] ?? '*') as MessageType | '*',
      from: a.has('from') ? nodeId(Number(a.get('from'))) : null,
      to: a.has('to') ? nodeId(Number(a.get('to'))) : null,
      instance: a.has('instance') ? Number(a.get('instance')) : null,
      remaining: count === 'all' ? Infinity : Number(count),
    });
    return 'ok';
  },
  heal(h) {
    h.clearRules();
    return 'ok';
  },
  crash(h, _a, p) {
    h.c.crash(nodeId(Number(p[0])));
    return 'ok';
  },
  restart(h, _a, p) {
    h.c.restart(nodeId(Number(p[0])));
    return 'ok';
  },
  status(h) {
    return statusLines(h.c);
  },
  votes(h, _a, p) {
    const r = h.c.acceptor(nodeId(Number(p[0])));
    const out: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const v = r.voteOf(i as never);
      if (v === undefined) continue;
      const value = formatMessage({ type: 'deliver', ring: ringId(1), from: nodeId(0), entries: [{ instance: i as never, ballot: v.ballot, value: v.value }] }).slice('deliver '.length);
      out.push(`${value}${v.decided ? ' decided' : ''}`);
    }
    return out.join('\n') || 'no votes';
  },
  deliveries(h, _a, p) {
    const learner = nodeId(Number(p[0]));
    const incs = h.c.delivered.get(learner) ?? [];
    const log = incs[incs.length - 1] ?? [];
    return log.map((d) => `i=${d.instance} [${d.values.map((v) => formatValueId(v.id)).join(' ')}]`).join('\n') || 'nothing delivered';
  },
  check(h) {
    return checkAgreement(h.c);
  },
};
