/**
 * A report CSV's lines without the BOM: the table, then (after an empty line) what the file says
 * about itself (services/reporting/README.md, "Catching up").
 */
export function csvParts(bytes: Buffer): { table: string[]; about: string[] } {
  const lines = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n');
  const gap = lines.indexOf('');
  return gap < 0
    ? { table: lines, about: [] }
    : { table: lines.slice(0, gap), about: lines.slice(gap + 1) };
}
