/**
 * The protocol core in src/ is deterministic: no I/O, no clock, no ambient randomness, no timers,
 * no async. The SAB ring module is the exception by design (it is the runtime's queue, extractable
 * on its own, and its wait strategies must block or await).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const EXEMPT = ['src/sab-ring/'];

const FORBIDDEN: readonly [string, RegExp][] = [
  ['node: import', /\bfrom\s+['"]node:|\brequire\(\s*['"]node:|\bimport\(\s*['"]node:/],
  ['Date', /\bDate\s*[.(]|\bnew\s+Date\b/],
  ['performance', /\bperformance\s*\./],
  ['Math.random', /\bMath\s*\.\s*random\b/],
  ['timers', /\b(setTimeout|setInterval|setImmediate|queueMicrotask|process\s*\.\s*nextTick)\s*\(/],
  ['async', /\basync\s+(function\b|\(|[A-Za-z_$][\w$]*\s*\(|[A-Za-z_$][\w$]*\s*=>)|\bawait\s/],
];

/** Strips comments and string contents so that prose about Date or timers does not count. */
function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/`(?:\\.|[^`\\])*`/g, '``')
    .replace(/'(?:\\.|[^'\\\n])*'/g, "''")
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""');
}

export function impurities(source: string): string[] {
  // Import specifiers are strings: check them before strings are blanked.
  const found: string[] = [];
  if ((FORBIDDEN[0] as [string, RegExp])[1].test(source)) found.push('node: import');
  const code = codeOnly(source);
  for (const [name, re] of FORBIDDEN.slice(1)) if (re.test(code)) found.push(name);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('src/ is pure', () => {
  it('the detector flags each forbidden construct', () => {
    expect(impurities("import { readFileSync } from 'node:fs';")).toEqual(['node: import']);
    expect(impurities('const t = Date.now();')).toEqual(['Date']);
    expect(impurities('const t = performance.now();')).toEqual(['performance']);
    expect(impurities('const r = Math.random();')).toEqual(['Math.random']);
    expect(impurities('setTimeout(() => 1, 5);')).toEqual(['timers']);
    expect(impurities('async function f() {}')).toEqual(['async']);
    expect(impurities('const f = async (x) => x;')).toEqual(['async']);
    expect(impurities('// Date.now() in a comment\nconst s = "setTimeout(";')).toEqual([]);
  });

  it('no protocol file does I/O, reads a clock, draws ambient randomness, sets timers or awaits', () => {
    const files = tsFiles(join(root, 'src')).filter((f) => !EXEMPT.some((e) => relative(root, f).startsWith(e)));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.map((f) => ({ file: relative(root, f), found: impurities(readFileSync(f, 'utf8')) })).filter((x) => x.found.length > 0);
    expect(offenders).toEqual([]);
  });
});
