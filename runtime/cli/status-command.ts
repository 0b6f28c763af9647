/**
 * `ringcast status --port P` or `ringcast status <config> --node <name>`: asks a running node on
 * its control port (127.0.0.1) and prints its status, readably or as JSON.
 */
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import { loadDeployment } from '../config/load-deployment.ts';
import { requestStatus } from '../control/control-client.ts';
import { formatStatus } from '../control/format-status.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, integerFlag, parseCommandLine } from './start-command.ts';

const TIMEOUT_MS_DEFAULT = 3000;

export const STATUS_USAGE = `usage: ringcast status --port P [options]
       ringcast status <config> --node <name> [options]

Asks a running node (\`ringcast start\`) for its status on its control port, 127.0.0.1:P, or on
the controlPort that <config> gives node <name>, and prints it: rings (coordinator state, ballot,
decidedUpTo, instances), throughput, actors and their restarts, threads.

options:
  --port P           the node's control port
  --node NAME        with <config>: the node to ask
  --json             print the status as JSON, as the node sent it
  --timeout-ms T     how long to wait for an answer (default ${TIMEOUT_MS_DEFAULT})
  -h, --help         this text

exit status: 0 the node answered, 1 nothing answered, 2 bad arguments or config
`;

const STATUS_OPTIONS = {
  port: { type: 'string' },
  node: { type: 'string' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface StatusDeps {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

interface StatusArgs {
  readonly port: number;
  readonly json: boolean;
  readonly timeoutMs: number;
}

/** The parsed arguments, or null for --help. */
function parseStatusArgs(args: readonly string[]): StatusArgs | null {
  const { values, positionals } = parseCommandLine(args, STATUS_OPTIONS, 1);
  if (values.help === true) return null;
  const timeoutMs = integerFlag('timeout-ms', values['timeout-ms'], 1, 600_000) ?? TIMEOUT_MS_DEFAULT;
  const json = values.json === true;
  const configPath = positionals[0];
  if (configPath === undefined) {
    if (values.node !== undefined) throw new UsageError('--node needs <config>: the deployment file that gives the node its controlPort');
    const port = integerFlag('port', values.port, 1, 0xffff);
    if (port === undefined) throw new UsageError('missing --port P (or <config> --node <name>)');
    return { port, json, timeoutMs };
  }
  if (values.port !== undefined) throw new UsageError('--port and <config> --node are two ways to name the node: give one');
  if (values.node === undefined || values.node === '') throw new UsageError('missing --node <name>: which node of the config to ask');
  const config = loadDeployment(configPath);
  const node = config.nodes.find((n) => n.name === values.node);
  if (node === undefined) throw new UsageError(`--node: no node named ${JSON.stringify(values.node)} in ${configPath} (nodes: ${config.nodes.map((n) => n.name).join(', ')})`);
  if (node.controlPort === undefined) throw new UsageError(`--node: node ${node.name} has no controlPort in ${configPath}`);
  return { port: node.controlPort, json, timeoutMs };
}

/** Runs `ringcast status`; resolves with the exit status. */
export async function runStatus(args: readonly string[], deps: StatusDeps): Promise<number> {
  let parsed: StatusArgs | null;
  try {
    parsed = parseStatusArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError) && !isRingcastError(e, ErrorCode.CONFIG_INVALID)) throw e;
    deps.stderr(`ringcast status: ${e.message}${e instanceof UsageError ? "\n(see 'ringcast status --help')" : ''}`);
    return EXIT_USAGE;
  }
  if (parsed === null) {
    deps.stdout(STATUS_USAGE);
    return EXIT_OK;
  }
  let status: unknown;
  try {
    status = await requestStatus(parsed.port, parsed.timeoutMs);
  } catch (e) {
    deps.stderr(`ringcast status: ${e instanceof Error ? e.message : String(e)}; is the node running with controlPort ${parsed.port}?`);
    return EXIT_FAILURE;
  }
  if (parsed.json) deps.stdout(JSON.stringify(status, null, 2));
  else for (const line of formatStatus(status)) deps.stdout(line);
  return EXIT_OK;
}
