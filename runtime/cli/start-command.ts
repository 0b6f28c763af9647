/**
 * `ringcast start <config> --node <name>`: runs one node of a deployment until SIGINT or SIGTERM.
 * The node itself comes from an injected starter (startNode in production), so that the command
 * is tested without threads or sockets. Also home of the argument parsing the commands share.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import type { DeploymentConfig, DeploymentNode } from '../config/deployment.ts';
import { loadDeployment } from '../config/load-deployment.ts';
import { ControlServer } from '../control/control-server.ts';
import { NodeStatusCollector } from '../control/node-status.ts';
import type { RingcastNode } from '../node/node.ts';
import { defaultLoadWindow, DeliveryRecorder, LOAD_VALUE_BYTES_MIN, LOAD_WINDOW_MAX, LoadGenerator } from './load-and-record.ts';
import { crc32Implementation } from '../native/crc32.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** A node that has not closed this long after a signal is left behind: the process exits 1. */
const CLOSE_TIMEOUT_MS = 15_000;
const VALUE_BYTES_DEFAULT = 1024;
const VALUE_BYTES_MAX = 1024 * 1024;

export const START_USAGE = `usage: ringcast start <config> --node <name> [options]

Runs one node of a deployment: the actors that <config> (a .yaml, .yml or .json file) places on
node <name>, and the UDP gateway that reaches the other nodes. SIGINT (Ctrl-C) or SIGTERM closes
it cleanly. The node answers \`ringcast status\` on its controlPort, if the config gives one.

options:
  --node NAME        the node of the config this process runs (required)
  --load N           propose N values through this node's first proposer, print progress and
                     "load: N acked" when all are decided, then keep running
  --rate R           with --load: R values per second (default: as fast as the window allows)
  --window W         with --load: at most W proposals outstanding, 1 to ${LOAD_WINDOW_MAX} (default: 8 MiB of
                     values, 512 to 8192 of them)
  --value-bytes B    with --load: bytes per value, ${LOAD_VALUE_BYTES_MIN} to ${VALUE_BYTES_MAX} (default ${VALUE_BYTES_DEFAULT}); bytes 0-3 are
                     the value's sequence number, 4-7 this node's id (u32 little-endian)
  --record FILE      append every instance this node's learners deliver to FILE, one JSON line
                     each: {"ring":1,"learner":31,"instance":7,"values":[[nodeId,seq],...]}
  --quiet            print only errors, the ready line and the load result
  -h, --help         this text

exit status: 0 closed by a signal, 1 the node failed, 2 bad arguments or config
`;

/** A refused command line: the message names the flag; the command exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type ParsedCommandLine<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;

/** node:util parseArgs, strict, with its errors turned into UsageErrors that name the flag. */
export function parseCommandLine<O extends Options>(args: readonly string[], options: O, positionalsMax: number): ParsedCommandLine<O> {
  let parsed: ParsedCommandLine<O>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (e) {
    const message = e instanceof Error ? (e.message.split(/\. /, 1)[0] ?? e.message) : String(e);
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
  const extra = parsed.positionals[positionalsMax];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  return parsed;
}

/** An integer flag in [min, max]; undefined when the flag is absent. */
export function integerFlag(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${raw}'`);
  return v;
}

interface StartArgs {
  readonly configPath: string;
  readonly node: string;
  readonly load: { readonly count: number; readonly ratePerSecond: number | null; readonly valueBytes: number; readonly window: number } | null;
  readonly record: string | null;
  readonly quiet: boolean;
}

const START_OPTIONS = {
  node: { type: 'string' },
  load: { type: 'string' },
  rate: { type: 'string' },
  'value-bytes': { type: 'string' },
  window: { type: 'string' },
  record: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed arguments, or null for --help. */
function parseStartArgs(args: readonly string[]): StartArgs | null {
  const { values, positionals } = parseCommandLine(args, START_OPTIONS, 1);
  if (values.help === true) return null;
  const configPath = positionals[0];
  if (configPath === undefined) throw new UsageError('missing <config>: the deployment file');
  if (values.node === undefined || values.node === '') throw new UsageError('missing --node <name>: which node of the config this process runs');
  const count = integerFlag('load', values.load, 1, 1_000_000_000);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0 && rate <= 10_000_000)) throw new UsageError(`--rate must be a number of values per second above 0, got '${values.rate}'`);
  const valueBytes = integerFlag('value-bytes', values['value-bytes'], LOAD_VALUE_BYTES_MIN, VALUE_BYTES_MAX);
  const window = integerFlag('window', values.window, 1, LOAD_WINDOW_MAX);
  const needsLoad = rate !== undefined ? 'rate' : valueBytes !== undefined ? 'value-bytes' : window !== undefined ? 'window' : null;
  if (count === undefined && needsLoad !== null) throw new UsageError(`--${needsLoad} needs --load N`);
  return {
    configPath,
    node: values.node,
    load: count === undefined ? null : { count, ratePerSecond: rate ?? null, valueBytes: valueBytes ?? VALUE_BYTES_DEFAULT, window: window ?? defaultLoadWindow(valueBytes ?? VALUE_BYTES_DEFAULT) },
    record: values.record ?? null,
    quiet: values.quiet === true,
  };
}

