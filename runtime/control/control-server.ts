/**
 * The control port of a node: a TCP server on 127.0.0.1 that answers JSON-line requests
 * (control-protocol.ts). Whatever a client sends, the server answers or drops the connection;
 * it never throws: malformed and oversized lines get an error answer and the connection goes on.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { CONTROL_COMMANDS, CONTROL_HOST, CONTROL_REQUEST_BYTES_MAX, type ControlResponse } from './control-protocol.ts';

export interface ControlServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one (see `port`). */
  readonly port: number;
  /** The node's status, as a JSON-serialisable value. */
  readonly getStatus: () => Promise<unknown>;
  /** Bytes of one request line (default CONTROL_REQUEST_BYTES_MAX). */
  readonly requestBytesMax?: number;
  /** Connections open at once; more are closed at once (default 16). */
  readonly connectionsMax?: number;
  /** A connection with no request for this long is closed (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** A getStatus() that takes longer is answered with an error (default 5 s). */
  readonly statusTimeoutMs?: number;
}

/** Requests read and waiting for their answer on one connection; past it, reading pauses. */
const REQUESTS_QUEUED_MAX = 16;

export class ControlServer {
  readonly stats = { connections: 0, requests: 0, errors: 0 };
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly options: Required<ControlServerOptions>,
  ) {}

  /** Listens on 127.0.0.1:`port`; rejects if the port cannot be bound (in use, no permission). */
  static listen(options: ControlServerOptions): Promise<ControlServer> {
    const resolved: Required<ControlServerOptions> = {
      requestBytesMax: CONTROL_REQUEST_BYTES_MAX,
      connectionsMax: 16,
      idleTimeoutMs: 60_000,
      statusTimeoutMs: 5_000,
      ...options,
    };
    const server = createServer();
    server.maxConnections = resolved.connectionsMax;
    const control = new ControlServer(server, resolved);
    server.on('connection', (socket) => control.onConnection(socket));
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`control port ${CONTROL_HOST}:${options.port}: ${e.code ?? e.message}`, { cause: e })));
      server.listen({ host: CONTROL_HOST, port: options.port, exclusive: true }, () => {
        server.on('error', () => control.stats.errors++);
        resolve(control);
      });
    });
  }

  /** The port it listens on (the one picked, when asked for port 0). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => this.stats.errors++);
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    new ControlConnection(socket, this.options.requestBytesMax, (line) => this.answer(line));
  }

  /** The answer to one request line. */
  private async answer(line: string): Promise<ControlResponse> {
    this.stats.requests++;
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return { ok: false, error: 'malformed request: not JSON (send one {"command":"status"} per line)' };
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request) || typeof (request as { command?: unknown }).command !== 'string') {
      return { ok: false, error: 'malformed request: expected an object with a "command" string' };
    }
    const { command, id } = request as { command: string; id?: unknown };
    const echo = typeof id === 'string' || typeof id === 'number' ? { id } : {};
    if (command !== 'status') return { ok: false, ...echo, error: `unknown command ${JSON.stringify(command)} (commands: ${CONTROL_COMMANDS.join(', ')})` };
    try {
      return { ok: true, ...echo, status: await withTimeout(this.options.getStatus(), this.options.statusTimeoutMs) };
    } catch (e) {
      return { ok: false, ...echo, error: `status failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

/** One client: splits its bytes into bounded lines and answers each in order. */
class ControlConnection {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Skipping the rest of a line that was too long (already answered). */
  private skipping = false;
  private readonly queue: (string | ControlResponse)[] = [];
  private answering = false;

  constructor(
    private readonly socket: Socket,
    private readonly bytesMax: number,
    private readonly answer: (line: string) => Promise<ControlResponse>,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
    if (this.queue.length >= REQUESTS_QUEUED_MAX) this.socket.pause();
    void this.drain();
  }

  private append(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    if (this.partBytes + part.length > this.bytesMax) {
      // Answered now, not at the newline: a client may never send one.
      this.parts = [];
      this.partBytes = 0;
      this.skipping = true;
      this.queue.push({ ok: false, error: `request line longer than ${this.bytesMax} bytes; skipped up to the next newline` });
      return;
    }
    this.parts.push(part);
    this.partBytes += part.length;
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const line = Buffer.concat(this.parts, this.partBytes).toString('utf8').trim();
    this.parts = [];
    this.partBytes = 0;
    if (line !== '') this.queue.push(line);
  }

  private async drain(): Promise<void> {
    if (this.answering) return;
    this.answering = true;
    for (let next = this.queue.shift(); next !== undefined && !this.socket.destroyed; next = this.queue.shift()) {
      const response = typeof next === 'string' ? await this.answer(next) : next;
      this.socket.write(`${serialize(response)}\n`);
      if (this.queue.length < REQUESTS_QUEUED_MAX && this.socket.isPaused()) this.socket.resume();
    }
    this.answering = false;
  }
}

/** The response as one JSON line; a status that cannot be serialised becomes an error answer. */
function serialize(response: ControlResponse): string {
  try {
    return JSON.stringify(response);
  } catch (e) {
    return JSON.stringify({ ok: false, error: `status cannot be sent as JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
