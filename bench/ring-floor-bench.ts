/**
 * The floor under bench/multi-process-bench.ts: the same pattern of datagrams between processes on
 * loopback, with nothing but node:dgram and the acceptors' log writes, and none of ringcast. What
 * five processes of Node can carry this way on this machine bounds what any Node design built on
 * node:dgram can carry; ringcast's own figures are read against it.
 *
 *   npx tsx bench/ring-floor-bench.ts [--bytes 1024,8192] [--seconds 5] [--warmup 3] [--root DIR]
 *
 * Processes, each one thread, in multicast mode as the five-process benchmark runs it:
 * - proposer: sends batches of values (as many as fit 65,000 bytes) to the coordinator and keeps
 *   8 MiB of values outstanding, each batch acknowledged by a decision;
 * - coordinator (also an acceptor): writes each batch to its log, multicasts it to the group;
 * - acceptor: receives the group, writes each batch to its log, sends a 16-byte vote back;
 * - learner: receives the group, counts a batch's values delivered when its decision comes;
 * - on a vote the coordinator sends a 16-byte decision to the learner and the proposer.
 * No checksums, no threads, no mailboxes, no protocol state: the bytes are handed on as dgram
 * gives them. Logs wrap at 64 MiB (written with pwrite at a position going round), under `--root`
 * (default the OS's temporary directory; /dev/shm as for the five-process benchmark's `--root`).
 * Values/s is what the proposer saw decided over `--seconds` after `--warmup`; CPU per value is the
 * four processes' user + system time over the same window (the fifth process of the ring, the
 * spare acceptor, has nothing to do at steady state and is left out), in all and for each process,
 * to be read against ringcast's processes (bench/multi-process-steady.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { role: { type: 'string' }, bytes: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' }, root: { type: 'string' }, base: { type: 'string' }, dir: { type: 'string' } },
});
const LOOPBACK = '127.0.0.1';
const GROUP = '239.255.77.1';
const DATAGRAM_BYTES_MAX = 65_000;
const BUFFER_BYTES = 4 * 1024 * 1024;
const LOG_WRAP_BYTES = 64 * 1024 * 1024;
const WINDOW_BYTES = 8 * 1024 * 1024;
const enum Kind {
  BATCH = 1,
  VOTE = 3,
  DECISION = 4,
}
type Role = 'proposer' | 'coordinator' | 'acceptor' | 'learner';
const ROLES: readonly Role[] = ['coordinator', 'acceptor', 'learner', 'proposer'];

interface Ports {
  readonly proposer: number;
  readonly coordinator: number;
  readonly acceptor: number;
  readonly learner: number;
  readonly group: number;
}
const portsOf = (base: number): Ports => ({ proposer: base, coordinator: base + 1, acceptor: base + 2, learner: base + 3, group: base + 4 });

// ---------------------------------------------------------------- the roles (child processes)

async function socketOn(port: number, group: number | null): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: group !== null });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(group ?? port, group === null ? LOOPBACK : undefined, () => resolve());
  });
  s.setRecvBufferSize(BUFFER_BYTES);
  s.setSendBufferSize(BUFFER_BYTES);
  if (group !== null) s.addMembership(GROUP, LOOPBACK);
  return s;
}

/** A log written round a 64 MiB file, as an acceptor appends its votes. */
function openLog(dir: string, name: string): (bytes: Uint8Array) => void {
  const fd = openSync(join(dir, `${name}.log`), 'w');
  let position = 0;
  process.on('exit', () => closeSync(fd));
  return (bytes) => {
    if (position + bytes.length > LOG_WRAP_BYTES) position = 0;
    position += writeSync(fd, bytes, 0, bytes.length, position);
  };
}

const small = (kind: Kind, seq: number): Uint8Array => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint8(0, kind);
  v.setUint32(4, seq, true);
  return b;
};

