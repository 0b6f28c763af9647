/**
 * The nodes of a deployment: one process each, with a name (for `--node`), a transport id, the
 * unicast address it binds and the others send to, and an optional control port.
 */
import { isIPv4 } from 'node:net';
import { ConfigError } from '../../src/errors.ts';
import { integerIn } from '../transport/option-checks.ts';
import { fieldsOf, listOf, requiredIntegerIn } from './config-fields.ts';

export const DEPLOYMENT_NODES_MAX = 1024;
/** Node names go on command lines and in file names: letters, digits, `_`, `.`, `-`. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const NODE_KEYS = ['name', 'id', 'host', 'port', 'controlPort', 'dataDir'];

const firstOctetOf = (ip: string): number => Number(ip.slice(0, ip.indexOf('.')));

/** An IPv4 address in 224.0.0.0/4. */
export function isMulticastGroup(ip: string): boolean {
  return isIPv4(ip) && firstOctetOf(ip) >= 224 && firstOctetOf(ip) <= 239;
}

/** Validates the node list and returns the node names. */
export function validateNodes(v: unknown): ReadonlySet<string> {
  const nodes = listOf('nodes', v, 1, DEPLOYMENT_NODES_MAX);
  const names = new Map<string, string>();
  const ids = new Map<string, string>();
  const addresses = new Map<string, string>();
  const controlPorts = new Map<string, string>();
  const once = (seen: Map<string, string>, key: string, field: string, what: string): void => {
    const first = seen.get(key);
    if (first !== undefined) throw new ConfigError(field, `${what} is also ${first}'s`);
    seen.set(key, field.slice(0, field.lastIndexOf('.')));
  };
  nodes.forEach((raw, i) => {
    const field = `nodes[${i}]`;
    const node = fieldsOf(field, raw, NODE_KEYS);
    const name = nodeNameOf(`${field}.name`, node['name']);
    once(names, name, `${field}.name`, `name ${JSON.stringify(name)}`);
    const id = requiredIntegerIn(`${field}.id`, node['id'], 0, 0xffff);
    once(ids, String(id), `${field}.id`, `id ${id}`);
    const host = hostOf(`${field}.host`, node['host']);
    const port = requiredIntegerIn(`${field}.port`, node['port'], 1, 0xffff);
    once(addresses, `${host}:${port}`, `${field}.port`, `address ${host}:${port}`);
    if (node['controlPort'] !== undefined) {
      const controlPort = integerIn(`${field}.controlPort`, node['controlPort'], 1, 0xffff);
      // The control port listens on 127.0.0.1 of the node's machine: one per machine.
      once(controlPorts, `${machineOf(host)}:${controlPort}`, `${field}.controlPort`, `control port ${controlPort} on ${machineOf(host)}`);
    }
    const dataDir = node['dataDir'];
    if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir === '' || dataDir.includes('\0'))) {
      throw new ConfigError(`${field}.dataDir`, `must be a directory path, got ${JSON.stringify(dataDir)}`);
    }
  });
  return new Set(names.keys());
}

function nodeNameOf(field: string, v: unknown): string {
  if (v === undefined) throw new ConfigError(field, 'is required');
  if (typeof v !== 'string' || !NODE_NAME.test(v)) {
    throw new ConfigError(field, `must be 1 to 63 letters, digits, "_", "." or "-" (not first), got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The unicast address a node binds and the others send to: an IPv4 literal, never a wildcard. */
function hostOf(field: string, v: unknown): string {
  if (v === undefined) throw new ConfigError(field, 'is required');
  if (typeof v !== 'string' || !isIPv4(v)) {
    throw new ConfigError(field, `must be an IPv4 address literal such as 127.0.0.1 (host names are not resolved), got ${JSON.stringify(v)}`);
  }
  if (v === '0.0.0.0') throw new ConfigError(field, 'must be the address peers send to, not the wildcard 0.0.0.0');
  if (isMulticastGroup(v) || firstOctetOf(v) >= 240) throw new ConfigError(field, `must be a unicast address, got ${v}`);
  return v;
}

/** Every 127.x.x.x address is this machine's loopback. */
function machineOf(host: string): string {
  return firstOctetOf(host) === 127 ? 'loopback' : host;
}
