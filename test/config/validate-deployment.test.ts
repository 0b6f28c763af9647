/**
 * validateDeployment: a table of bad deployments, each refused with a ConfigError on the right
 * field (the dotted path), and the good ones returned deeply frozen.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, isRingcastError } from '../../src/errors.ts';
import { validateDeployment } from '../../runtime/config/load-deployment.ts';
import { baseDeployment, configErrorOf, type Raw } from './fixtures.ts';

/** A second ring on the same nodes, with its own actor ids. */
function secondRing(c: Raw, patch: Raw = {}): void {
  c.rings.push({
    id: 2,
    dissemination: 'ring',
    acceptors: [{ id: 111, node: 'a1' }, { id: 112, node: 'a2' }, { id: 113, node: 'a3' }],
    coordinators: [{ id: 121, node: 'a2' }],
    learners: [{ id: 131, node: 'a1' }],
    proposers: [],
    ...patch,
  });
}

/** The refusal of the base deployment changed by `mutate` (whose return value is ignored). */
function refusal(mutate: (c: Raw) => unknown): ConfigError {
  const c = baseDeployment();
  mutate(c);
  return refusalOf(c);
}

const refusalOf = (raw: unknown): ConfigError => configErrorOf(() => validateDeployment(raw));

// [what is wrong, the mutation, the field refused, a fragment of the problem]
const BAD: [string, (c: Raw) => unknown, string, RegExp][] = [
  ['a top-level typo', (c) => ((c.ring = c.rings), delete c.rings), 'ring', /did you mean "rings"/],
  ['no nodes', (c) => delete c.nodes, 'nodes', /is required/],
  ['an empty node list', (c) => (c.nodes = []), 'nodes', /1 to 1024 entries/],
  ['a node key typo', (c) => ((c.nodes[0].hots = c.nodes[0].host), delete c.nodes[0].host), 'nodes[0].hots', /did you mean "host"/],
  ['a node is not a mapping', (c) => (c.nodes[1] = 'a2'), 'nodes[1]', /must be a mapping/],
  ['a node name with a space', (c) => (c.nodes[0].name = 'a 1'), 'nodes[0].name', /letters, digits/],
  ['a node id above 65535', (c) => (c.nodes[1].id = 70000), 'nodes[1].id', /0 to 65535/],
  ['a node id as a string', (c) => (c.nodes[0].id = '1'), 'nodes[0].id', /integer/],
  ['a negative node id', (c) => (c.nodes[2].id = -1), 'nodes[2].id', /0 to 65535/],
  ['port 0', (c) => (c.nodes[0].port = 0), 'nodes[0].port', /1 to 65535/],
  ['port 65536', (c) => (c.nodes[0].port = 65536), 'nodes[0].port', /1 to 65535/],
  ['a fractional port', (c) => (c.nodes[2].port = 7003.5), 'nodes[2].port', /integer/],
  ['a missing port', (c) => delete c.nodes[1].port, 'nodes[1].port', /is required/],
  ['two nodes with one name', (c) => (c.nodes[1].name = 'a1'), 'nodes[1].name', /"a1" is also nodes\[0\]'s/],
  ['two nodes with one id', (c) => (c.nodes[2].id = 1), 'nodes[2].id', /id 1 is also nodes\[0\]'s/],
  ['two nodes with one address', (c) => (c.nodes[1].port = 7001), 'nodes[1].port', /127\.0\.0\.1:7001/],
  ['the wildcard host', (c) => (c.nodes[0].host = '0.0.0.0'), 'nodes[0].host', /wildcard/],
  ['a host name', (c) => (c.nodes[0].host = 'localhost'), 'nodes[0].host', /IPv4 address literal/],
  ['an IPv6 host', (c) => (c.nodes[1].host = '::1'), 'nodes[1].host', /IPv4/],
  ['a multicast host', (c) => (c.nodes[2].host = '239.1.1.1'), 'nodes[2].host', /unicast/],
  ['two control ports on one machine', (c) => (c.nodes[1].controlPort = 7101), 'nodes[1].controlPort', /control port 7101/],
  ['control port 0', (c) => (c.nodes[0].controlPort = 0), 'nodes[0].controlPort', /1 to 65535/],
  ['a node that hosts nothing', (c) => c.nodes.push({ name: 'idle', id: 9, host: '127.0.0.1', port: 7009 }), 'nodes[3]', /hosts no actor/],
  ['no rings', (c) => delete c.rings, 'rings', /is required/],
  ['rings as a mapping', (c) => (c.rings = { 1: c.rings[0] }), 'rings', /must be a list/],
  ['a ring key typo', (c) => (c.rings[0].acceptor = []), 'rings[0].acceptor', /did you mean "acceptors"/],
  ['ring id 65535', (c) => (c.rings[0].id = 65535), 'rings[0].id', /0 to 65534/],
  ['two rings with one id', (c) => secondRing(c, { id: 1 }), 'rings[1].id', /ring id 1 is also rings\[0\]'s/],
  ['an unknown dissemination', (c) => (c.rings[0].dissemination = 'broadcast'), 'rings[0].dissemination', /multicast, ring/],
  ['multicast dissemination without a group', (c) => delete c.rings[0].multicast, 'rings[0].multicast', /required by multicast/],
  ['a group outside 224.0.0.0/4', (c) => (c.rings[0].multicast.group = '10.0.0.1'), 'rings[0].multicast.group', /224\.0\.0\.0\/4/],
  ['a group that is no address', (c) => (c.rings[0].multicast.group = '239.255.0'), 'rings[0].multicast.group', /multicast group/],
  ['a group without a port', (c) => delete c.rings[0].multicast.port, 'rings[0].multicast.port', /is required/],
  ['a multicast ttl of 300', (c) => (c.rings[0].multicast.ttl = 300), 'rings[0].multicast.ttl', /0 to 255/],
  ['a multicast interface 0.0.0.0', (c) => (c.rings[0].multicast.interface = '0.0.0.0'), 'rings[0].multicast.interface', /local interface/],
  ['a multicast key typo', (c) => (c.rings[0].multicast.grup = 'x'), 'rings[0].multicast.grup', /did you mean "group"/],
  ['a group on a ring-dissemination ring', (c) => (c.rings[0].dissemination = 'ring'), 'rings[0].multicast', /only used by multicast dissemination/],
  ['two groups on one node', (c) => secondRing(c, { dissemination: 'multicast', multicast: { group: '239.255.0.2', port: 7200 } }), 'rings[1].multicast', /joins one multicast group/],
  ['an even number of acceptors', (c) => c.rings[0].acceptors.pop(), 'rings[0].acceptors', /odd number \(2f\+1\)/],
  ['17 acceptors', (c) => (c.rings[0].acceptors = Array.from({ length: 17 }, (_, i) => ({ id: 500 + i, node: 'a1' }))), 'rings[0].acceptors', /1 to 15 entries/],
  ['no coordinator', (c) => (c.rings[0].coordinators = []), 'rings[0].coordinators', /1 to 16 entries/],
  ['no learner', (c) => (c.rings[0].learners = []), 'rings[0].learners', /1 to 256 entries/],
  ['a ring chain without learners', (c) => ((c.rings[0].dissemination = 'ring'), delete c.rings[0].multicast, delete c.rings[0].learners), 'rings[0].learners', /is required/],
  ['an actor on an unknown node', (c) => (c.rings[0].acceptors[1].node = 'a9'), 'rings[0].acceptors[1].node', /no node named "a9"/],
  ['an actor without a node', (c) => delete c.rings[0].proposers[0].node, 'rings[0].proposers[0].node', /is required/],
  ['an actor key typo', (c) => (c.rings[0].proposers[0].nod = 'a1'), 'rings[0].proposers[0].nod', /did you mean "node"/],
  ['actor id 0 (the API endpoint)', (c) => (c.rings[0].acceptors[0].id = 0), 'rings[0].acceptors[0].id', /1 to 65533/],
  ['actor id 65534 (the gateway address)', (c) => (c.rings[0].coordinators[0].id = 65534), 'rings[0].coordinators[0].id', /1 to 65533/],
  ['actor id 65535 (the group address)', (c) => (c.rings[0].learners[0].id = 65535), 'rings[0].learners[0].id', /1 to 65533/],
  ['one actor id in two roles', (c) => (c.rings[0].learners[0].id = 12), 'rings[0].learners[0].id', /actor id 12 is also rings\[0\]\.acceptors\[1\]'s/],
  ['one actor id in two rings', (c) => secondRing(c, { coordinators: [{ id: 21, node: 'a2' }] }), 'rings[1].coordinators[0].id', /unique across rings/],
  ['an unknown storage', (c) => (c.rings[0].storage = 'disk'), 'rings[0].storage', /one of async, sync/],
  ['memory storage, which a restarted process would lose', (c) => (c.rings[0].storage = 'memory'), 'rings[0].storage', /does not survive a restarted acceptor process/],
  ['an empty data directory', (c) => Object.assign(c.nodes[0], { dataDir: '' }), 'nodes[0].dataDir', /must be a directory path/],
  ['a protocol option typo', (c) => (c.rings[0].protocol = { batchBytes: 1 }), 'rings[0].protocol.batchBytes', /did you mean "batchBytesMax"/],
  ['a protocol option as a string', (c) => (c.rings[0].protocol = { batchValuesMax: '64' }), 'rings[0].protocol.batchValuesMax', /positive integer/],
  ['protocol limits that contradict', (c) => (c.rings[0].protocol = { dedupWindow: 10 }), 'rings[0].protocol.dedupWindow', /proposerValuesInFlightMax/],
  ['a message larger than a frame', (c) => ((c.transport = { datagramBytesMax: 128 }), (c.rings[0].protocol = { messageBytesMax: 10_000_000 })), 'rings[0].protocol.messageBytesMax', /largest frame/],
  ['an unknown placement mode', (c) => (c.placement = { mode: 'spread' }), 'placement.mode', /dedicated, shared/],
  ['placement threads 0', (c) => (c.placement = { threads: 0 }), 'placement.threads', /1 to 256/],
  ['placement spin as a string', (c) => (c.placement = { spin: 'yes' }), 'placement.spin', /true or false/],
  ['a placement key typo', (c) => (c.placement = { cpus: 2 }), 'placement.cpus', /unknown field/],
  ['an unknown gateway placement', (c) => (c.placement = { gateway: 'main-thread' }), 'placement.gateway', /own-thread, actor-thread/],
  ['tickMs 0', (c) => (c.tickMs = 0), 'tickMs', /1 to 10000/],
  ['a supervisor key typo', (c) => (c.supervisor = { intensty: 3 }), 'supervisor.intensty', /did you mean "intensity"/],
  ['a supervisor jitter of 1.5', (c) => (c.supervisor = { backoffJitter: 1.5 }), 'supervisor.backoffJitter', /\[0, 1\)/],
  ['datagrams of 100 bytes', (c) => (c.transport = { datagramBytesMax: 100 }), 'transport.datagramBytesMax', /128 to 65507/],
  ['datagrams above the UDP maximum', (c) => (c.transport = { datagramBytesMax: 65508 }), 'transport.datagramBytesMax', /128 to 65507/],
  ['a tiny socket buffer', (c) => (c.transport = { socketBufferBytes: 100 }), 'transport.socketBufferBytes', /4096/],
  ['a loss rate above 1', (c) => (c.transport = { faults: { lossRate: 1.5 } }), 'transport.faults.lossRate', /0 to 1/],
  ['a negative duplicate rate', (c) => (c.transport = { faults: { duplicateRate: -0.1 } }), 'transport.faults.duplicateRate', /0 to 1/],
  ['a delay whose min exceeds its max', (c) => (c.transport = { faults: { delayMs: { min: 5, max: 2 } } }), 'transport.faults.delayMs.max', /at least delayMs.min/],
  ['a delay without max', (c) => (c.transport = { faults: { delayMs: { min: 5 } } }), 'transport.faults.delayMs.max', /is required/],
  ['a fault the deployment does not offer', (c) => (c.transport = { faults: { reorderHoldMs: 5 } }), 'transport.faults.reorderHoldMs', /unknown field/],
  ['a transport key typo', (c) => (c.transport = { datagramBytes: 1400 }), 'transport.datagramBytes', /did you mean "datagramBytesMax"/],
];

describe('validateDeployment refuses a bad deployment, naming the field', () => {
  it('has a table of at least 25 bad deployments', () => expect(BAD.length).toBeGreaterThanOrEqual(25));

  it.each(BAD)('%s → %s', (_what, mutate, field, problem) => {
    const e = refusal(mutate);
    expect(e.field).toBe(field);
    expect(e.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(e.message.startsWith(`invalid config: ${field}: `)).toBe(true);
    expect(e.message).toMatch(problem);
  });

  it.each<[string, unknown]>([
    ['a list', [1]],
    ['null', null],
    ['a string', 'nodes: []'],
  ])('a root that is %s → config', (_what, raw) => {
    const e = refusalOf(raw);
    expect(e.field).toBe('config');
    expect(e.message).toMatch(/^invalid config: config: must be a mapping with nodes and rings/);
  });

  it('says where the config came from when told', () => {
    const c = baseDeployment();
    c.rings[0].acceptors[1].node = 'a9';
    expect(() => validateDeployment(c, 'deploy.json')).toThrow('invalid config: rings[0].acceptors[1].node: no node named "a9" (deploy.json)');
  });
});

describe('validateDeployment accepts a good deployment', () => {
  it('returns the same fields, deeply frozen', () => {
    const c = baseDeployment();
    const config = validateDeployment(c);
    expect(config).toEqual(c);
    expect(config).not.toBe(c);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.nodes[0])).toBe(true);
    expect(Object.isFrozen(config.rings[0]?.acceptors[0])).toBe(true);
    expect(Object.isFrozen(config.rings[0]?.multicast)).toBe(true);
    expect(() => ((config.nodes[0] as Raw).port = 1)).toThrow(TypeError);
  });

  it.each<[string, (c: Raw) => void]>([
    ['a ring without proposers', (c) => (c.rings[0].proposers = [])],
    ['ring dissemination without a group', (c) => ((c.rings[0].dissemination = 'ring'), delete c.rings[0].multicast)],
    ['two multicast rings sharing their group', (c) => secondRing(c, { dissemination: 'multicast', multicast: { group: '239.255.0.1', port: 7200 } })],
    ['two rings, one of them by unicast', (c) => secondRing(c)],
    ['one control port on two machines', (c) => ((c.nodes[1].host = '192.0.2.11'), (c.nodes[1].controlPort = 7101))],
    ['every optional section', (c) => Object.assign(c, { placement: { mode: 'shared', threads: 2, spin: false, pin: false, cores: 2, gateway: 'actor-thread' }, tickMs: 5, supervisor: { intensity: 3 }, transport: { datagramBytesMax: 1472, socketBufferBytes: 1 << 20, faults: { lossRate: 0.01, delayMs: { min: 0, max: 3 } } } })],
    ['protocol options and sync storage', (c) => Object.assign(c.rings[0], { storage: 'sync', protocol: { instancesInFlightMax: 8 }, multicast: { group: '224.0.0.251', port: 5353, interface: '127.0.0.1', ttl: 0 } })],
  ])('accepts %s', (_what, mutate) => {
    const c = baseDeployment();
    mutate(c);
    expect(validateDeployment(c)).toEqual(c);
  });

  it('drops undefined optional fields of a config built in code', () => {
    const c = baseDeployment();
    c.nodes[1].controlPort = undefined;
    const config = validateDeployment(c);
    expect('controlPort' in (config.nodes[1] as object)).toBe(false);
  });

  it('refuses with an error that matches on its code, as every ringcast error', () => {
    let caught: unknown;
    try {
      validateDeployment(null);
    } catch (e) {
      caught = e;
    }
    expect(isRingcastError(caught, ErrorCode.CONFIG_INVALID)).toBe(true);
  });
});
