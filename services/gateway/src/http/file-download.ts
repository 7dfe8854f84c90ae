import { Readable } from 'node:stream';
import { HttpResult } from './http-result';

/** `attachment` with the file's name, as ASCII and (RFC 5987) as UTF-8 for Ukrainian and others. */
export function attachment(fileName: string): string {
  const ascii = fileName
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/"/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** One chunk of a file a service keeps, as its RPC answers it. */
export interface FileChunk<Offset> {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  chunkBase64: string;
  /** Where the next chunk starts (a number, or its text for offsets past 2^53); null: the last. */
  nextOffset: Offset | null;
}

/**
 * A file a service sends chunk by chunk over RPC (a report, an import's errors.xlsx), streamed
 * as a download. `first` was asked before: its problems (409, 410, 404) are answered before any
 * header is sent; `next` asks the chunk at an offset.
 */
export function chunkedDownload<Offset>(
  first: FileChunk<Offset>,
  next: (offset: Offset) => Promise<FileChunk<Offset>>,
): HttpResult<Readable> {
  async function* chunks(): AsyncGenerator<Buffer> {
    let chunk = first;
    for (;;) {
      yield Buffer.from(chunk.chunkBase64, 'base64');
      if (chunk.nextOffset === null) return;
      chunk = await next(chunk.nextOffset);
    }
  }
  return new HttpResult(Readable.from(chunks()), 200, {
    'Content-Type': first.contentType,
    'Content-Length': String(first.sizeBytes),
    'Content-Disposition': attachment(first.fileName),
  });
}
