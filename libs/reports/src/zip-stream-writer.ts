import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import { adoptErrors, endStream, writeDrained } from './backpressure';

const LIMIT_32 = 0xffffffff;
/** Bit 3: sizes and CRC follow the data (a data descriptor); bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const DEFLATE = 8;
const VERSION = 20;

interface CentralEntry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/**
 * A ZIP archive written as a stream, one entry after another, each deflated as it comes, with
 * backpressure end to end: an entry's `write` resolves only once the deflater has room, and the
 * deflater's output is written to `output` only as fast as `output` drains. So memory holds a
 * few buffers whatever the archive's size, where exceljs's own writer (archiver) lets a slow
 * output pile up the whole sheet.
 *
 * No ZIP64: an entry or the archive beyond 4 GiB is refused with an error, far beyond an Excel
 * sheet's 1,048,576 rows of a report's columns.
 */
export class ZipStreamWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];
  private current: ZipEntryWriter | undefined;
  private readonly modified = dosDateTime(new Date());

  constructor(
    private readonly output: Writable,
    private readonly level = 6,
  ) {
    adoptErrors(output);
  }

  /** Starts the next entry; the previous one must be closed. */
  async openEntry(name: string): Promise<ZipEntryWriter> {
    if (this.current) throw new Error(`zip entry ${this.current.name} is still open`);
    const encoded = Buffer.from(name, 'utf8');
    const offset = this.offset;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.modified.time, 10);
    header.writeUInt16LE(this.modified.date, 12);
    // CRC and sizes (14–25) stay zero: the data descriptor carries them.
    header.writeUInt16LE(encoded.length, 26);
    await this.writeRaw(Buffer.concat([header, encoded]));
    const entry = new ZipEntryWriter(name, createDeflateRaw({ level: this.level }), this);
    this.current = entry;
    entry.onClosed = (crc, compressed, size) => {
      this.entries.push({ name: encoded, crc, compressed, size, offset });
      this.current = undefined;
    };
    return entry;
  }

  /** A whole small entry at once. */
  async addEntry(name: string, content: string): Promise<void> {
    const entry = await this.openEntry(name);
    await entry.write(Buffer.from(content, 'utf8'));
    await entry.close();
  }

  /** Writes the central directory and ends `output`, waiting until it has flushed. */
  async finish(): Promise<void> {
    if (this.current) throw new Error(`zip entry ${this.current.name} is still open`);
    const start = this.offset;
    for (const entry of this.entries) {
      const record = Buffer.alloc(46);
      record.writeUInt32LE(0x02014b50, 0);
      record.writeUInt16LE(VERSION, 4);
      record.writeUInt16LE(VERSION, 6);
      record.writeUInt16LE(FLAGS, 8);
      record.writeUInt16LE(DEFLATE, 10);
      record.writeUInt16LE(this.modified.time, 12);
      record.writeUInt16LE(this.modified.date, 14);
      record.writeUInt32LE(entry.crc, 16);
      record.writeUInt32LE(entry.compressed, 20);
      record.writeUInt32LE(entry.size, 24);
      record.writeUInt16LE(entry.name.length, 28);
      // Extra field, comment, disk number, attributes (30–41): none.
      record.writeUInt32LE(entry.offset, 42);
      await this.writeRaw(Buffer.concat([record, entry.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.writeRaw(end);
    await endStream(this.output);
  }

  /** @internal The entries write their compressed bytes through here. */
  async writeRaw(chunk: Buffer): Promise<void> {
    this.offset += chunk.length;
    if (this.offset > LIMIT_32) throw new Error('the archive is larger than 4 GiB (no ZIP64)');
    await writeDrained(this.output, chunk);
  }
}

/** One entry of a `ZipStreamWriter`, written chunk by chunk. */
export class ZipEntryWriter {
  private crc = 0;
  private size = 0;
  private compressed = 0;
  private readonly pumped: Promise<void>;
  /** @internal */
  onClosed: (crc: number, compressed: number, size: number) => void = () => undefined;

  constructor(
    readonly name: string,
    private readonly deflate: DeflateRaw,
    private readonly zip: ZipStreamWriter,
  ) {
    this.pumped = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        this.compressed += chunk.length;
        await this.zip.writeRaw(chunk);
      }
    })();
    // A failure is thrown from the next write or from close, not as an unhandled rejection.
    this.pumped.catch(() => undefined);
  }

  /** Resolves when the deflater has room for more: the caller's backpressure. */
  async write(chunk: Buffer): Promise<void> {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    if (this.size > LIMIT_32) throw new Error(`zip entry ${this.name} is larger than 4 GiB`);
    if (!this.deflate.write(chunk)) {
      await Promise.race([
        once(this.deflate, 'drain'),
        this.pumped.then(() => {
          throw new Error(`zip entry ${this.name} stopped taking data`);
        }),
      ]);
    }
  }

  async close(): Promise<void> {
    this.deflate.end();
    await this.pumped;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(this.crc, 4);
    descriptor.writeUInt32LE(this.compressed, 8);
    descriptor.writeUInt32LE(this.size, 12);
    await this.zip.writeRaw(descriptor);
    this.onClosed(this.crc, this.compressed, this.size);
  }
}

function dosDateTime(at: Date): { date: number; time: number } {
  return {
    date: ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
  };
}
