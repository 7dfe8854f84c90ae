import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';

/** A ZIP that cannot be read as one: the caller answers 422 `import-file-unreadable`. */
export class ZipUnreadable extends Error {}

/** An entry that inflates to more bytes than allowed (a ZIP bomb, or a lying directory). */
export class ZipEntryTooLarge extends ZipUnreadable {}

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  headerOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** The end record (22 bytes) and a comment of at most 65,535 bytes. */
const EOCD_SEARCH_BYTES = 22 + 0xffff;
/** A workbook's directory names a few dozen entries; this is far beyond any real one. */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

/**
 * A ZIP file's central directory, read with a file handle (the end record, then the entries),
 * and its entries inflated as streams from their data offsets: nothing is loaded whole and
 * nothing is written out (an entry's name is only looked up, never used as a path).
 */
export class ZipDirectory {
  private constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  static async open(path: string): Promise<ZipDirectory> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const entries = await readDirectory(handle, size);
      return new ZipDirectory(handle, size, entries);
    } catch (error) {
      await handle.close();
      throw error instanceof ZipUnreadable ? error : new ZipUnreadable(String(error));
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /**
   * The entry's bytes, inflated (or stored) in chunks. More than `maxBytes`, or more than the
   * directory declares, throws `ZipEntryTooLarge` as soon as it is seen; a CRC or size that does
   * not match at the end throws `ZipUnreadable`.
   */
  async *bytes(entry: ZipEntry, maxBytes: number, chunkBytes = 64 * 1024): AsyncGenerator<Buffer> {
    if (entry.size > maxBytes) throw new ZipEntryTooLarge(entry.name);
    const local = Buffer.alloc(30);
    const { bytesRead } = await this.handle.read(local, 0, 30, entry.headerOffset);
    if (bytesRead < 30 || local.readUInt32LE(0) !== LOCAL_HEADER) {
      throw new ZipUnreadable(`no local header for ${entry.name}`);
    }
    const start = entry.headerOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (start + entry.compressedSize > this.size) {
      throw new ZipUnreadable(`${entry.name} runs past the end of the file`);
    }
    if (entry.compressedSize === 0) {
      if (entry.size !== 0) throw new ZipUnreadable(`${entry.name} has no data`);
      return;
    }
    const input = Readable.from(this.compressed(start, entry.compressedSize, chunkBytes));
    let source: AsyncIterable<Buffer> = input;
    let inflate: ReturnType<typeof createInflateRaw> | null = null;
    if (entry.method === 8) {
      inflate = createInflateRaw({ chunkSize: chunkBytes });
      input.on('error', (error) => inflate?.destroy(error));
      input.pipe(inflate);
      source = inflate;
    } else if (entry.method !== 0) {
      throw new ZipUnreadable(`${entry.name}: compression method ${entry.method}`);
    }
    let total = 0;
    let crc = 0;
    try {
      for await (const chunk of source) {
        total += chunk.length;
        if (total > entry.size || total > maxBytes) throw new ZipEntryTooLarge(entry.name);
        crc = crc32(chunk, crc);
        yield chunk;
      }
    } finally {
      input.unpipe();
      input.destroy();
      inflate?.destroy();
    }
    if (total !== entry.size || crc !== entry.crc) {
      throw new ZipUnreadable(`${entry.name}: size or CRC does not match`);
    }
  }

  /** The entry's stored bytes, read with the handle (the caller closes it, not a stream). */
  private async *compressed(start: number, length: number, chunkBytes: number) {
    for (let done = 0; done < length;) {
      const bytes = Buffer.allocUnsafe(Math.min(chunkBytes, length - done));
      const { bytesRead } = await this.handle.read(bytes, 0, bytes.length, start + done);
      if (bytesRead === 0) throw new ZipUnreadable('the file ends early');
      done += bytesRead;
      yield bytesRead < bytes.length ? bytes.subarray(0, bytesRead) : bytes;
    }
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  const { bytesRead } = await handle.read(bytes, 0, length, position);
  if (bytesRead < length) throw new ZipUnreadable('the file ends early');
  return bytes;
}

async function readDirectory(handle: FileHandle, size: number): Promise<Map<string, ZipEntry>> {
  const tailLength = Math.min(size, EOCD_SEARCH_BYTES);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipUnreadable('no end of central directory');
  let count = tail.readUInt16LE(at + 10);
  let directorySize = tail.readUInt32LE(at + 12);
  let directoryOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
    const locatorAt = size - tailLength + at - 20;
    if (locatorAt < 0) throw new ZipUnreadable('no ZIP64 locator');
    const locator = await readAt(handle, locatorAt, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipUnreadable('no ZIP64 locator');
    const record = await readAt(handle, safeNumber(locator.readBigUInt64LE(8)), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipUnreadable('no ZIP64 end record');
    count = safeNumber(record.readBigUInt64LE(32));
    directorySize = safeNumber(record.readBigUInt64LE(40));
    directoryOffset = safeNumber(record.readBigUInt64LE(48));
  }
  if (directorySize > MAX_DIRECTORY_BYTES || directoryOffset + directorySize > size) {
    throw new ZipUnreadable('central directory out of bounds');
  }
  const directory = await readAt(handle, directoryOffset, directorySize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL_ENTRY) {
      throw new ZipUnreadable('broken central directory');
    }
    const flags = directory.readUInt16LE(p + 8);
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const commentLength = directory.readUInt16LE(p + 32);
    const nameEnd = p + 46 + nameLength;
    if (nameEnd + extraLength + commentLength > directory.length) {
      throw new ZipUnreadable('broken central directory');
    }
    // Bit 11: UTF-8 names; the parts of a workbook are ASCII either way.
    const name = directory.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, nameEnd);
    const entry: ZipEntry = {
      name,
      method: directory.readUInt16LE(p + 10),
      crc: directory.readUInt32LE(p + 16),
      compressedSize: directory.readUInt32LE(p + 20),
      size: directory.readUInt32LE(p + 24),
      headerOffset: directory.readUInt32LE(p + 42),
    };
    readZip64Extra(entry, directory.subarray(nameEnd, nameEnd + extraLength));
    // Bit 0: encrypted; nothing of it can be read.
    if (flags & 0x1) entry.method = -1;
    if (!entries.has(name)) entries.set(name, entry);
    p = nameEnd + extraLength + commentLength;
  }
  return entries;
}

/** The ZIP64 extra field holds, in this order, each of the values saturated in the entry. */
function readZip64Extra(entry: ZipEntry, extra: Buffer): void {
  if (entry.size !== 0xffffffff && entry.compressedSize !== 0xffffffff) {
    if (entry.headerOffset !== 0xffffffff) return;
  }
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = (): number => {
        if (q + 8 > p + 4 + length) throw new ZipUnreadable('short ZIP64 extra field');
        const value = safeNumber(extra.readBigUInt64LE(q));
        q += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.headerOffset === 0xffffffff) entry.headerOffset = next();
      return;
    }
    p += 4 + length;
  }
  throw new ZipUnreadable(`${entry.name}: ZIP64 sizes without their extra field`);
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipUnreadable('ZIP64 value too large');
  return Number(value);
}