async function runRole(role: Role, bytes: number, ports: Ports, dir: string): Promise<void> {
  let counted = 0;
  const send = (s: Socket, b: Uint8Array, port: number, host = LOOPBACK): void => s.send(b, port, host);
  switch (role) {
    case 'coordinator': {
      const s = await socketOn(ports.coordinator, null);
      s.setMulticastInterface(LOOPBACK);
      s.setMulticastLoopback(true);
      const log = openLog(dir, 'coordinator');
      s.on('message', (m: Buffer) => {
        if (m[0] === Kind.BATCH) {
          log(m);
          send(s, m, ports.group, GROUP);
        } else if (m[0] === Kind.VOTE) {
          const decision = small(Kind.DECISION, m.readUInt32LE(4));
          send(s, decision, ports.learner);
          send(s, decision, ports.proposer);
        }
      });
      break;
    }
    case 'acceptor': {
      const s = await socketOn(ports.acceptor, null);
      const g = await socketOn(0, ports.group);
      const log = openLog(dir, 'acceptor');
      g.on('message', (m: Buffer) => {
        log(m);
        send(s, small(Kind.VOTE, m.readUInt32LE(4)), ports.coordinator);
      });
      break;
    }
    case 'learner': {
      // A batch's values count once both its values (from the group) and its decision are in.
      const waiting = new Map<number, number>();
      const decided = new Set<number>();
      const s = await socketOn(ports.learner, null);
      const g = await socketOn(0, ports.group);
      s.on('message', (m: Buffer) => {
        const seq = m.readUInt32LE(4);
        const values = waiting.get(seq);
        if (values === undefined) decided.add(seq);
        else (waiting.delete(seq), (counted += values));
      });
      g.on('message', (m: Buffer) => {
        const seq = m.readUInt32LE(4);
        const values = m.readUInt16LE(8);
        if (decided.delete(seq)) counted += values;
        else waiting.set(seq, values);
      });
      break;
    }
    case 'proposer': {
      const s = await socketOn(ports.proposer, null);
      const perBatch = Math.max(1, Math.floor((DATAGRAM_BYTES_MAX - 16) / (bytes + 4)));
      const batch = new Uint8Array(16 + perBatch * (bytes + 4));
      const view = new DataView(batch.buffer);
      view.setUint8(0, Kind.BATCH);
      view.setUint16(8, perBatch, true);
      for (let k = 0; k < perBatch; k++) view.setUint32(16 + k * (bytes + 4), bytes, true);
      const windowBatches = Math.max(1, Math.floor(WINDOW_BYTES / (perBatch * bytes)));
      let seq = 0;
      let outstanding = 0;
      const fill = (): void => {
        while (outstanding < windowBatches) {
          view.setUint32(4, ++seq, true);
          outstanding++;
          send(s, batch, ports.coordinator);
        }
      };
      s.on('message', (_m: Buffer, _r: RemoteInfo) => {
        outstanding--;
        counted += perBatch;
        fill();
      });
      // A batch lost on the way (a full receive buffer) is given up after a second, so the window stays open.
      setInterval(() => {
        if (outstanding === windowBatches) outstanding = Math.floor(windowBatches / 2);
        fill();
      }, 1000).unref();
      fill();
      break;
    }
  }
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'report') {
      const cpu = process.cpuUsage();
      process.send?.({ counted, cpuMicros: cpu.user + cpu.system });
    } else if (m.cmd === 'exit') process.exit(0);
  });
  process.send?.({ ready: true });
}

// ---------------------------------------------------------------- the parent

interface Report {
  readonly counted: number;
  readonly cpuMicros: number;
}

function ask(child: ChildProcess): Promise<Report> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Report));
    child.send({ cmd: 'report' });
  });
}

interface Measured {
  readonly valuesPerSec: number;
  readonly cpuMicrosPerValue: number;
  /** CPU per value of each process, in ROLES order. */
  readonly byRole: readonly number[];
}

async function measure(bytes: number, seconds: number, warmup: number, root: string, base: number): Promise<Measured> {
  const dir = mkdtempSync(join(root, 'ringcast-floor-'));
  const me = fileURLToPath(import.meta.url);
  const children = new Map<Role, ChildProcess>();
  try {
    for (const role of ROLES) {
      const child = fork(me, ['--role', role, '--bytes', String(bytes), '--base', String(base), '--dir', dir], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.set(role, child);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`${role} exited (${String(code)}) before it was ready`)));
      });
    }
    await new Promise((r) => setTimeout(r, warmup * 1000));
    const all = [...children.values()];
    const before = await Promise.all(all.map(ask));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await Promise.all(all.map(ask));
    const elapsed = (performance.now() - t0) / 1000;
    const p = ROLES.indexOf('proposer');
    const values = (after[p] as Report).counted - (before[p] as Report).counted;
    const byRole = after.map((r, k) => (r.cpuMicros - (before[k] as Report).cpuMicros) / values);
    return { valuesPerSec: values / elapsed, cpuMicrosPerValue: byRole.reduce((a, b) => a + b, 0), byRole };
  } finally {
    for (const child of children.values()) child.send({ cmd: 'exit' });
    await new Promise((r) => setTimeout(r, 200));
    for (const child of children.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.role !== undefined) {
  if (!ROLES.includes(args.role as Role)) throw new Error(`--role: one of ${ROLES.join(', ')}, not ${args.role}`);
  await runRole(args.role as Role, Number(args.bytes), portsOf(Number(args.base)), args.dir as string);
} else {
  const sizes = (args.bytes ?? '1024,8192').split(',').map(Number);
  const seconds = Number(args.seconds ?? 5);
  const warmup = Number(args.warmup ?? 3);
  for (const [name, v] of [['seconds', seconds], ['warmup', warmup], ...sizes.map((s) => ['bytes', s] as const)] as const) {
    if (!Number.isFinite(v) || v < (name === 'bytes' ? 16 : 0) || (name === 'seconds' && v < 1)) throw new Error(`--${name}: not ${String(v)}`);
  }
  const root = args.root ?? tmpdir();
  console.log(`the five-process pattern with node:dgram alone (no ringcast), logs under ${root}, ${seconds} s after ${warmup} s of load`);
  // Each process beside the total: read against ringcast's processes (multi-process-steady.ts), the
  // coordinator's with a1, the acceptor's with the other voting acceptor, and so on.
  console.log(`| value B | values/s decided | MB/s | CPU µs/value (4 processes) | by process: ${ROLES.join(' / ')} |`);
  console.log('| --- | --- | --- | --- | --- |');
  let base = 23_400;
  for (const bytes of sizes) {
    const r = await measure(bytes, seconds, warmup, root, (base += 10));
    console.log(`| ${bytes} | ${Math.round(r.valuesPerSec).toLocaleString('en-US')} | ${((r.valuesPerSec * bytes) / 1e6).toFixed(1)} | ${r.cpuMicrosPerValue.toFixed(1)} | ${r.byRole.map((c) => c.toFixed(1)).join(' / ')} |`);
  }
  console.log(`load average ${loadavg()[0]?.toFixed(2) ?? '?'} at the end`);
}
