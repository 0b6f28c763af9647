/**
 * A stand-in for a started node of a deployment: what `ringcast start` uses of RingcastNode,
 * without threads or sockets. A test delivers instances and decides how proposals end.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';
import { instance, ringId, valueId, nodeId, type ValueId } from '../../src/protocol/ids.ts';
import type { DeploymentConfig } from '../../runtime/config/deployment.ts';
import type { NodeStarter, StartDeps, StartedNode } from '../../runtime/cli/start-command.ts';
import type { SupervisorOptions } from '../../runtime/supervisor/restart-policy.ts';
import { Supervisor } from '../../runtime/supervisor/supervisor.ts';
import { baseDeployment, type Raw } from '../config/fixtures.ts';

export class StubNode implements StartedNode {
  readonly supervisor: Supervisor;
  readonly proposed: { ring: number; index: number; bytes: Uint8Array }[] = [];
  readonly subscribers: { ring: number; index: number; cb: (d: DeliveredInstance) => void }[] = [];
  closed = false;
  /** How a proposal ends; default: acked at once. */
  onPropose: (bytes: Uint8Array, n: number) => Promise<ValueId> = async (_b, n) => valueId(nodeId(41), n);

  constructor(supervisor: Partial<SupervisorOptions> = {}) {
    this.supervisor = new Supervisor(supervisor);
  }

  proposer(ring: number, index = 0): ReturnType<StartedNode['proposer']> {
    return {
      address: 41,
      // Copies the value before it returns, as the API promises (the load reuses its buffer).
      propose: (bytes) => {
        this.proposed.push({ ring, index, bytes: bytes.slice() });
        return this.onPropose(bytes, this.proposed.length - 1);
      },
    };
  }
  learner(ring: number, index = 0): ReturnType<StartedNode['learner']> {
    return {
      address: 31,
      onDeliver: (cb) => {
        const entry = { ring, index, cb };
        this.subscribers.push(entry);
        return () => this.subscribers.splice(this.subscribers.indexOf(entry), 1);
      },
    };
  }
  /** Delivers one instance of `values` to every subscriber. */
  deliver(ring: number, inst: number, values: Uint8Array[]): void {
    const d: DeliveredInstance = { ring: ringId(ring), instance: instance(inst), values: values.map((bytes, k) => ({ id: valueId(nodeId(41), k), bytes })), slots: 1 };
    for (const s of this.subscribers) s.cb(d);
  }
  async status(): ReturnType<StartedNode['status']> {
    return [{ host: 1, actors: [{ address: 41, name: 'ring1.proposer0', status: { role: 'proposer', inflight: 0 } }], mailbox: {}, runPool: {} }];
  }
  threadReport(): ReturnType<StartedNode['threadReport']> {
    return [{ index: 0, actors: ['ring1.proposer0'], wait: 'block', cpu: null, host: 1, thread: null }];
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Captured output, signals to send, and the starter that hands out `node`. */
export class Harness {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly signals = new EventEmitter();
  started: { deployment: DeploymentConfig; self: string } | null = null;
  constructor(readonly node: StubNode = new StubNode()) {}

  readonly startNode: NodeStarter = async (o, setup) => {
    this.started = o;
    setup?.(this.node);
    return this.node;
  };

  deps(overrides: Partial<StartDeps> = {}): StartDeps {
    return { startNode: this.startNode, stdout: (l) => void this.out.push(l), stderr: (l) => void this.err.push(l), signals: this.signals, ...overrides };
  }

  /** Resolves once a line of stdout matches. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const line = this.out.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (Date.now() > end) throw new Error(`no line matching ${pattern} in:\n${this.out.join('\n')}\n${this.err.join('\n')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** A free TCP port on 127.0.0.1 (free when asked: good enough for a test). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof a === 'object' && a !== null ? a.port : 0;
}

/** Writes the base deployment, changed by `mutate`, in a fresh directory (JSON or YAML by `name`). */
export function writeConfig(mutate: (c: Raw) => void = () => undefined, name = 'deploy.yaml'): string {
  const c = baseDeployment();
  mutate(c);
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-cli-'));
  // Acceptor logs in the test's own directory: never the default .ringcast/ of the working directory,
  // which would carry votes and promises from one run into the next.
  for (const n of c.nodes as Record<string, unknown>[]) if (n['dataDir'] === undefined) n['dataDir'] = join(dir, String(n['id']));
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.json') ? JSON.stringify(c, null, 2) : stringify(c));
  return path;
}
