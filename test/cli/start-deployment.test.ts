/**
 * Three `ringcast start` processes on loopback form one ring: a1 proposes with --load, a3 records
 * what its learner delivers, `ringcast status` asks a3, and SIGTERM closes each with exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, writeConfig } from './stub-node.ts';

const BIN = fileURLToPath(new URL('../../bin/ringcast.js', import.meta.url));

interface Proc {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const procs: Proc[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

function ringcast(...args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
  child.stdout?.setEncoding('utf8').on('data', (t: string) => (proc.stdout += t));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (proc.stderr += t));
  procs.push(proc);
  return proc;
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => p.stdout + p.stderr).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ringcast start: three processes, one ring', () => {
  it.each(['multicast', 'ring'] as const)('delivers every value of --load once and in order (%s)', async (mode) => {
    const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const config = writeConfig((c) => {
      c.nodes.forEach((n: Record<string, unknown>, i: number) => Object.assign(n, { port: ports[i], controlPort: ports[i + 3] }));
      if (mode === 'ring') {
        c.rings[0].dissemination = 'ring';
        delete c.rings[0].multicast;
      } else c.rings[0].multicast = { group: `239.255.${process.pid % 250}.${(ports[6] ?? 0) % 250}`, port: ports[6] };
      c.placement = { mode: 'shared', threads: 1, spin: false, pin: false };
    });
    const record = join(dirname(config), 'a3.jsonl');
    const count = 500;
    const [a2, a3] = [ringcast('start', config, '--node', 'a2', '--quiet'), ringcast('start', config, '--node', 'a3', '--record', record)];
    await until('a2 and a3 to run', () => a2.stdout.includes('running') && a3.stdout.includes('running'));
    const a1 = ringcast('start', config, '--node', 'a1', '--load', String(count), '--value-bytes', '64');
    await until('the load to be acked', () => a1.stdout.includes(`load: ${count} acked\n`));

    const seqs = (): number[] =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .split('\n')
            .filter(Boolean)
            .flatMap((l) => (JSON.parse(l) as { values: [number, number][] }).values.map(([node, seq]) => (expect(node).toBe(1), seq)))
        : [];
    await until('a3 to record every value', () => seqs().length >= count);
    expect(seqs()).toEqual(Array.from({ length: count }, (_, i) => i));

    const status = ringcast('status', '--port', String(ports[5]), '--json');
    expect(await status.exited).toBe(0);
    const report = JSON.parse(status.stdout) as { node: { name: string }; rings: { actors: { role: string; status: Record<string, number> }[] }[] };
    expect(report.node.name).toBe('a3');
    expect(report.rings[0]?.actors.find((a) => a.role === 'learner')?.status['valuesDelivered']).toBe(count);
    const readable = ringcast('status', config, '--node', 'a1');
    expect(await readable.exited).toBe(0);
    expect(readable.stdout).toMatch(/^node a1 \(id 1\)/);
    expect(readable.stdout).toMatch(/coordinator 21 +(leading|standby)/);

    for (const p of [a1, a2, a3]) p.child.kill('SIGTERM');
    expect(await Promise.all([a1.exited, a2.exited, a3.exited])).toEqual([0, 0, 0]);
    expect(a3.stdout).toContain('ringcast: node a3 closed');
  }, 90_000);
});
