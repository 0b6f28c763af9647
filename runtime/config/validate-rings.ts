/**
 * The rings of a deployment: each ring's roles (which actor id runs on which node), its
 * dissemination, multicast group and protocol options. Actor ids are protocol node ids and
 * mailbox addresses at once, so they are unique across every ring and role of the deployment.
 */
import { isIPv4 } from 'node:net';
import { ConfigError } from '../../src/errors.ts';
import { nodeId, ringId } from '../../src/protocol/ids.ts';
import { DEFAULT_PROTOCOL_OPTIONS, DISSEMINATIONS, RING_ACCEPTORS_MAX, resolveProtocolOptions, validateRingSpec, type ProtocolOptions } from '../../src/protocol/options.ts';
import { FRAGMENTS_PER_FRAME_MAX, fragmentChunkBytesMaxOf } from '../transport/datagram-format.ts';
import { integerIn } from '../transport/option-checks.ts';
import { choiceOf, fieldsOf, listOf, requiredIntegerIn, type Fields } from './config-fields.ts';
import { isMulticastGroup } from './validate-nodes.ts';

/** Ring ids travel as a u16; 65535 is kept free, as for an in-process node. */
export const DEPLOYMENT_RING_ID_MAX = 0xfffe;
/**
 * Actor ids are u16 mailbox addresses: 0 is each node's API endpoint, 65534 its UDP gateway,
 * 65535 a ring's group.
 */
export const ACTOR_ID_MIN = 1;
export const ACTOR_ID_MAX = 0xfffd;
export const DEPLOYMENT_RINGS_MAX = 256;

const RING_KEYS = ['id', 'dissemination', 'multicast', 'acceptors', 'coordinators', 'learners', 'proposers', 'storage', 'protocol'];
const MULTICAST_KEYS = ['group', 'port', 'interface', 'ttl'];
const ACTOR_KEYS = ['id', 'node'];

type Role = 'acceptors' | 'coordinators' | 'learners' | 'proposers';
/** How many actors each role may have: [min, max]. Acceptors are also odd (2f+1). */
const ROLE_COUNTS: Readonly<Record<Role, readonly [number, number]>> = {
  acceptors: [1, RING_ACCEPTORS_MAX],
  coordinators: [1, 16],
  learners: [1, 256],
  proposers: [0, 256],
};
const ROLES = Object.keys(ROLE_COUNTS) as Role[];

/** Where an actor id is first used, to name it when it is used again. */
type ActorIds = Map<number, string>;

/**
 * Validates every ring against the node names (`datagramBytesMax` bounds the largest message) and
 * returns the names of the nodes that host an actor.
 */
export function validateRings(v: unknown, nodeNames: ReadonlySet<string>, datagramBytesMax: number): ReadonlySet<string> {
  const rings = listOf('rings', v, 1, DEPLOYMENT_RINGS_MAX);
  const ringIds = new Map<number, string>();
  const groupOfNode = new Map<string, { readonly key: string; readonly ring: number }>();
  const actorIds: ActorIds = new Map();
  const hosting = new Set<string>();
  rings.forEach((raw, i) => {
    const field = `rings[${i}]`;
    const ring = fieldsOf(field, raw, RING_KEYS);
    const id = requiredIntegerIn(`${field}.id`, ring['id'], 0, DEPLOYMENT_RING_ID_MAX);
    const first = ringIds.get(id);
    if (first !== undefined) throw new ConfigError(`${field}.id`, `ring id ${id} is also ${first}'s`);
    ringIds.set(id, field);
    const dissemination = choiceOf(`${field}.dissemination`, ring['dissemination'], DISSEMINATIONS);
    const group = validateMulticast(field, ring, dissemination === 'multicast');
    const members = new Set<string>();
    for (const role of ROLES) {
      const nodes = validateActors(`${field}.${role}`, ring[role], role, nodeNames, actorIds);
      for (const n of nodes) {
        hosting.add(n);
        if (role !== 'proposers') members.add(n);
      }
    }
    if (group !== null) checkOneGroupPerNode(`${field}.multicast`, id, group, members, groupOfNode);
    if (ring['storage'] === 'memory') {
      throw new ConfigError(`${field}.storage`, 'memory storage does not survive a restarted acceptor process (its votes would be lost): use async or sync');
    }
    if (ring['storage'] !== undefined) choiceOf(`${field}.storage`, ring['storage'], ['async', 'sync'] as const);
    const protocol = resolveRingProtocol(`${field}.protocol`, ring['protocol']);
    checkMessageFitsFrame(`${field}.protocol.messageBytesMax`, protocol, datagramBytesMax);
    const ids = (role: Role): ReturnType<typeof nodeId>[] => (ring[role] as Fields[]).map((a) => nodeId(a['id'] as number));
    // The protocol's own check, last: every rule above is stricter, so it should never refuse.
    validateRingSpec({ ring: ringId(id), acceptors: ids('acceptors'), coordinators: ids('coordinators'), learners: ids('learners'), dissemination }, field);
  });
  return hosting;
}

