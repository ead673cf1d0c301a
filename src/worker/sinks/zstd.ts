import * as zlib from 'node:zlib'

/**
 * zstd where this Node has it (22.15 and later). Apart from the archiver, so that checking the
 * `compress` option does not load it (options are checked in every thread that makes a logger).
 */
export function hasZstd(): boolean {
  return typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function'
}