export type StartedNode = Pick<RingcastNode, 'proposer' | 'learner' | 'status' | 'threadReport' | 'close' | 'supervisor'>;
/** Starts the node; `setup` runs before its actors start (see startNode). */
export type NodeStarter = (options: { readonly deployment: DeploymentConfig; readonly self: string }, setup?: (node: StartedNode) => void) => Promise<StartedNode>;
type Signal = 'SIGINT' | 'SIGTERM';

export interface StartDeps {
  readonly startNode: NodeStarter;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Where SIGINT and SIGTERM come from: `process`, or an emitter in tests. */
  readonly signals: { once(signal: Signal, listener: () => void): unknown; removeListener(signal: Signal, listener: () => void): unknown };
}

/** Runs `ringcast start`; resolves with the exit status once the node is closed. */
export async function runStart(args: readonly string[], deps: StartDeps): Promise<number> {
  let parsed: StartArgs | null;
  let config: DeploymentConfig;
  try {
    parsed = parseStartArgs(args);
    if (parsed === null) {
      deps.stdout(START_USAGE);
      return EXIT_OK;
    }
    config = loadDeployment(parsed.configPath);
  } catch (e) {
    if (!(e instanceof UsageError) && !isRingcastError(e, ErrorCode.CONFIG_INVALID)) throw e;
    deps.stderr(`ringcast start: ${e.message}${e instanceof UsageError ? "\n(see 'ringcast start --help')" : ''}`);
    return EXIT_USAGE;
  }
  const me = config.nodes.find((n) => n.name === parsed.node);
  if (me === undefined) {
    deps.stderr(`ringcast start: --node: no node named ${JSON.stringify(parsed.node)} in ${parsed.configPath} (nodes: ${config.nodes.map((n) => n.name).join(', ')})`);
    return EXIT_USAGE;
  }
  return new NodeRun(config, me, parsed, deps).run();
}

/** The local actors of a ring, by role, in config order (a node's handles index them so). */
function localActors(config: DeploymentConfig, self: string, role: 'proposers' | 'learners'): { ring: number; index: number; id: number }[] {
  return config.rings.flatMap((r) => r[role].filter((a) => a.node === self).map((a, index) => ({ ring: r.id, index, id: a.id })));
}

