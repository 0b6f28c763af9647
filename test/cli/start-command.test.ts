/**
 * `ringcast start` against a stub node (no threads, no sockets but the control port): control
 * port, signals, --load, --record, and the ways it refuses to start.
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RingcastError } from '../../src/errors.ts';
import { runStart } from '../../runtime/cli/start-command.ts';
import { loadValueTag } from '../../runtime/cli/load-and-record.ts';
import { requestStatus } from '../../runtime/control/control-client.ts';
import { ControlServer } from '../../runtime/control/control-server.ts';
import { Harness, StubNode, freePort, writeConfig } from './stub-node.ts';
import { crc32Implementation } from '../../runtime/native/crc32.ts';

describe('ringcast start (stub node)', () => {
  it('starts the node of the config, answers status on its control port, and closes on SIGTERM with 0', async () => {
    const port = await freePort();
    const config = writeConfig((c) => (c.nodes[0].controlPort = port));
    const h = new Harness();
    const exit = runStart([config, '--node', 'a1'], h.deps());
    await h.waitFor(/^ringcast: node a1 running \(control port \d+\)/);
    expect(h.started?.self).toBe('a1');
    expect(Object.isFrozen(h.started?.deployment)).toBe(true);
    expect(h.out).toEqual(expect.arrayContaining(['  ring 1  acceptor    11', '  ring 1  coordinator 21', '  ring 1  proposer    41']));
    // Which CRC-32 checks its datagrams and logs (the native one here, unless RINGCAST_NATIVE=0 or not built).
    expect(h.out).toContainEqual(crc32Implementation.implementation === 'native' ? '  crc32 native' : `  crc32 zlib (${crc32Implementation.reason})`);
    const status = (await requestStatus(port, 2000)) as { node: { name: string }; rings: { actors: { id: number }[] }[] };
    expect(status.node.name).toBe('a1');
    expect(status.rings[0]?.actors.map((a) => a.id)).toEqual([21, 11, 41]);
    h.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(h.node.closed).toBe(true);
    await expect(requestStatus(port, 500)).rejects.toMatchObject({ failure: 'unreachable' });
    expect(h.signals.listenerCount('SIGINT') + h.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('closes on SIGINT too; --quiet prints only the ready line', async () => {
    const h = new Harness();
    const exit = runStart([writeConfig(), '--node', 'a2', '--quiet'], h.deps());
    await h.waitFor(/running/);
    h.signals.emit('SIGINT');
    expect(await exit).toBe(0);
    expect(h.out).toEqual(['ringcast: node a2 running; SIGINT or SIGTERM stops it']);
  });

  it('--load N proposes N numbered values through the local proposer and prints "load: N acked"', async () => {
    const h = new Harness();
    const exit = runStart([writeConfig(), '--node', 'a1', '--load', '300', '--value-bytes', '16'], h.deps());
    await h.waitFor(/^load: 300 acked$/);
    h.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(h.node.proposed).toHaveLength(300);
    expect(h.node.proposed.every((p) => p.ring === 1 && p.index === 0 && p.bytes.length === 16)).toBe(true);
    expect(h.node.proposed.map((p) => loadValueTag(p.bytes))).toEqual(Array.from({ length: 300 }, (_, i) => [1, i]));
  });

  it('--load retries a proposal refused for a passing reason', async () => {
    const h = new Harness();
    h.node.onPropose = async (_b, n) => {
      if (n % 3 === 0 && n < 30) throw new RingcastError(ErrorCode.PROPOSER_FULL, 'full');
      return 0 as never;
    };
    const exit = runStart([writeConfig(), '--node', 'a1', '--load', '20', '--quiet'], h.deps());
    await h.waitFor(/^load: 20 acked$/);
    h.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    const seqs = h.node.proposed.map((p) => loadValueTag(p.bytes)?.[1]);
    expect(new Set(seqs).size).toBe(20);
    expect(seqs.length).toBeGreaterThan(20);
  });

  it('--load stops on an error no retry can fix, and the node keeps running', async () => {
    const h = new Harness();
    h.node.onPropose = async () => {
      throw new RingcastError(ErrorCode.VALUE_TOO_LARGE, 'value of 1048576 bytes exceeds submitBytesMax');
    };
    const exit = runStart([writeConfig(), '--node', 'a1', '--load', '5'], h.deps());
    await h.waitFor(/running/);
    await expect.poll(() => h.err.join('\n')).toMatch(/load stopped: value of 1048576 bytes exceeds submitBytesMax/);
    h.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('--record appends one JSON line per delivered instance, flushed while the node runs', async () => {
    const config = writeConfig();
    const record = join(dirname(config), 'delivered.jsonl');
    const h = new Harness();
    const exit = runStart([config, '--node', 'a3', '--record', record], h.deps());
    await h.waitFor(/running/);
    const value = (seq: number, node: number): Uint8Array => new Uint8Array([seq, 0, 0, 0, node, 0, 0, 0, 9, 9]);
    h.node.deliver(1, 0, [value(0, 1), value(1, 1)]);
    h.node.deliver(1, 1, [value(0, 2), new Uint8Array(3)]);
    await expect.poll(() => readFileSync(record, 'utf8')).toBe(
      '{"ring":1,"learner":31,"instance":0,"values":[[1,0],[1,1]]}\n{"ring":1,"learner":31,"instance":1,"values":[[2,0],null]}\n',
    );
    h.node.deliver(1, 2, []);
    h.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(readFileSync(record, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('notes --load and --record on a node without proposer or learner, and runs anyway', async () => {
    const h = new Harness();
    const exit = runStart([writeConfig(), '--node', 'a2', '--load', '5', '--record', '/nonexistent/x.jsonl'], h.deps());
    await h.waitFor(/running/);
    h.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(h.err).toEqual(['ringcast start: node a2 hosts no learner; --record ignored', 'ringcast start: node a2 hosts no proposer; --load ignored']);
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown node', ['--node', 'a9'], /--node: no node named "a9" in .* \(nodes: a1, a2, a3\)/],
    ['no --node', [], /missing --node <name>/],
    ['--rate without --load', ['--node', 'a1', '--rate', '10'], /--rate needs --load N/],
    ['a bad --load', ['--node', 'a1', '--load', '0'], /--load must be an integer from 1/],
    ['a bad --value-bytes', ['--node', 'a1', '--load', '5', '--value-bytes', '4'], /--value-bytes must be an integer from 8/],
    ['a bad --rate', ['--node', 'a1', '--load', '5', '--rate', 'fast'], /--rate must be a number/],
    ['--window without --load', ['--node', 'a1', '--window', '10'], /--window needs --load N/],
    ['a bad --window', ['--node', 'a1', '--load', '5', '--window', '0'], /--window must be an integer from 1/],
    ['an unknown flag', ['--node', 'a1', '--verbose'], /unknown option '--verbose'/],
    ['two configs', ['--node', 'a1', 'other.yaml'], /unexpected argument 'other\.yaml'/],
  ])('refuses %s with 2, naming the flag', async (_what, args, message) => {
    const h = new Harness();
    expect(await runStart([writeConfig(), ...args], h.deps())).toBe(2);
    expect(h.err.join('\n')).toMatch(message);
    expect(h.started).toBeNull();
  });

  it('refuses a bad config with 2 and the ConfigError message, before starting anything', async () => {
    const h = new Harness();
    const config = writeConfig((c) => (c.rings[0].acceptors[1].node = 'a9'));
    expect(await runStart([config, '--node', 'a1'], h.deps())).toBe(2);
    const line = readFileSync(config, 'utf8').split('\n').findIndex((l) => l.includes('node: a9')) + 1;
    expect(h.err).toEqual([`ringcast start: invalid config: rings[0].acceptors[1].node: no node named "a9" (${config}:${line})`]);
    expect(h.started).toBeNull();
  });

  it('exits 1 when the node fails to start', async () => {
    const h = new Harness();
    const startNode = async (): Promise<never> => {
      throw new Error('bind EADDRINUSE 127.0.0.1:7001');
    };
    expect(await runStart([writeConfig(), '--node', 'a1'], h.deps({ startNode }))).toBe(1);
    expect(h.err).toEqual(['ringcast start: node a1 failed to start: bind EADDRINUSE 127.0.0.1:7001']);
  });

  it('exits 1, with the node closed, when its control port is taken', async () => {
    const taken = await ControlServer.listen({ port: 0, getStatus: async () => null });
    try {
      const h = new Harness();
      expect(await runStart([writeConfig((c) => (c.nodes[0].controlPort = taken.port)), '--node', 'a1'], h.deps())).toBe(1);
      expect(h.err.join('\n')).toMatch(/control port 127\.0\.0\.1:\d+: EADDRINUSE/);
      expect(h.node.closed).toBe(true);
    } finally {
      await taken.close();
    }
  });

  it('closes the node and exits 1 when the supervisor gives up', async () => {
    const h = new Harness(new StubNode({ intensity: 0 }));
    const exit = runStart([writeConfig(), '--node', 'a1'], h.deps());
    await h.waitFor(/running/);
    // A child that crashes once: with intensity 0, the supervisor gives up at once.
    await h.node.supervisor.startChild({
      id: 'ring1.acceptor0',
      restart: 'permanent',
      start: async () => ({ stop: async () => undefined, onExit: (cb) => void setTimeout(() => cb('crash', new Error('boom')), 5) }),
    });
    expect(await exit).toBe(1);
    expect(h.err.join('\n')).toMatch(/the supervisor gave up \(ring1\.acceptor0 crashed too often\)/);
    expect(h.node.closed).toBe(true);
  });
});
