import { open } from 'node:fs/promises';

/** Bytes of a file answered in one RPC chunk (a report, an import's errors.xlsx). */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * Up to FILE_CHUNK_BYTES of the file at `path` from `offset`, with the file's size; null when the
 * file is not there (deleted, expired, never written).
 */
export async function readFileChunk(
  path: string,
  offset: number,
): Promise<{ bytes: Buffer; size: number } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.max(0, Math.min(FILE_CHUNK_BYTES, size - offset));
    const bytes = Buffer.alloc(length);
    if (length > 0) await handle.read(bytes, 0, length, offset);
    return { bytes, size };
  } finally {
    await handle.close();
  }
}
