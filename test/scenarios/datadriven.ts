/**
 * Data-driven test files in the style of etcd's raft: a command, `----`, the expected output, a
 * blank line. With RINGCAST_REWRITE=1 the expected outputs are written back from what ran; commit
 * such a diff only once it is understood.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface TestCase {
  readonly line: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly expected: string;
}

export function parseFile(text: string): { cases: TestCase[]; header: string[] } {
  const lines = text.split('\n');
  const cases: TestCase[] = [];
  const header: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.startsWith('#')) {
      if (cases.length === 0) header.push(line);
      i++;
      continue;
    }
    const start = i + 1;
    const words = line.trim().split(/\s+/);
    i++;
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after the command`);
    i++;
    const out: string[] = [];
    while (i < lines.length && (lines[i] as string) !== '') out.push(lines[i++] as string);
    cases.push({ line: start, command: words[0] as string, args: words.slice(1), expected: out.join('\n') });
  }
  return { cases, header };
}

export const rewriting = process.env['RINGCAST_REWRITE'] === '1';

/** Runs every case through `run`; returns mismatches, or rewrites the file in rewrite mode. */
export function runFile(path: string, run: (c: TestCase) => string): { line: number; command: string; expected: string; actual: string }[] {
  const text = readFileSync(path, 'utf8');
  const { cases } = parseFile(text);
  const failures: { line: number; command: string; expected: string; actual: string }[] = [];
  const rewritten: string[] = [];
  const firstCommand = text.split('\n').findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  rewritten.push(...text.split('\n').slice(0, Math.max(0, firstCommand)));
  for (const c of cases) {
    const actual = run(c).trimEnd() || 'ok';
    if (actual !== c.expected) failures.push({ line: c.line, command: [c.command, ...c.args].join(' '), expected: c.expected, actual });
    const comment = precedingComments(text, c.line);
    rewritten.push(...comment, [c.command, ...c.args].join(' '), '----', actual, '');
  }
  if (rewriting) writeFileSync(path, rewritten.join('\n').replace(/\n+$/, '\n'));
  return rewriting ? [] : failures;
}

/** Comment lines directly above a command (after the file header), kept on rewrite. */
function precedingComments(text: string, commandLine: number): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = commandLine - 2; i >= 0 && (lines[i] as string).startsWith('#'); i--) out.unshift(lines[i] as string);
  const firstCommand = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  return commandLine - 1 === firstCommand ? [] : out;
}
