/**
 * loadDeployment: the example configs load; JSON and YAML give the same config; a file that
 * cannot be read or parsed is refused on the field `file`, a bad field with its path and line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/errors.ts';
import { CONFIG_FILE_BYTES_MAX, loadDeployment, pathSegments } from '../../runtime/config/load-deployment.ts';
import { baseDeployment, configErrorOf } from './fixtures.ts';

const EXAMPLES = new URL('../../config/examples/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ringcast-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const refusal = (path: string): ConfigError => configErrorOf(() => loadDeployment(path));

describe('the example configs', () => {
  it.each(['three-node-multicast.yaml', 'three-node-ring.yaml', 'two-hosts.yaml'])('%s loads', (name) => {
    const config = loadDeployment(join(EXAMPLES, name));
    expect(config.nodes.length).toBeGreaterThanOrEqual(3);
    expect(Object.isFrozen(config.rings[0]?.acceptors)).toBe(true);
  });

  it('three-node-multicast: 3 acceptors, 2 coordinators, a learner and a proposer over three loopback nodes, a 239.255 group', () => {
    const config = loadDeployment(join(EXAMPLES, 'three-node-multicast.yaml'));
    const ring = config.rings[0];
    expect(config.nodes.map((n) => `${n.host}:${n.port}`)).toEqual(['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003']);
    expect([ring?.acceptors.length, ring?.coordinators.length, ring?.learners.length, ring?.proposers.length]).toEqual([3, 2, 1, 1]);
    expect(ring?.dissemination).toBe('multicast');
    expect(ring?.multicast?.group).toMatch(/^239\.255\./);
    expect(new Set(ring?.acceptors.map((a) => a.node)).size).toBe(3);
  });

  it('three-node-ring: ring dissemination, no group', () => {
    const ring = loadDeployment(join(EXAMPLES, 'three-node-ring.yaml')).rings[0];
    expect(ring?.dissemination).toBe('ring');
    expect(ring?.multicast).toBeUndefined();
    expect([ring?.acceptors.length, ring?.coordinators.length, ring?.learners.length, ring?.proposers.length]).toEqual([3, 2, 1, 1]);
  });

  it('two-hosts: documentation addresses (RFC 5737) only', () => {
    const config = loadDeployment(join(EXAMPLES, 'two-hosts.yaml'));
    expect(new Set(config.nodes.map((n) => n.host))).toEqual(new Set(['192.0.2.10', '192.0.2.11']));
  });
});

describe('JSON and YAML', () => {
  it('give the same config, by extension (.json, .yaml, .yml)', () => {
    const raw = baseDeployment();
    const fromJson = loadDeployment(file('d.json', JSON.stringify(raw, null, 2)));
    const fromYaml = loadDeployment(file('d.yaml', stringify(raw)));
    const fromYml = loadDeployment(file('d.yml', stringify(raw)));
    expect(fromJson).toEqual(raw);
    expect(fromYaml).toEqual(fromJson);
    expect(fromYml).toEqual(fromJson);
  });

  it('a bad field in YAML is named with its file and line', () => {
    const text = stringify(baseDeployment()).replace('node: a2', 'node: a9');
    const path = file('bad-field.yaml', text);
    const line = text.split('\n').findIndex((l) => l.includes('node: a9')) + 1;
    const e = refusal(path);
    expect(e.field).toBe('rings[0].acceptors[1].node');
    expect(e.message).toBe(`invalid config: rings[0].acceptors[1].node: no node named "a9" (${path}:${line})`);
  });

  it('a missing field in YAML points at its parent', () => {
    const text = 'nodes:\n  - name: a1\n    id: 1\n    host: 127.0.0.1\nrings: []\n';
    const e = refusal(file('missing.yaml', text));
    expect(e.field).toBe('nodes[0].port');
    expect(e.message).toMatch(/is required \(.*missing\.yaml:2\)$/);
  });

  it('a bad field in JSON is named with its file', () => {
    const raw = baseDeployment();
    raw.nodes[0].port = 0;
    const path = file('bad-field.json', JSON.stringify(raw));
    const e = refusal(path);
    expect(e.field).toBe('nodes[0].port');
    expect(e.message).toBe(`invalid config: nodes[0].port: must be an integer from 1 to 65535, got 0 (${path})`);
  });
});

describe('a file that cannot be read or parsed is refused on the field `file`', () => {
  it.each<[string, () => string, RegExp]>([
    ['a missing file', () => join(dir, 'nowhere.yaml'), /nowhere\.yaml: no such file/],
    ['a directory', () => (mkdirSync(join(dir, 'folder.yaml')), join(dir, 'folder.yaml')), /folder\.yaml: not a regular file/],
    ['an unknown extension', () => file('d.toml', 'x = 1'), /must end in \.json, \.yaml or \.yml/],
    ['an empty file', () => file('empty.yaml', '\n  \n'), /is empty/],
    ['unparsable YAML', () => file('broken.yaml', 'nodes:\n  - name: a1\n    id: [1, 2\nrings: []\n'), /broken\.yaml:\d+:\d+: not valid YAML/],
    ['an unclosed quote', () => file('quote.yaml', "nodes: 'a1\n"), /not valid YAML: Missing closing/],
    ['a YAML key given twice', () => file('twice.yaml', 'nodes: []\nnodes: []\n'), /twice\.yaml:2:1: not valid YAML: Map keys must be unique/],
    ['several YAML documents', () => file('docs.yaml', 'nodes: []\n---\nrings: []\n'), /not valid YAML: Source contains multiple documents/],
    ['an alias bomb', () => file('bomb.yaml', bomb()), /not valid YAML/],
    ['unparsable JSON', () => file('broken.json', '{"nodes": [}'), /broken\.json: not valid JSON/],
    ['a file over the size limit', () => file('huge.yaml', `# ${'x'.repeat(CONFIG_FILE_BYTES_MAX)}\n`), /larger than 1048576 bytes/],
  ])('%s', (_what, make, problem) => {
    const e = refusal(make());
    expect(e.field).toBe('file');
    expect(e.message).toMatch(/^invalid config: file: /);
    expect(e.message).toMatch(problem);
  });
});

/** Nested aliases that would expand to 10^6 entries. */
function bomb(): string {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e']]) lines.push(`${name}: &${name} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`);
  return `${lines.join('\n')}\n`;
}

describe('pathSegments', () => {
  it.each<[string, (string | number)[]]>([
    ['nodes', ['nodes']],
    ['rings[0].acceptors[1].node', ['rings', 0, 'acceptors', 1, 'node']],
    ['transport.faults.delayMs.max', ['transport', 'faults', 'delayMs', 'max']],
  ])('%s', (field, segments) => expect(pathSegments(field)).toEqual(segments));
});
