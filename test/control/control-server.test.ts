/**
 * The control port over a real TCP socket on 127.0.0.1: a status round trip, errors for what is
 * malformed, unknown or too long, and a server that keeps serving through all of it.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlRequestError, requestControl, requestStatus } from '../../runtime/control/control-client.ts';
import { CONTROL_REQUEST_BYTES_MAX } from '../../runtime/control/control-protocol.ts';
import { ControlServer, type ControlServerOptions } from '../../runtime/control/control-server.ts';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(options: Partial<ControlServerOptions> = {}): Promise<ControlServer> {
  let calls = 0;
  const server = await ControlServer.listen({ port: 0, getStatus: async () => ({ node: 'a1', calls: ++calls }), ...options });
  closers.push(() => server.close());
  return server;
}

/** A raw client: send bytes, read answer lines. */
class LineClient {
  private buffer = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly lines: string[] = [];
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const w = this.waiting.shift();
        if (w !== undefined) w(line);
        else this.lines.push(line);
      }
    });
  }
  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new LineClient(socket)));
      socket.on('error', reject);
      closers.push(() => void socket.destroy());
    });
  }
  send(text: string): void {
    this.socket.write(text);
  }
  async answer(): Promise<Record<string, unknown>> {
    const line = this.lines.shift() ?? (await new Promise<string>((resolve) => this.waiting.push(resolve)));
    return JSON.parse(line) as Record<string, unknown>;
  }
}

describe('control server', () => {
  it('answers status over TCP on the port it picked (asked for port 0)', async () => {
    const server = await serve();
    expect(server.port).toBeGreaterThan(0);
    expect(await requestStatus(server.port, 2000)).toEqual({ node: 'a1', calls: 1 });
    expect(await requestControl(server.port, { command: 'status', id: 'q7' }, 2000)).toEqual({ ok: true, id: 'q7', status: { node: 'a1', calls: 2 } });
  });

  it('answers several requests on one connection, in order, however the bytes are split', async () => {
    const server = await serve();
    const client = await LineClient.open(server.port);
    client.send('{"command":"status","id":1}\n{"command":"sta');
    await new Promise((r) => setTimeout(r, 20));
    client.send('tus","id":2}\r\n\n{"command":"status","id":3}\n');
    expect([await client.answer(), await client.answer(), await client.answer()].map((a) => a['id'])).toEqual([1, 2, 3]);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', 'hello\n', /malformed request: not JSON/],
    ['JSON that is not an object', '[1,2]\n', /malformed request: expected an object/],
    ['an object without a command', '{"cmd":"status"}\n', /malformed request/],
    ['a command that is not a string', '{"command":7}\n', /malformed request/],
    ['an unknown command', '{"command":"stop"}\n', /unknown command "stop" \(commands: status\)/],
  ])('answers %s with an error, and serves the next request', async (_what, line, error) => {
    const server = await serve();
    const client = await LineClient.open(server.port);
    client.send(line);
    const answer = await client.answer();
    expect(answer['ok']).toBe(false);
    expect(answer['error']).toMatch(error);
    client.send('{"command":"status"}\n');
    expect(await client.answer()).toEqual({ ok: true, status: { node: 'a1', calls: 1 } });
  });

  it('answers an oversized line as soon as it passes the limit, skips the rest of it, and goes on', async () => {
    const server = await serve({ requestBytesMax: 1024 });
    const client = await LineClient.open(server.port);
    client.send('{"command":"status","pad":"' + 'x'.repeat(2000));
    const answer = await client.answer();
    expect(answer).toEqual({ ok: false, error: 'request line longer than 1024 bytes; skipped up to the next newline' });
    client.send('x'.repeat(5000) + '"}\n{"command":"status"}\n');
    expect(await client.answer()).toEqual({ ok: true, status: { node: 'a1', calls: 1 } });
  });

  it('has a named default line limit', async () => {
    const server = await serve();
    const client = await LineClient.open(server.port);
    client.send('x'.repeat(CONTROL_REQUEST_BYTES_MAX + 1));
    expect((await client.answer())['error']).toMatch(`longer than ${CONTROL_REQUEST_BYTES_MAX} bytes`);
  });

  it('answers a failing or a stuck getStatus with an error', async () => {
    const failing = await serve({ getStatus: () => Promise.reject(new Error('thread 2 is gone')) });
    await expect(requestControl(failing.port, { command: 'status' }, 2000)).resolves.toEqual({ ok: false, error: 'status failed: thread 2 is gone' });
    const stuck = await serve({ getStatus: () => new Promise(() => undefined), statusTimeoutMs: 50 });
    await expect(requestControl(stuck.port, { command: 'status' }, 2000)).resolves.toEqual({ ok: false, error: 'status failed: no answer within 50 ms' });
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const unserialisable = await serve({ getStatus: async () => circular });
    const answer = await requestControl(unserialisable.port, { command: 'status' }, 2000);
    expect(answer.ok).toBe(false);
    await expect(requestStatus(unserialisable.port, 2000)).rejects.toMatchObject({ failure: 'refused' });
  });

  it('keeps serving other clients when one sends garbage and vanishes', async () => {
    const server = await serve();
    const rude = await LineClient.open(server.port);
    rude.send('\x00\xff garbage without newline');
    rude.socket.destroy();
    expect(await requestStatus(server.port, 2000)).toEqual({ node: 'a1', calls: 1 });
  });

  it('refuses a port in use, and close() frees it', async () => {
    const server = await serve();
    await expect(ControlServer.listen({ port: server.port, getStatus: async () => 1 })).rejects.toThrow(/EADDRINUSE/);
    const client = await LineClient.open(server.port);
    await server.close();
    await new Promise<void>((resolve) => (client.socket.destroyed ? resolve() : client.socket.on('close', () => resolve())));
    const again = await ControlServer.listen({ port: server.port, getStatus: async () => 'again' });
    closers.push(() => again.close());
    expect(await requestStatus(again.port, 2000)).toBe('again');
  });
});

describe('control client', () => {
  it('reports nothing listening as unreachable', async () => {
    const port = await freePort();
    const e = await requestStatus(port, 2000).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ControlRequestError);
    expect(e).toMatchObject({ failure: 'unreachable', message: `nothing answers on 127.0.0.1:${port} (connection refused)` });
  });

  it('times out on a server that never answers, and reports one that answers nonsense', async () => {
    const silent = await rawServer(() => undefined);
    await expect(requestStatus(silent, 100)).rejects.toMatchObject({ failure: 'timeout' });
    const nonsense = await rawServer((s) => s.end('not json\n'));
    await expect(requestStatus(nonsense, 2000)).rejects.toMatchObject({ failure: 'malformed' });
    const hangsUp = await rawServer((s) => s.end());
    await expect(requestStatus(hangsUp, 2000)).rejects.toMatchObject({ failure: 'malformed' });
  });
});

async function rawServer(onConnection: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof a === 'object' && a !== null ? a.port : 0;
}
