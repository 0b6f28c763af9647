/**
 * `npm install` runs this: it builds the native CRC-32 (crc32.c, binding.gyp; with copy.c, the
 * hot paths' memcpy into and out of shared memory, and gaps.c, the latency benchmarks' probe of
 * the machine, in the same module) with the node-gyp
 * that npm bundles, against the headers of the Node.js that runs it. It never fails the install:
 * without a compiler or headers ringcast uses node:zlib's crc32 and V8's copies, and says so here
 * and in `ringcast status`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const gyp = [process.env.npm_config_node_gyp, join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find((p) => p !== undefined && p !== '' && existsSync(p));
if (gyp === undefined) {
  console.warn('ringcast: node-gyp not found; the native CRC-32 is not built and node:zlib\'s is used');
  process.exit(0);
}
const args = [gyp, 'rebuild', `--directory=${here}`];
// Headers installed beside this Node.js (as Debian's nodejs package does) spare a download.
if ((process.env.npm_config_nodedir ?? '') === '' && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (run.status === 0) {
  console.log('ringcast: built the native CRC-32 (runtime/native/build/Release/ringcast_native.node)');
} else {
  const tail = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  console.warn(`ringcast: the native CRC-32 did not build (node:zlib's crc32 is used instead):\n${tail}`);
}