/** Validates a ring's `multicast` section; returns its `group:port`, or null when it has none. */
function validateMulticast(field: string, ring: Fields, required: boolean): string | null {
  const raw = ring['multicast'];
  if (raw === undefined) {
    if (required) throw new ConfigError(`${field}.multicast`, 'is required by multicast dissemination: {group, port}');
    return null;
  }
  if (!required) throw new ConfigError(`${field}.multicast`, 'is only used by multicast dissemination; remove it or set dissemination: multicast');
  const m = fieldsOf(`${field}.multicast`, raw, MULTICAST_KEYS);
  const group = m['group'];
  if (group === undefined) throw new ConfigError(`${field}.multicast.group`, 'is required');
  if (typeof group !== 'string' || !isMulticastGroup(group)) {
    throw new ConfigError(`${field}.multicast.group`, `must be an IPv4 multicast group in 224.0.0.0/4 (239.0.0.0/8 for a private one), got ${JSON.stringify(group)}`);
  }
  const port = requiredIntegerIn(`${field}.multicast.port`, m['port'], 1, 0xffff);
  const iface = m['interface'];
  if (iface !== undefined && (typeof iface !== 'string' || !isIPv4(iface) || iface === '0.0.0.0' || isMulticastGroup(iface))) {
    throw new ConfigError(`${field}.multicast.interface`, `must be the IPv4 address of a local interface, got ${JSON.stringify(iface)}`);
  }
  if (m['ttl'] !== undefined) integerIn(`${field}.multicast.ttl`, m['ttl'], 0, 255);
  return `${group}:${port}`;
}

/**
 * A node's gateway joins one multicast group: multicast rings with members (acceptors,
 * coordinators, learners) on the same node must share their group.
 */
function checkOneGroupPerNode(field: string, ring: number, group: string, members: ReadonlySet<string>, groupOfNode: Map<string, { key: string; ring: number }>): void {
  for (const node of members) {
    const first = groupOfNode.get(node);
    if (first === undefined) groupOfNode.set(node, { key: group, ring });
    else if (first.key !== group) {
      throw new ConfigError(field, `node ${JSON.stringify(node)} has members of ring ${first.ring} (group ${first.key}) and of ring ${ring} (group ${group}); a node joins one multicast group, so these rings must share it`);
    }
  }
}

/** Validates one role's actors; returns the names of their nodes. */
function validateActors(field: string, v: unknown, role: Role, nodeNames: ReadonlySet<string>, actorIds: ActorIds): string[] {
  const [min, max] = ROLE_COUNTS[role];
  const list = listOf(field, v, min, max);
  if (role === 'acceptors' && list.length % 2 === 0) {
    throw new ConfigError(field, `must hold an odd number (2f+1) of acceptors, got ${list.length}`);
  }
  return list.map((raw, k) => {
    const f = `${field}[${k}]`;
    const actor = fieldsOf(f, raw, ACTOR_KEYS);
    const id = requiredIntegerIn(`${f}.id`, actor['id'], ACTOR_ID_MIN, ACTOR_ID_MAX);
    const first = actorIds.get(id);
    if (first !== undefined) throw new ConfigError(`${f}.id`, `actor id ${id} is also ${first}'s (actor ids are unique across rings and roles)`);
    actorIds.set(id, f);
    const node = actor['node'];
    if (node === undefined) throw new ConfigError(`${f}.node`, 'is required');
    if (typeof node !== 'string') throw new ConfigError(`${f}.node`, `must be a node name, got ${JSON.stringify(node)}`);
    if (!nodeNames.has(node)) throw new ConfigError(`${f}.node`, `no node named ${JSON.stringify(node)}`);
    return node;
  });
}

function resolveRingProtocol(field: string, v: unknown): ProtocolOptions {
  if (v === undefined) return resolveProtocolOptions({}, field);
  // resolveProtocolOptions refuses unknown keys and checks the relations between limits.
  return resolveProtocolOptions(fieldsOf(field, v, Object.keys(DEFAULT_PROTOCOL_OPTIONS)) as Partial<ProtocolOptions>, field);
}

/** The largest message (Phase 1B, Deliver) must fit the fragments of one transport frame. */
function checkMessageFitsFrame(field: string, protocol: ProtocolOptions, datagramBytesMax: number): void {
  const frameBytesLimit = FRAGMENTS_PER_FRAME_MAX * fragmentChunkBytesMaxOf(datagramBytesMax);
  if (protocol.messageBytesMax > frameBytesLimit) {
    throw new ConfigError(field, `must be at most ${frameBytesLimit} (the largest frame datagrams of transport.datagramBytesMax ${datagramBytesMax} carry)`);
  }
}