/** One started node: its control port, load, recorder and shutdown. */
class NodeRun {
  private readonly say: (line: string) => void;
  private recorder: DeliveryRecorder | null = null;
  private load: LoadGenerator | null = null;
  private control: ControlServer | null = null;
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly config: DeploymentConfig,
    private readonly me: DeploymentNode,
    private readonly args: StartArgs,
    private readonly deps: StartDeps,
  ) {
    this.say = args.quiet ? () => undefined : deps.stdout;
  }

  async run(): Promise<number> {
    const learners = localActors(this.config, this.me.name, 'learners');
    if (this.args.record !== null) {
      if (learners.length === 0) this.deps.stderr(`ringcast start: node ${this.me.name} hosts no learner; --record ignored`);
      else {
        try {
          this.recorder = new DeliveryRecorder(this.args.record);
        } catch (e) {
          this.deps.stderr(`ringcast start: --record: cannot open ${this.args.record} (${(e as { code?: string }).code ?? String(e)})`);
          return EXIT_USAGE;
        }
      }
    }
    let node: StartedNode;
    try {
      // The recorder subscribes before the actors start: it gets every instance from 0, also
      // those a learner joining a running ring catches up on before startNode resolves.
      node = await this.deps.startNode({ deployment: this.config, self: this.me.name }, (n) => this.subscribeRecorder(n, learners));
    } catch (e) {
      this.recorder?.close();
      this.deps.stderr(`ringcast start: node ${this.me.name} failed to start: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_FAILURE;
    }
    const outcome = await this.serve(node);
    return this.shutdown(node, outcome);
  }

  private subscribeRecorder(node: StartedNode, learners: readonly { ring: number; index: number; id: number }[]): void {
    const recorder = this.recorder;
    if (recorder === null) return;
    for (const l of learners) this.unsubscribes.push(node.learner(l.ring, l.index).onDeliver((d) => recorder.record(l.id, d), { borrow: true })); // the recorder reads the tags at once
  }

  /** Runs until a signal (EXIT_OK) or a failure (EXIT_FAILURE). */
  private async serve(node: StartedNode): Promise<number> {
    if (this.me.controlPort !== undefined && !(await this.openControl(node, this.me.controlPort))) return EXIT_FAILURE;
    let stopped: (code: number) => void = () => undefined;
    const until = new Promise<number>((resolve) => (stopped = resolve));
    const onSignal = (): void => stopped(EXIT_OK);
    // once(): a second Ctrl-C during a slow close gets Node's default, which ends the process.
    this.deps.signals.once('SIGINT', onSignal);
    this.deps.signals.once('SIGTERM', onSignal);
    node.supervisor.on('gave-up', (e) => {
      this.deps.stderr(`ringcast start: the supervisor gave up (${e.childId} crashed too often); closing the node`);
      stopped(EXIT_FAILURE);
    });
    node.supervisor.on('crashed', (e) => this.say(`supervisor: ${e.childId} crashed (${e.reason}); restart in ${e.backoffMs ?? '-'} ms`));
    this.printActors(node);
    this.deps.stdout(`ringcast: node ${this.me.name} running${this.me.controlPort === undefined ? '' : ` (control port ${this.me.controlPort})`}; SIGINT or SIGTERM stops it`);
    this.startLoad(node);
    const code = await until;
    this.deps.signals.removeListener('SIGINT', onSignal);
    this.deps.signals.removeListener('SIGTERM', onSignal);
    return code;
  }

  private async openControl(node: StartedNode, port: number): Promise<boolean> {
    const collector = new NodeStatusCollector(node, this.config, this.me.name, () => ({
      ...(this.load === null ? {} : { load: this.load.stats() }),
      ...(this.recorder === null ? {} : { record: this.recorder.stats() }),
    }));
    try {
      this.control = await ControlServer.listen({ port, getStatus: () => collector.collect() });
      return true;
    } catch (e) {
      this.deps.stderr(`ringcast start: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  private printActors(node: StartedNode): void {
    this.say(`node ${this.me.name} (id ${this.me.id}) on ${this.me.host}:${this.me.port}`);
    for (const r of this.config.rings) {
      for (const role of ['acceptors', 'coordinators', 'learners', 'proposers'] as const) {
        for (const a of r[role]) if (a.node === this.me.name) this.say(`  ring ${r.id}  ${role.slice(0, -1).padEnd(11)} ${a.id}`);
      }
    }
    for (const t of node.threadReport()) {
      this.say(`  thread ${t.host}  wait=${t.wait}${t.cpu === null ? '' : ` cpu=${t.cpu}`}  ${t.actors.length === 0 ? '(udp gateway)' : t.actors.join(', ')}`);
    }
    const crc = crc32Implementation;
    this.say(`  crc32 ${crc.implementation}${crc.implementation === 'native' ? '' : ` (${crc.reason})`}`);
  }

  private startLoad(node: StartedNode): void {
    const options = this.args.load;
    if (options === null) return;
    const proposer = localActors(this.config, this.me.name, 'proposers')[0];
    if (proposer === undefined) {
      this.deps.stderr(`ringcast start: node ${this.me.name} hosts no proposer; --load ignored`);
      return;
    }
    const pace = options.ratePerSecond === null ? `as fast as ${options.window} outstanding allow` : `${options.ratePerSecond} values/s (at most ${options.window} outstanding)`;
    this.say(`load: ${options.count} values of ${options.valueBytes} bytes through proposer ${proposer.id} (ring ${proposer.ring}), ${pace}`);
    const load = new LoadGenerator(node.proposer(proposer.ring, proposer.index), { ...options, nodeId: this.me.id }, (line) => (line.endsWith(' acked') ? this.deps.stdout(line) : this.say(line)));
    this.load = load;
    void load.finished.then((outcome) => {
      if (outcome instanceof Error) this.deps.stderr(`ringcast start: load stopped: ${outcome.message}`);
    });
  }

  /** Stops the load, the control port and the node, then the recorder (it keeps the last lines). */
  private async shutdown(node: StartedNode, code: number): Promise<number> {
    this.say(`ringcast: closing node ${this.me.name}`);
    this.load?.stop();
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    await this.control?.close();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      node.close().then(() => true, (e: unknown) => (this.deps.stderr(`ringcast start: close failed: ${e instanceof Error ? e.message : String(e)}`), false)),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    this.recorder?.close();
    if (!closed) return EXIT_FAILURE;
    this.say(`ringcast: node ${this.me.name} closed`);
    return code;
  }
}
