import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { IMPORT_ENCODINGS, type ImportEncoding } from '@kanta/contracts';

export { IMPORT_ENCODINGS, type ImportEncoding };

/** What a file may be read as: a named encoding, or UTF-16 when its BOM says so. */
export type TextEncodingName = ImportEncoding | 'utf-16le' | 'utf-16be';

const ALIASES: Record<string, ImportEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'windows-1250': 'windows-1250',
  cp1250: 'windows-1250',
  'cp-1250': 'windows-1250',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'cp-1252': 'windows-1252',
  'iso-8859-2': 'iso-8859-2',
  iso88592: 'iso-8859-2',
  'iso8859-2': 'iso-8859-2',
  latin2: 'iso-8859-2',
  'iso-8859-15': 'iso-8859-15',
  iso885915: 'iso-8859-15',
  'iso8859-15': 'iso-8859-15',
  latin9: 'iso-8859-15',
};

/** The encoding a name means (case and surrounding spaces aside), or null for one we do not read. */
export function importEncodingOf(name: string): ImportEncoding | null {
  return ALIASES[name.trim().toLowerCase()] ?? null;
}

/** A byte-order mark at the start of a file: the encoding it declares and its length. */
export function byteOrderMark(head: Buffer): { encoding: TextEncodingName; length: number } | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: 'utf-8', length: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * Bytes that tell Windows-1250 (Polish) from Windows-1252 (Finnish, French, …) where both are
 * letters people type: ą ś ź ł ż Ś Ź Ł Ż Ą (1250) are ¹ œ Ÿ ³ ¿ Œ (undefined) £ ¯ ¥ in 1252,
 * symbols nobody types in a name or a street; and à è å Å ù û ï À È (1252) are ŕ č ĺ Ĺ ů ű ď Ŕ Č
 * in 1250, letters of neither Polish nor Finnish. The bytes both read as the same letter
 * (ä ö é ó ç …) say nothing and are not counted.
 */
const POLISH_1250 = [0xb9, 0x9c, 0x9f, 0xb3, 0xbf, 0x8c, 0x8f, 0xa3, 0xaf, 0xa5];
const WESTERN_1252 = [0xe0, 0xe8, 0xe5, 0xc5, 0xf9, 0xfb, 0xef, 0xc0, 0xc8];
/** How much of a legacy file's text is looked at to choose between the two. */
const LEGACY_SAMPLE_BYTES = 16 * 1024 * 1024;

/**
 * What a text file without a BOM is written in: UTF-8 if every byte of it is valid UTF-8 (one
 * streaming pass with Node's native check, chunk by chunk, a character cut between chunks
 * carried over), else Windows-1250 or Windows-1252 by the bytes that differ between them (a tie
 * or none: Windows-1252, which reads every letter the two share the same).
 */
export async function detectTextEncoding(
  path: string,
  start: number,
): Promise<'utf-8' | 'windows-1250' | 'windows-1252'> {
  let carry: Buffer | null = null;
  let legacy = false;
  let sampled = 0;
  const counts = new Uint32Array(256);
  for await (const read of createReadStream(path, { start, highWaterMark: 1 << 20 })) {
    const chunk = read as Buffer;
    if (!legacy) {
      // A character cut by the previous chunk's end is checked with the bytes that finish it:
      // a few bytes copied, never the chunk.
      let offset = 0;
      if (carry !== null) {
        const needed = utf8SequenceLength(carry[0]) - carry.length;
        const joined = Buffer.concat([carry, chunk.subarray(0, needed)]);
        carry = null;
        if (needed > chunk.length) {
          carry = joined;
          continue;
        }
        offset = needed;
        if (!isUtf8(joined)) legacy = true;
      }
      const body = chunk.subarray(offset);
      const whole = completeUtf8Length(body);
      if (!legacy && isUtf8(body.subarray(0, whole))) {
        if (whole < body.length) carry = Buffer.from(body.subarray(whole));
        continue;
      }
      legacy = true;
      carry = null;
      sampled += countHighBytes(chunk, counts);
    } else {
      sampled += countHighBytes(chunk, counts);
    }
    if (sampled >= LEGACY_SAMPLE_BYTES) break;
  }
  // A character cut off by the end of the file is not UTF-8 either.
  if (!legacy && carry !== null) {
    legacy = true;
    countHighBytes(carry, counts);
  }
  if (!legacy) return 'utf-8';
  const polish = POLISH_1250.reduce((n, b) => n + counts[b], 0);
  const western = WESTERN_1252.reduce((n, b) => n + counts[b], 0);
  return polish > western ? 'windows-1250' : 'windows-1252';
}

function countHighBytes(bytes: Buffer, counts: Uint32Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x80) counts[b]++;
  }
  return bytes.length;
}

/** How many bytes the UTF-8 sequence a lead byte starts takes (1 for a stray byte). */
function utf8SequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** The length of `bytes` without a UTF-8 sequence cut off at its end. */
function completeUtf8Length(bytes: Buffer): number {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    if (b < 0x80) return end;
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return i + needed > end ? i : end;
  }
  return end;
}

/**
 * Whether the start of a file is text at all: no NUL byte, and control characters (other than
 * tab, line ends, form feed and the old end-of-file mark) in at most one byte of a hundred.
 * Images, archives and random bytes fail it; every real CSV passes it.
 */
export function looksLikeText(head: Buffer): boolean {
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === 0) return false;
    if (
      (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) ||
      b === 0x7f
    ) {
      controls++;
    }
  }
  return controls * 100 <= head.length;
}

/**
 * Decodes a whole buffer. Always through the streaming path: Node 20's one-shot decode of
 * `windows-1252` takes a Latin-1 shortcut that reads 0x80–0x9F (€ œ Š ž …) as control
 * characters; the streaming path asks ICU and reads them right (a spec checks it).
 */
export function decodeText(encoding: TextEncodingName, bytes: Uint8Array): string {
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}
