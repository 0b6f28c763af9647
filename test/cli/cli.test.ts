/**
 * The `ringcast` command as a user runs it: `node bin/ringcast.js …` in a child process. Help
 * exits 0, bad flags and bad configs exit 2 naming what is wrong, a status nobody answers exits 1.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, writeConfig } from './stub-node.ts';

const BIN = fileURLToPath(new URL('../../bin/ringcast.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function ringcast(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.concurrent('ringcast help', () => {
  it.each([
    [['--help'], /^usage: ringcast <command>/],
    [['help'], /start +run one node of a deployment/],
    [['help', 'start'], /^usage: ringcast start <config> --node <name>/],
    [['start', '--help'], /^usage: ringcast start <config> --node <name>/],
    [['start', '-h'], /--record FILE/],
    [['status', '--help'], /^usage: ringcast status --port P/],
    [['help', 'status'], /--json/],
    [['demo', '--help'], /demo options:/],
  ])('ringcast %j exits 0 with its usage', async (args, usage) => {
    const r = await ringcast(...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(usage);
    expect(r.stderr).toBe('');
  });
});

describe.concurrent('ringcast refuses bad flags with 2, naming the flag', () => {
  it.each([
    [['start', 'x.yaml', '--node', 'a1', '--bogus'], /unknown option '--bogus'/],
    [['start', 'x.yaml'], /missing --node <name>/],
    [['start', 'x.yaml', '--node'], /option '--node <value>' argument missing/],
    [['start', 'x.yaml', '--node', 'a1', '--load', 'many'], /--load must be an integer/],
    [['status', '--port', 'abc'], /--port must be an integer from 1 to 65535, got 'abc'/],
    [['status', '--port', '7101', '--verbose'], /unknown option '--verbose'/],
    [['status'], /missing --port P/],
    [['status', '--port', '7101', '--timeout-ms', '0'], /--timeout-ms must be an integer from 1/],
    [['demo', '--bogus'], /Unknown option '--bogus'/],
    [['launch'], /unknown command "launch"/],
  ])('ringcast %j', async (args, message) => {
    const r = await ringcast(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe.concurrent('ringcast start and status with bad configs', () => {
  it('start with a bad config exits 2 naming the field', async () => {
    const config = writeConfig((c) => (c.rings[0].acceptors[1].node = 'a9'));
    const r = await ringcast('start', config, '--node', 'a1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ringcast start: invalid config: rings\[0\]\.acceptors\[1\]\.node: no node named "a9" \(.*deploy\.yaml:\d+\)\n$/);
  });

  it('start with a missing config exits 2 naming the file', async () => {
    const r = await ringcast('start', '/nonexistent/deploy.yaml', '--node', 'a1');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ringcast start: invalid config: file: /nonexistent/deploy.yaml: no such file\n');
  });

  it('start with a node the config does not have exits 2', async () => {
    const r = await ringcast('start', writeConfig(), '--node', 'b1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--node: no node named "b1"/);
  });

  it('status <config> --node with a bad config exits 2 naming the field', async () => {
    const r = await ringcast('status', writeConfig((c) => (c.transport = { datagramBytesMax: 10 }), 'deploy.json'), '--node', 'a1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ringcast status: invalid config: transport\.datagramBytesMax: must be an integer from 128 to 65507, got 10/);
  });

  it('status <config> --node for a node without a control port exits 2', async () => {
    const r = await ringcast('status', writeConfig(), '--node', 'a2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--node: node a2 has no controlPort/);
  });
});

describe.concurrent('ringcast status with nothing listening', () => {
  it('--port P exits 1 with a clear message', async () => {
    const port = await freePort();
    const r = await ringcast('status', '--port', String(port));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ringcast status: nothing answers on 127.0.0.1:${port} (connection refused); is the node running with controlPort ${port}?\n`);
  });

  it('<config> --node exits 1 too', async () => {
    const port = await freePort();
    const r = await ringcast('status', writeConfig((c) => (c.nodes[0].controlPort = port)), '--node', 'a1', '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing answers on 127\.0\.0\.1:\d+/);
  });
});
