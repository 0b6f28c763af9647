/**
 * validateDeployment: a deployment description (parsed from JSON or YAML, or built in code) checked
 * field by field. The first problem is refused with a ConfigError whose `field` is the dotted path
 * (`rings[0].acceptors[1].node`) and whose message names the field and the problem. What passes
 * is returned as a deeply frozen DeploymentConfig: the same fields, no defaults filled in.
 */
import { ConfigError } from '../../src/errors.ts';
import { DEFAULT_SUPERVISOR_OPTIONS, resolveSupervisorOptions, type SupervisorOptions } from '../supervisor/restart-policy.ts';
import { UDP_PAYLOAD_BYTES_MAX } from '../transport/datagram-format.ts';
import { resolveFaultOptions } from '../transport/fault-options.ts';
import { booleanOf, integerIn } from '../transport/option-checks.ts';
import type { DeploymentConfig } from './deployment.ts';
import { choiceOf, deepFreeze, fieldsOf, requiredIntegerIn } from './config-fields.ts';
import { validateNodes } from './validate-nodes.ts';
import { validateRings } from './validate-rings.ts';

const DEPLOYMENT_KEYS = ['nodes', 'rings', 'placement', 'tickMs', 'supervisor', 'transport'];
const PLACEMENT_KEYS = ['mode', 'threads', 'spin', 'pin', 'cores', 'gateway'];
const TRANSPORT_KEYS = ['datagramBytesMax', 'socketBufferBytes', 'faults'];
const FAULT_KEYS = ['lossRate', 'duplicateRate', 'reorderRate', 'delayMs', 'seed'];

/** What the UDP transport allows (its own defaults apply when a field is left out). */
export const DATAGRAM_BYTES_MIN = 128;
export const DATAGRAM_BYTES_DEFAULT = 65_000;
export const SOCKET_BUFFER_BYTES_MIN = 4096;
export const SOCKET_BUFFER_BYTES_MAX = 1024 * 1024 * 1024;

/**
 * Checks `raw` and returns it deeply frozen. `source` (a file name) is added to the message of a
 * refusal: `invalid config: nodes[0].port: must be … (in deploy.yaml)`.
 */
export function validateDeployment(raw: unknown, source?: string): DeploymentConfig {
  try {
    checkDeployment(raw);
  } catch (e) {
    throw source !== undefined && e instanceof ConfigError ? withLocation(e, source) : e;
  }
  // Only plain data passes the checks: a JSON round trip copies it and drops undefined fields.
  return deepFreeze(JSON.parse(JSON.stringify(raw)) as DeploymentConfig);
}

/** The same refusal, with where it comes from appended to the message. */
export function withLocation(e: ConfigError, where: string): ConfigError {
  const prefix = `invalid config: ${e.field}: `;
  const problem = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return new ConfigError(e.field, `${problem} (${where})`);
}

function checkDeployment(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config', `must be a mapping with nodes and rings, got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}`);
  }
  const o = fieldsOf('', raw, DEPLOYMENT_KEYS);
  const nodeNames = validateNodes(o['nodes']);
  const datagramBytesMax = validateTransport(o['transport']);
  const hosting = validateRings(o['rings'], nodeNames, datagramBytesMax);
  [...nodeNames].forEach((name, i) => {
    if (!hosting.has(name)) throw new ConfigError(`nodes[${i}]`, `node ${JSON.stringify(name)} hosts no actor; place one on it or remove it`);
  });
  if (o['placement'] !== undefined) validatePlacement(o['placement']);
  if (o['tickMs'] !== undefined) integerIn('tickMs', o['tickMs'], 1, 10_000);
  if (o['supervisor'] !== undefined) {
    resolveSupervisorOptions(fieldsOf('supervisor', o['supervisor'], Object.keys(DEFAULT_SUPERVISOR_OPTIONS)) as Partial<SupervisorOptions>);
  }
}

function validatePlacement(v: unknown): void {
  const o = fieldsOf('placement', v, PLACEMENT_KEYS);
  if (o['mode'] !== undefined) choiceOf('placement.mode', o['mode'], ['dedicated', 'shared'] as const);
  if (o['threads'] !== undefined) integerIn('placement.threads', o['threads'], 1, 256);
  if (o['cores'] !== undefined) integerIn('placement.cores', o['cores'], 1, 1024);
  if (o['spin'] !== undefined) booleanOf('placement.spin', o['spin']);
  if (o['pin'] !== undefined) booleanOf('placement.pin', o['pin']);
  if (o['gateway'] !== undefined) choiceOf('placement.gateway', o['gateway'], ['own-thread', 'actor-thread'] as const);
}

/** Validates the transport section; returns the datagram size in force. */
function validateTransport(v: unknown): number {
  if (v === undefined) return DATAGRAM_BYTES_DEFAULT;
  const o = fieldsOf('transport', v, TRANSPORT_KEYS);
  if (o['socketBufferBytes'] !== undefined) integerIn('transport.socketBufferBytes', o['socketBufferBytes'], SOCKET_BUFFER_BYTES_MIN, SOCKET_BUFFER_BYTES_MAX);
  if (o['faults'] !== undefined) {
    const faults = fieldsOf('transport.faults', o['faults'], FAULT_KEYS);
    if (faults['delayMs'] !== undefined) {
      const delay = fieldsOf('transport.faults.delayMs', faults['delayMs'], ['min', 'max']);
      requiredIntegerIn('transport.faults.delayMs.min', delay['min'], 0, Number.MAX_SAFE_INTEGER);
      requiredIntegerIn('transport.faults.delayMs.max', delay['max'], 0, Number.MAX_SAFE_INTEGER);
    }
    // The transport's own resolver checks rates, delays and the seed (which may be left out here).
    resolveFaultOptions({ ...faults, seed: faults['seed'] ?? 0 });
  }
  if (o['datagramBytesMax'] === undefined) return DATAGRAM_BYTES_DEFAULT;
  return integerIn('transport.datagramBytesMax', o['datagramBytesMax'], DATAGRAM_BYTES_MIN, UDP_PAYLOAD_BYTES_MAX);
}
