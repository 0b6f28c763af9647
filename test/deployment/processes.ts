/**
 * Runs the nodes of a deployment as separate processes through the CLI (`ringcast start`), for
 * the multi-process tests and benchmark: writes the config, spawns and kills processes, waits for
 * lines they print, and reads what a learner recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/ringcast.js', import.meta.url));

export interface FiveNodeOptions {
  readonly mode: 'multicast' | 'ring';
  readonly basePort: number;
  readonly lossRate?: number;
  /** Where each node's UDP gateway runs (placement.gateway); the default of the config otherwise. */
  readonly gateway?: 'own-thread' | 'actor-thread';
  /**
   * The directory the deployment's own directory is made in (config, acceptor logs, the
   * learner's record); the OS's temporary directory by default. /dev/shm puts the logs in memory.
   */
  readonly root?: string;
}

/** Five processes: three acceptors (two of them with a coordinator), a proposer, a learner. */
export function fiveNodeConfig(o: FiveNodeOptions, dir: string): unknown {
  const node = (name: string, id: number) => ({ name, id, host: '127.0.0.1', port: o.basePort + id, controlPort: o.basePort + 100 + id, dataDir: join(dir, name) });
  return {
    nodes: [node('a1', 1), node('a2', 2), node('a3', 3), node('p', 4), node('l', 5)],
    rings: [
      {
        id: 1,
        dissemination: o.mode,
        ...(o.mode === 'multicast' ? { multicast: { group: `239.255.44.${o.basePort % 250}`, port: o.basePort + 50, interface: '127.0.0.1' } } : {}),
        acceptors: [{ id: 1, node: 'a1' }, { id: 2, node: 'a2' }, { id: 3, node: 'a3' }],
        coordinators: [{ id: 11, node: 'a1' }, { id: 12, node: 'a2' }],
        learners: [{ id: 21, node: 'l' }],
        proposers: [{ id: 31, node: 'p' }],
      },
    ],
    placement: { mode: 'shared', threads: 1, spin: false, ...(o.gateway === undefined ? {} : { gateway: o.gateway }) },
    ...(o.lossRate === undefined ? {} : { transport: { faults: { lossRate: o.lossRate, seed: 11 } } }),
  };
}

export class NodeProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private exited = false;

  constructor(
    readonly name: string,
    config: string,
    args: readonly string[],
  ) {
    this.child = spawn(process.execPath, [BIN, 'start', config, '--node', name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const take = (chunk: Buffer): void => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.child.on('exit', () => (this.exited = true));
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves with the first line matching `re`, or rejects after `timeoutMs`. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => re.test(l));
      if (line !== undefined) return line;
      if (Date.now() > end) throw new Error(`node ${this.name}: no line matching ${re} within ${timeoutMs} ms; it printed:\n${this.lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * The next progress line of a load (`ringcast start --load`, one a second) printed after this
   * call: the values acked so far, and when the line arrived (performance.now()).
   */
  async nextProgress(timeoutMs: number): Promise<{ acked: number; atMs: number }> {
    const from = this.lines.length;
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let k = from; k < this.lines.length; k++) {
        const m = /^load: (\d+)\/\d+ acked/.exec(this.lines[k] as string);
        if (m !== null) return { acked: Number(m[1]), atMs: performance.now() };
      }
      if (Date.now() > end || this.exited) throw new Error(`node ${this.name}: no progress line within ${timeoutMs} ms; it printed:\n${this.lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async exit(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.exited && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

export class Deployment {
  readonly dir: string;
  readonly config: string;
  readonly record: string;
  readonly procs = new Map<string, NodeProcess>();

  constructor(o: FiveNodeOptions) {
    this.dir = mkdtempSync(join(o.root ?? tmpdir(), 'ringcast-deploy-'));
    this.config = join(this.dir, 'deployment.json');
    this.record = join(this.dir, 'delivered.jsonl');
    writeFileSync(this.config, JSON.stringify(fiveNodeConfig(o, this.dir), null, 2));
  }

  start(name: string, args: readonly string[] = []): NodeProcess {
    const p = new NodeProcess(name, this.config, args);
    this.procs.set(name, p);
    return p;
  }

  /** (proposer node id, sequence) of every value the learner recorded, in delivery order. */
  delivered(): [number, number][] {
    if (!existsSync(this.record)) return [];
    const out: [number, number][] = [];
    for (const line of readFileSync(this.record, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(...(JSON.parse(line) as { values: [number, number][] }).values);
      } catch {
        // The last line may be half written while the learner runs.
      }
    }
    return out;
  }

  async waitDelivered(count: number, timeoutMs: number): Promise<[number, number][]> {
    const end = Date.now() + timeoutMs;
    let d = this.delivered();
    while (d.length < count && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      d = this.delivered();
    }
    return d;
  }

  async stopAll(): Promise<void> {
    for (const p of this.procs.values()) if (p.alive) p.kill('SIGTERM');
    await Promise.all([...this.procs.values()].map((p) => p.exit(5000)));
  }
}
