import { Writable } from 'node:stream';

/**
 * An output that takes nothing until `release()`: what a slow client or a slow disk looks like to
 * a writer. `buffered` is what sits in it; `bytes()` everything it has taken.
 */
export class StalledSink extends Writable {
  private readonly chunks: Buffer[] = [];
  private held: (() => void)[] = [];
  private released = false;

  constructor() {
    super({ highWaterMark: 16 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    if (this.released) done();
    else this.held.push(done);
  }

  release(): void {
    this.released = true;
    for (const done of this.held) done();
    this.held = [];
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Runs `addRows` until it stops taking rows (none for 200 ms) or ends; returns rows taken. */
export async function rowsTakenWhileStalled(
  addRow: (i: number) => Promise<void>,
  total: number,
): Promise<{ taken: () => number; done: Promise<void>; settled: () => Promise<number> }> {
  let taken = 0;
  let ended = false;
  const done = (async () => {
    for (let i = 0; i < total; i++) {
      await addRow(i);
      taken++;
    }
    ended = true;
  })();
  return {
    taken: () => taken,
    done,
    settled: async () => {
      for (let last = -1; last !== taken && !ended;) {
        last = taken;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return taken;
    },
  };
}
