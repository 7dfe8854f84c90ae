import type { Writable } from 'node:stream';

/**
 * Makes `stream`'s failure the writer's to report: without a listener an 'error' emitted while
 * no write is waiting (a client gone between two rows) would crash the process. The next write
 * throws it instead (`writeDrained` checks `stream.errored`).
 */
export function adoptErrors(stream: Writable): void {
  stream.on('error', () => undefined);
}

/**
 * Writes `chunk` and, when the stream's buffer is full, waits for it to drain: the whole of the
 * writers' flat memory. Rejects if the stream fails or closes first, so a dead client does not
 * leave a report job waiting forever.
 */
export async function writeDrained(stream: Writable, chunk: Buffer): Promise<void> {
  if (stream.destroyed || stream.writableEnded) {
    throw stream.errored ?? new Error('the output stream is closed');
  }
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(stream.errored ?? new Error('the output stream closed before the report was written'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Ends the stream and waits until everything written has been flushed. */
export async function endStream(stream: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    stream.once('error', onError);
    stream.end(() => {
      stream.off('error', onError);
      resolve();
    });
  });
}
