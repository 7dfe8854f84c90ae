import { mkdirSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { readFileChunk } from '@kanta/platform';

export const IMPORTS_DIR = Symbol('IMPORTS_DIR');

/**
 * The files of imports in IMPORTS_DIR: `<tenant>/<import>.upload` (the uploaded file, deleted
 * once its dry run has read it) and `<tenant>/<import>.errors.xlsx` (the rows with errors, as
 * uploaded, with an error column). Replicas share the directory (a shared volume, as reports).
 */
@Injectable()
export class ImportFiles {
  constructor(@Inject(IMPORTS_DIR) readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  uploadPath(tenantId: string, importId: string): string {
    return join(this.dir, tenantId, `${importId}.upload`);
  }

  errorsPath(tenantId: string, importId: string): string {
    return join(this.dir, tenantId, `${importId}.errors.xlsx`);
  }

  /** The upload's size so far; 0 when there is no file yet. */
  async uploadedSize(tenantId: string, importId: string): Promise<number> {
    try {
      return (await stat(this.uploadPath(tenantId, importId))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /**
   * Writes a chunk at its offset: the same chunk sent again writes the same bytes. Answers the
   * file's size after it.
   */
  async writeChunk(
    tenantId: string,
    importId: string,
    offset: number,
    bytes: Buffer,
  ): Promise<number> {
    await mkdir(join(this.dir, tenantId), { recursive: true });
    // Never truncated: a first chunk sent again after the second must not cut the file.
    const path = this.uploadPath(tenantId, importId);
    const handle = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return open(path, 'w');
      throw error;
    });
    try {
      if (bytes.length > 0) await handle.write(bytes, 0, bytes.length, offset);
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  async removeUpload(tenantId: string, importId: string): Promise<void> {
    await rm(this.uploadPath(tenantId, importId), { force: true });
  }

  async removeAll(tenantId: string, importId: string): Promise<void> {
    await this.removeUpload(tenantId, importId);
    await rm(this.errorsPath(tenantId, importId), { force: true });
  }

  /** Up to FILE_CHUNK_BYTES of the errors file from `offset`; null when it is not there. */
  async errorsChunk(
    tenantId: string,
    importId: string,
    offset: number,
  ): Promise<{ bytes: Buffer; size: number } | null> {
    return readFileChunk(this.errorsPath(tenantId, importId), offset);
  }
}
