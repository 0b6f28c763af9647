/**
 * loadDeployment: reads a deployment file (JSON by its `.json` extension, YAML by `.yaml` or
 * `.yml`), validates it and returns it deeply frozen. A file that cannot be read or parsed is
 * refused with a ConfigError on the field `file`; a bad field, with the field's dotted path and,
 * for YAML, the line it is on: `invalid config: rings[0].acceptors[1].node: no node named "a9"
 * (deploy.yaml:23)`.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../../src/errors.ts';
import type { DeploymentConfig } from './deployment.ts';
import { validateDeployment, withLocation } from './validate-deployment.ts';

export { validateDeployment } from './validate-deployment.ts';

/** A deployment file larger than this is refused before it is read. */
export const CONFIG_FILE_BYTES_MAX = 1024 * 1024;
/** YAML aliases expanded at most this many times (a "billion laughs" file is refused). */
const YAML_ALIASES_MAX = 100;

type Format = 'json' | 'yaml';

export function loadDeployment(path: string): DeploymentConfig {
  const format = formatOf(path);
  const text = readConfigText(path);
  if (format === 'json') return validateDeployment(parseJson(path, text), path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    throw new ConfigError('file', `${path}${at === undefined ? '' : `:${at.line}:${at.col}`}: not valid YAML: ${firstLine(error.message)}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: YAML_ALIASES_MAX });
  } catch (e) {
    throw new ConfigError('file', `${path}: not valid YAML: ${e instanceof Error ? firstLine(e.message) : String(e)}`);
  }
  try {
    return validateDeployment(raw);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const line = lineOf(doc, lineCounter, e.field);
    throw withLocation(e, line === null ? path : `${path}:${line}`);
  }
}

function formatOf(path: string): Format {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new ConfigError('file', `${path}: must end in .json, .yaml or .yml (the extension says how to parse it)`);
}

function readConfigText(path: string): string {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError('file', `${path}: not a regular file`);
    if (stat.size > CONFIG_FILE_BYTES_MAX) throw new ConfigError('file', `${path}: larger than ${CONFIG_FILE_BYTES_MAX} bytes`);
    const text = readFileSync(path, 'utf8');
    if (text.trim() === '') throw new ConfigError('file', `${path}: is empty`);
    return text;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') throw new ConfigError('file', `${path}: no such file`);
    throw new ConfigError('file', `${path}: cannot be read (${typeof code === 'string' ? code : e instanceof Error ? e.message : String(e)})`);
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError('file', `${path}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? s;

/** The line of the YAML node at a dotted path, or of its nearest ancestor present in the file. */
function lineOf(doc: Document, lineCounter: LineCounter, field: string): number | null {
  const segments = pathSegments(field);
  for (let n = segments.length; n >= 1; n--) {
    const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return lineCounter.linePos(node.range[0]).line;
  }
  return null;
}

/** `rings[0].acceptors[1].node` → ['rings', 0, 'acceptors', 1, 'node']. */
export function pathSegments(field: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) return segments;
    if (m[1] !== '' && m[1] !== undefined) segments.push(m[1]);
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}
