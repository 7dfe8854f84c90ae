/**
 * Just enough XML for the parts of a workbook an import reads: elements are found with
 * `indexOf` on the text, a handful of attributes read from their start tags, text decoded from
 * the five predefined entities and character references. Anything else (namespaces declared,
 * other elements, processing instructions) is skipped. A DOCTYPE is refused by the caller: no
 * entity is ever defined, let alone resolved from outside (no XXE).
 */

/** A character that may follow an element's name in its tag. */
export function endsName(code: number): boolean {
  // space, tab, LF, CR, '>', '/'
  return code === 32 || code === 62 || code === 47 || code === 9 || code === 10 || code === 13;
}

export const isSpace = (code: number): boolean =>
  code === 32 || code === 9 || code === 10 || code === 13;

/**
 * The value of attribute `name` in a start tag, raw (not entity-decoded), or null. A prefixed
 * name (`r:id`) matches its local name when `local` is set.
 */
export function attribute(tag: string, name: string, local = false): string | null {
  let i = 0;
  for (;;) {
    i = tag.indexOf(name, i);
    if (i < 0) return null;
    const before = tag.charCodeAt(i - 1);
    let j = i + name.length;
    i = j;
    if (!(isSpace(before) || (local && before === 58))) continue;
    while (isSpace(tag.charCodeAt(j))) j++;
    if (tag.charCodeAt(j) !== 61) continue; // '='
    j++;
    while (isSpace(tag.charCodeAt(j))) j++;
    const quote = tag.charCodeAt(j);
    if (quote !== 34 && quote !== 39) continue;
    const end = tag.indexOf(quote === 34 ? '"' : "'", j + 1);
    if (end < 0) return null;
    return tag.slice(j + 1, end);
  }
}

const TAGS = new Map<string, { open: string; close: string }>();

/** `<name` and `</name>`, made once: this runs for every cell. */
function tagsOf(name: string): { open: string; close: string } {
  let tags = TAGS.get(name);
  if (tags === undefined) {
    tags = { open: `<${name}`, close: `</${name}>` };
    TAGS.set(name, tags);
  }
  return tags;
}

/**
 * The first element `name` in `text` from `from`: its start tag, its content (empty for
 * `<name/>`) and where it ends; null when there is none. Callers pass a slice of the text (a
 * cell, a row): `indexOf` cannot be bounded otherwise.
 */
export function element(
  text: string,
  name: string,
  from = 0,
): { tag: string; content: string; at: number; after: number } | null {
  const { open, close: closeTag } = tagsOf(name);
  let i = from;
  for (;;) {
    i = text.indexOf(open, i);
    if (i < 0) return null;
    if (endsName(text.charCodeAt(i + open.length))) break;
    i += open.length;
  }
  const gt = text.indexOf('>', i);
  if (gt < 0) return null;
  if (text.charCodeAt(gt - 1) === 47) {
    return { tag: text.slice(i, gt + 1), content: '', at: i, after: gt + 1 };
  }
  const close = text.indexOf(closeTag, gt);
  if (close < 0) return null;
  return {
    tag: text.slice(i, gt + 1),
    content: text.slice(gt + 1, close),
    at: i,
    after: close + name.length + 3,
  };
}

/**
 * The text of every `<t>` in a shared or inline string, joined: plain (`<t>`) or in rich text
 * runs (`<r><t>`); phonetic runs (`<rPh>`) are not the text. Whitespace is kept whether or not
 * `xml:space="preserve"` says so, as Excel shows it.
 */
export function textRuns(xml: string): string {
  const plain = plainText(xml);
  if (plain !== null) return plain;
  const text = xml.includes('<rPh') ? xml.replace(/<rPh[\s>][\s\S]*?<\/rPh>/g, '') : xml;
  let result = '';
  for (let t = element(text, 't'); t !== null; t = element(text, 't', t.after)) {
    result += xmlText(t.content);
  }
  return result;
}

/**
 * `<t>text</t>` (or `<t xml:space="preserve">`) and nothing else, the common case of a shared
 * string: its text, found without building anything; null for anything else.
 */
function plainText(xml: string): string | null {
  if (xml.charCodeAt(0) !== 60 || xml.charCodeAt(1) !== 116 || !endsName(xml.charCodeAt(2))) {
    return null;
  }
  const gt = xml.indexOf('>', 2);
  const close = xml.length - 4;
  if (gt < 0 || xml.charCodeAt(gt - 1) === 47) return null;
  if (xml.indexOf('<', gt) !== close || !xml.endsWith('</t>')) return null;
  return xmlText(xml.slice(gt + 1, close));
}

/** What xmlText has to look at: entities, CR, markup (CDATA). */
const SPECIAL = /[&\r<]/;

const PREDEFINED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/**
 * Character data as its text: the five predefined entities and character references decoded,
 * CDATA sections unwrapped, line ends normalised to LF (as an XML parser does). Any other
 * entity is left as written: none is defined, none is ever resolved.
 */
export function xmlText(raw: string): string {
  if (!SPECIAL.test(raw)) return raw;
  let text = raw;
  if (text.includes('<![CDATA[')) {
    return text
      .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
      .map((part) =>
        part.startsWith('<![CDATA[') ? part.slice(9, -3) : xmlText(part.replace(/<[^>]*>/g, '')),
      )
      .join('');
  }
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.charCodeAt(0) === 35) {
      const code =
        name.charCodeAt(1) === 120 ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : whole;
    }
    return PREDEFINED[name] ?? whole;
  });
}

/** Does the XML declare a DOCTYPE (before its root element)? Such a part is refused. */
export function hasDoctype(text: string): boolean {
  return text.includes('<!DOCTYPE');
}
