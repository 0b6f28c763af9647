/**
 * Installs the native memcpy (runtime/native/copy.c) as the hot paths' copy for arrays of
 * BULK_COPY_MIN_BYTES and more (src/bulk-copy.ts), where `npm install` built the native module and
 * RINGCAST_NATIVE is not 0. Below that size the call costs more than it saves (1 KB: 72 against
 * 97–105 ns in cache, the same from memory). Imported for its effect by every thread that runs
 * actors or the API.
 */
import { installBulkCopy, type BulkCopy } from '../../src/bulk-copy.ts';
import { loadNativeCrc32 } from './crc32.ts';

export const BULK_COPY_MIN_BYTES = 4096;

function nativeCopy(): BulkCopy | null {
  if (process.env['RINGCAST_NATIVE'] === '0') return null;
  const native = loadNativeCrc32();
  // A module built before copy.c was added has no copyBytes.
  return native instanceof Error || typeof native.copyBytes !== 'function' ? null : native.copyBytes;
}

const copy = nativeCopy();
installBulkCopy(copy, BULK_COPY_MIN_BYTES);

/** Which copy the hot paths use for large arrays (test/native/bulk-copy.test.ts checks it is the native one where built). */
export const bulkCopyImplementation: 'native' | 'typed-array-set' = copy === null ? 'typed-array-set' : 'native';
