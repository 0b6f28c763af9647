import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/ringcast.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('ringcast bench', () => {
  it('lists the benchmarks with --help', () => {
    const r = run('bench', '--help');
    expect(r.status).toBe(0);
    for (const name of ['single-ring', 'multi-process', 'multi-process-steady', 'ring-floor', 'latency-floor', 'gc-latency', 'overload', 'idle', 'vote-store', 'queue', 'udp', 'codec']) expect(r.stdout).toContain(name);
  });

  it.each(['multi-process-steady', 'udp'])('prints what %s measures and its options with --help, running nothing', (name) => {
    const r = run('bench', name, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ringcast bench ${name}: `));
    expect(r.stdout).toContain(`bench/${name === 'udp' ? 'udp-bench' : name}.ts`);
    expect(r.stdout).not.toMatch(/^ \*|\*\//m);
  });

  it('refuses an unknown benchmark, naming it, with exit code 2', () => {
    const r = run('bench', 'nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown benchmark "nope"');
  });
});
