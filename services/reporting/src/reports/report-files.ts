import { mkdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { readFileChunk } from '@kanta/platform';

export const REPORTS_DIR = Symbol('REPORTS_DIR');

/**
 * The report files in REPORTS_DIR: `<tenant>/<report>.<format>`, written first under a
 * `.part` name and renamed when whole, so a half-written file is never downloaded. Replicas share
 * the directory (a shared volume; docs/operations.md).
 */
@Injectable()
export class ReportFiles {
  constructor(@Inject(REPORTS_DIR) readonly dir: string) {
    // At start: a missing directory is made, a directory that cannot be is a failed start.
    mkdirSync(dir, { recursive: true });
  }

  path(tenantId: string, reportId: string, format: string): string {
    return join(this.dir, tenantId, `${reportId}.${format}`);
  }

  /** The temporary path the job writes to, the directory made. */
  async partPath(tenantId: string, reportId: string, format: string): Promise<string> {
    await mkdir(join(this.dir, tenantId), { recursive: true });
    return `${this.path(tenantId, reportId, format)}.part`;
  }

  /** Makes the written file the report's; answers its size. */
  async complete(tenantId: string, reportId: string, format: string): Promise<number> {
    const final = this.path(tenantId, reportId, format);
    await rename(`${final}.part`, final);
    return (await stat(final)).size;
  }

  /** Deletes the report's file and any half-written one; nothing when there is none. */
  async remove(tenantId: string, reportId: string, format: string): Promise<void> {
    const final = this.path(tenantId, reportId, format);
    await rm(final, { force: true });
    await rm(`${final}.part`, { force: true });
  }

  /** Up to FILE_CHUNK_BYTES from `offset`; null when the file is not there. */
  async chunk(
    tenantId: string,
    reportId: string,
    format: string,
    offset: number,
  ): Promise<{ bytes: Buffer; size: number } | null> {
    return readFileChunk(this.path(tenantId, reportId, format), offset);
  }
}
