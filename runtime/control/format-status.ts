/**
 * A node's status report (node-status.ts), as lines for a terminal. The report comes over the
 * network from a node that may run another version: every field is read defensively, and what
 * is missing is left out rather than failing.
 */
import { formatBallot, type Ballot } from '../../src/protocol/ids.ts';

type Fields = Record<string, unknown>;

const fieldsOf = (v: unknown): Fields => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : {});
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const numberOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `label value` pairs, those with a value only. */
function pairs(entries: readonly (readonly [string, string | number | undefined])[]): string {
  return entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (k === '' ? String(v) : `${k} ${typeof v === 'number' ? count(v) : v}`))
    .join('  ');
}

const ballotOf = (v: unknown): string | undefined => {
  const n = numberOf(v);
  return n === undefined ? undefined : formatBallot(n as Ballot);
};

/** The fields worth a glance, per role; the rest is in `--json`. */
function actorLine(actor: Fields): string {
  const role = typeof actor['role'] === 'string' ? actor['role'] : 'actor';
  const head = `${role} ${String(actor['id'] ?? '?')}`.padEnd(16);
  if (actor['status'] === null || actor['status'] === undefined) return `${head}no answer (thread restarting or gone)`;
  const s = fieldsOf(actor['status']);
  const dropped = numberOf(s['dropped']);
  const common: [string, number | undefined][] = [['dropped', dropped === 0 ? undefined : dropped]];
  switch (role) {
    case 'coordinator': {
      // Flow control from the learners: how often the leader waited for one, and learners let go.
      const learners = fieldsOf(s['learners']);
      const holds = numberOf(learners['learnerHolds']);
      const letGo = numberOf(learners['learnersLetGo']);
      return head + pairs([['', typeof s['state'] === 'string' ? s['state'] : undefined], ['ballot', ballotOf(s['ballot'])], ['decidedUpTo', numberOf(s['decidedUpTo'])], ['inflight', numberOf(s['inflight'])], ['queued', numberOf(s['queued'])], ['decided', numberOf(s['instancesDecided'])], ['waited for learners', holds || undefined], ['learners let go', letGo || undefined], ...common]);
    }
    case 'acceptor':
      return head + pairs([['promised', ballotOf(s['promised'])], ['votes', numberOf(s['votes'])], ['storage', typeof s['storage'] === 'string' ? s['storage'] : undefined], ['log segments', numberOf(s['logSegments'])], ['rewrites', numberOf(s['compactions']) || undefined], ...common]);
    case 'learner':
      return head + pairs([['deliveredUpTo', numberOf(s['deliveredUpTo'])], ['instances', numberOf(s['instancesDelivered'])], ['values', numberOf(s['valuesDelivered'])], ['repairs', numberOf(s['repairsSent'])], ...common]);
    case 'proposer':
      return head + pairs([['inflight', numberOf(s['inflight'])], ['waiting', numberOf(s['waiting'])], ...common]);
    default:
      return head + JSON.stringify(s);
  }
}

function ringLines(ring: Fields): string[] {
  const lines = [`ring ${String(ring['id'] ?? '?')}  ${String(ring['dissemination'] ?? '')}${typeof ring['multicast'] === 'string' ? ` ${ring['multicast']}` : ''}`];
  for (const a of listOf(ring['actors'])) lines.push(`  ${actorLine(fieldsOf(a))}`);
  const t = fieldsOf(ring['throughput']);
  const values = numberOf(t['valuesPerSecond']);
  if (values !== undefined) {
    const over = numberOf(t['overMs']);
    lines.push(`  ${'throughput'.padEnd(16)}${count(values)} values/s  ${count(numberOf(t['instancesPerSecond']) ?? 0)} instances/s${over === undefined ? '' : `  (over the last ${(over / 1000).toFixed(1)} s)`}`);
  }
  return lines;
}

function gatewayLine(gateway: Fields): string | null {
  const t = fieldsOf(gateway['transport']);
  if (Object.keys(t).length === 0) return null;
  const counts = pairs([['datagrams sent', numberOf(t['datagramsSent'])], ['received', numberOf(t['datagramsReceived'])], ['dropped', numberOf(t['datagramsDroppedTotal'])], ['gaps', numberOf(t['sequenceGaps'])]]);
  // Whether this node receives the multicast group now (only nodes that need its values do).
  const listening = fieldsOf(t['multicast'])['listening'];
  // Which CRC-32 checks its datagrams: ringcast's native one, or node:zlib's where that is not built.
  const crc = gateway['crc32'];
  // What the kernel granted the unicast socket's receive buffer (capped by net.core.rmem_max):
  // datagrams that overflow it are lost, and show as gaps.
  const recv = numberOf(fieldsOf(t['socketBuffers'])['unicastRecvBytes']);
  const buffer = recv === undefined ? '' : `  recv buffer ${(recv / (1024 * 1024)).toFixed(1)} MiB`;
  return `udp gateway  ${counts}${typeof listening === 'boolean' ? `  multicast ${listening ? 'listening' : 'not listening'}` : ''}${buffer}${typeof crc === 'string' ? `  crc32 ${crc}` : ''}`;
}

function supervisorLines(sup: Fields): string[] {
  const lines = [`supervisor  ${pairs([['crashes', numberOf(sup['crashes'])], ['restarts', numberOf(sup['restarts'])], ['gave up', numberOf(sup['gaveUp'])]])}`];
  for (const c of listOf(sup['children']).map(fieldsOf)) {
    const error = typeof c['lastError'] === 'string' ? `  last error: ${c['lastError']}` : '';
    lines.push(`  ${String(c['id'] ?? '?').padEnd(24)}${String(c['state'] ?? '?').padEnd(11)}restarts ${String(c['restarts'] ?? '?')}${error}`);
  }
  return lines;
}

function threadLines(threads: unknown[]): string[] {
  return threads.map(fieldsOf).map((t) => {
    const info = fieldsOf(t['thread']);
    const actors = listOf(t['actors']).map(String);
    const cpu = numberOf(t['cpu']);
    return `  thread ${String(t['host'] ?? '?')}  wait=${String(t['wait'] ?? '?')}${cpu === undefined ? '' : `  cpu=${cpu}`}  cpus_allowed=${String(info['cpusAllowed'] ?? '?')}  ${actors.length === 0 ? '(gateway)' : actors.join(', ')}`;
  });
}

export function formatStatus(report: unknown): string[] {
  const r = fieldsOf(report);
  const node = fieldsOf(r['node']);
  const uptime = numberOf(node['uptimeMs']);
  const lines = [`node ${String(node['name'] ?? '?')} (id ${String(node['id'] ?? '?')})  ${String(node['host'] ?? '?')}:${String(node['port'] ?? '?')}  pid ${String(node['pid'] ?? '?')}${uptime === undefined ? '' : `  up ${(uptime / 1000).toFixed(1)} s`}`];
  for (const ring of listOf(r['rings'])) lines.push(...ringLines(fieldsOf(ring)));
  const gateway = gatewayLine(fieldsOf(r['gateway']));
  if (gateway !== null) lines.push(gateway);
  lines.push(...supervisorLines(fieldsOf(r['supervisor'])));
  const threads = listOf(r['threads']);
  if (threads.length > 0) lines.push('threads', ...threadLines(threads));
  for (const [name, v] of Object.entries(fieldsOf(r['extras']))) lines.push(`${name}  ${pairs(Object.entries(fieldsOf(v)).map(([k, x]) => [k, typeof x === 'number' || typeof x === 'string' ? x : undefined]))}`);
  return lines;
}
